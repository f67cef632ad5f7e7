// Compiles our Solidity (contracts/**/*.sol) offline with solc-js from npm (standard JSON), and
// writes the committed outputs: artifacts/<Name>.json (Hardhat artifact shape plus the compiler
// settings) and the runtime package's src/abis/<kebab-name>.ts (@datavault/contracts: ABI
// `as const` and creation bytecode). Test-only contracts (contracts/test/) go to artifacts/test/
// and this package's src/abis/test/, which no ABI index exports. `@openzeppelin/contracts/...` imports resolve from node_modules (installed package,
// no download). Hardhat never compiles here.
// Run: npm run compile -w @datavault/contracts-devkit. compile.test.ts fails when the outputs are stale.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DataVaultError } from '@datavault/contracts'
import { runtimeAbisDir } from './runtime-package.ts'

type Solc = { compile(input: string, callbacks?: { import: (path: string) => { contents: string } | { error: string } }): string; version(): string }

/**
 * Compiler settings for our contracts. `cancun`: OpenZeppelin 5.4's Governor needs `mcopy`
 * (through SignatureChecker → Bytes); every major chain runs Cancun since 2024 and EDR runs it.
 * The optimizer keeps PoolGovernor under the 24 KiB code-size limit.
 */
export const solcSettings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const

/** One compiled contract. */
export type CompiledContract = {
  contractName: string
  sourceName: string
  /** Compiled from `contracts/test/`: a hostile or helper contract for tests, never shipped. */
  testOnly: boolean
  abi: unknown[]
  bytecode: `0x${string}`
  deployedBytecode: `0x${string}`
}

/** The result of {@link compileContracts}. */
export type CompileContractsReturnType = { solcVersion: string; contracts: CompiledContract[] }

/** A file {@link renderCompiledOutputs} wants written, relative to the package root. */
export type OutputFile = { path: string; content: string }

/** The package root (`contracts-devkit/`). */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url))

/** solc reported errors; `details` carries its formatted messages. */
export class SolidityCompileError extends DataVaultError {
  override name = 'SolidityCompileError'
  constructor(details: string) {
    super('Solidity compilation failed.', { code: 'SOLIDITY_COMPILE_FAILED', status: 500, details })
  }
}

/** `contracts/**\/*.sol` under `root`, as solc source unit names (`contracts/pool/DataPool.sol`), sorted. */
export function listSoliditySources(root: string = packageRoot): string[] {
  return readdirSync(join(root, 'contracts'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.sol'))
    .map((name) => `contracts/${name.split(sep).join('/')}`)
    .sort()
}

/** The directory of test-only contracts; their outputs are kept apart from the shipped ones. */
const testContractsPrefix = 'contracts/test/'

/**
 * Resolves an import solc could not find among the sources: only npm packages (e.g.
 * `@openzeppelin/contracts/token/ERC20/ERC20.sol`), through Node's resolution from this package.
 */
function resolveImport(path: string): { contents: string } | { error: string } {
  if (path.startsWith('contracts/') || path.startsWith('.') || path.startsWith('/')) return { error: `not found: ${path}` }
  try {
    return { contents: readFileSync(createRequire(import.meta.url).resolve(path), 'utf8') }
  } catch {
    return { error: `not found in node_modules: ${path}` }
  }
}

/**
 * Compiles every `contracts/**\/*.sol` with solc-js (offline; npm imports from node_modules).
 * Returns our contracts that have code (interfaces and imported library contracts are left out).
 */
export function compileContracts(root: string = packageRoot): CompileContractsReturnType {
  const solc = createRequire(import.meta.url)('solc') as Solc
  const sources: Record<string, { content: string }> = {}
  for (const name of listSoliditySources(root)) {
    sources[name] = { content: readFileSync(join(root, name), 'utf8') }
  }
  const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings: solcSettings }), { import: resolveImport })) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error')
  if (errors.length > 0) throw new SolidityCompileError(errors.map((error) => error.formattedMessage).join('\n'))
  const contracts: CompiledContract[] = []
  for (const [sourceName, bySource] of Object.entries(output.contracts ?? {})) {
    if (!(sourceName in sources)) continue
    for (const [contractName, contract] of Object.entries(bySource)) {
      if (contract.evm.bytecode.object === '') continue
      contracts.push({
        contractName,
        sourceName,
        testOnly: sourceName.startsWith(testContractsPrefix),
        abi: contract.abi,
        bytecode: `0x${contract.evm.bytecode.object}`,
        deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
      })
    }
  }
  return { solcVersion: solc.version(), contracts }
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
}

function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}

/** Bytes of a contract's deployed code; EIP-170 caps it at 24 576 ({@link maxContractSize}). */
export function contractSize(contract: Pick<CompiledContract, 'deployedBytecode'>): number {
  return (contract.deployedBytecode.length - 2) / 2
}

/** EIP-170's limit on deployed code (24 KiB); EDR enforces it like mainnet. */
export const maxContractSize = 24_576

/** The committed files for a compilation: one artifact JSON and one TS module per contract. */
export function renderCompiledOutputs({ solcVersion, contracts }: CompileContractsReturnType): OutputFile[] {
  return contracts.flatMap((contract) => {
    const sub = contract.testOnly ? 'test/' : ''
    const artifact = {
      _format: 'hh-sol-artifact-1',
      contractName: contract.contractName,
      sourceName: contract.sourceName,
      abi: contract.abi,
      bytecode: contract.bytecode,
      deployedBytecode: contract.deployedBytecode,
      linkReferences: {},
      deployedLinkReferences: {},
      compiler: { version: solcVersion, settings: solcSettings },
    }
    const name = camel(contract.contractName)
    const module = [
      `// Generated by contracts-devkit/src/compile.ts from ${contract.sourceName} with solc ${solcVersion}. Do not edit;`,
      '// regenerate with `npm run compile -w @datavault/contracts-devkit`.',
      ...(contract.testOnly ? ['// TEST ONLY: a contract for our tests (hostile or helper); never deploy it, not exported by the ABI index.'] : []),
      '',
      `/** ABI of our ${contract.testOnly ? 'test-only ' : ''}\`${contract.contractName}\`. */`,
      `export const ${name}Abi = ${JSON.stringify(contract.abi, null, 2)} as const`,
      '',
      `/** Creation bytecode of our ${contract.testOnly ? 'test-only ' : ''}\`${contract.contractName}\` (${solcSettings.evmVersion}, optimizer ${solcSettings.optimizer.runs} runs). */`,
      `export const ${name}Bytecode = ${JSON.stringify(contract.bytecode)} as const`,
      '',
    ].join('\n')
    return [
      { path: `artifacts/${sub}${contract.contractName}.json`, content: `${JSON.stringify(artifact, null, 2)}\n` },
      { path: contract.testOnly ? `src/abis/test/${kebab(contract.contractName)}.ts` : join(relative(packageRoot, runtimeAbisDir), `${kebab(contract.contractName)}.ts`), content: module },
    ]
  })
}

/** Writes the outputs atomically (temp file, then rename). */
export function writeOutputFiles(files: OutputFile[], root: string = packageRoot): void {
  for (const file of files) {
    const target = join(root, file.path)
    mkdirSync(join(target, '..'), { recursive: true })
    const temp = `${target}.${process.pid}.tmp`
    writeFileSync(temp, file.content)
    renameSync(temp, target)
  }
}

if (import.meta.main) {
  const files = renderCompiledOutputs(compileContracts())
  writeOutputFiles(files)
  for (const file of files) console.log(`wrote ${file.path}`)
}
