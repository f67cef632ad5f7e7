import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as abis from '@datavault/contracts/abis'
import { receiptRegistryAbi, receiptRegistryBytecode } from '@datavault/contracts/abis'
import { compileContracts, contractSize, listSoliditySources, maxContractSize, packageRoot, renderCompiledOutputs, solcSettings } from './compile.ts'

describe('compileContracts', () => {
  // One compilation for the file: solc-js compiles our contracts and the OpenZeppelin sources
  // they import in ~12–18 s on a shared 2-core machine.
  const startedAt = performance.now()
  const result = compileContracts()
  const compileMs = Math.round(performance.now() - startedAt)

  test('default: committed artifacts and ABI modules are current', () => {
    // If this fails: npm run compile -w @datavault/contracts
    for (const file of renderCompiledOutputs(result)) {
      expect(readFileSync(join(packageRoot, file.path), 'utf8'), file.path).toBe(file.content)
    }
  })

  test('behavior: no committed artifact is left from a contract that no longer exists', () => {
    const expected = new Set(renderCompiledOutputs(result).map((file) => file.path))
    const committed = [
      ...readdirSync(join(packageRoot, 'artifacts'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.json')).map((name) => `artifacts/${name}`),
      ...readdirSync(join(packageRoot, 'src/abis/test'), { encoding: 'utf8' }).map((name) => `src/abis/test/${name}`),
    ]
    expect(committed.filter((path) => !expected.has(path))).toEqual([])
  })

  test('behavior: compiles offline with solc-js 0.8.30, optimizer on, cancun', () => {
    console.info(`solc-js compile: ${compileMs} ms for ${listSoliditySources().length} sources`)
    expect(result.solcVersion).toMatch(/^0\.8\.30\+commit\./)
    expect(solcSettings.optimizer.enabled).toBe(true)
    const registry = result.contracts.find((contract) => contract.contractName === 'ReceiptRegistry')
    expect(registry?.bytecode).toBe(receiptRegistryBytecode)
    expect(registry?.abi).toEqual(receiptRegistryAbi)
    for (const contract of result.contracts) {
      const artifact = JSON.parse(readFileSync(join(packageRoot, `artifacts/${contract.testOnly ? 'test/' : ''}${contract.contractName}.json`), 'utf8')) as { compiler: { settings: { evmVersion: string } } }
      expect(artifact.compiler.settings.evmVersion, contract.contractName).toBe('cancun')
    }
  })

  test('behavior: OpenZeppelin imports resolve from node_modules; only our contracts with code are emitted', () => {
    const names = result.contracts.map((contract) => `${contract.sourceName}:${contract.contractName}`)
    expect(names).toEqual(
      expect.arrayContaining([
        'contracts/pool/DataPool.sol:DataPool',
        'contracts/pool/PoolGovernor.sol:PoolGovernor',
        'contracts/pool/PoolRevenue.sol:PoolRevenue',
        'contracts/pool/PoolShareToken.sol:PoolShareToken',
        'contracts/pool/PoolTimelock.sol:PoolTimelock',
      ]),
    )
    expect(names.filter((name) => !name.startsWith('contracts/'))).toEqual([]) // no OpenZeppelin contract of its own
    expect(names.filter((name) => name.includes('OceanInterfaces'))).toEqual([]) // interfaces have no code
  })

  test('behavior: every shipped contract fits the 24 KiB code-size limit', () => {
    const sizes = Object.fromEntries(result.contracts.filter((contract) => !contract.testOnly).map((contract) => [contract.contractName, contractSize(contract)]))
    console.info(`deployed code sizes (bytes, limit ${maxContractSize}): ${JSON.stringify(sizes)}`)
    for (const [name, size] of Object.entries(sizes)) expect(size, name).toBeLessThanOrEqual(maxContractSize)
  })

  test('behavior: test-only contracts are kept apart and out of the ABI index', () => {
    const testOnly = result.contracts.filter((contract) => contract.testOnly).map((contract) => contract.contractName)
    expect(testOnly.sort()).toEqual(['ReentrantMember', 'ReentrantToken'])
    const paths = renderCompiledOutputs(result).map((file) => file.path)
    expect(paths).toContain('artifacts/test/ReentrantToken.json')
    expect(paths).toContain('src/abis/test/reentrant-token.ts')
    expect(Object.keys(abis).filter((name) => name.toLowerCase().includes('reentrant'))).toEqual([])
    expect(readFileSync(join(packageRoot, 'src/abis/test/reentrant-token.ts'), 'utf8')).toContain('TEST ONLY')
  })

  test('behavior: ReceiptRegistry has the anchor API', () => {
    const signatures = receiptRegistryAbi.map((item) => `${item.type} ${item.name}`)
    expect(signatures).toEqual(expect.arrayContaining(['function anchor', 'function anchorOf', 'event ReceiptAnchored', 'error ReceiptAlreadyAnchored', 'error EmptyReceiptHash']))
  })

  test('error: an import that is neither a source nor an installed package fails the compilation', () => {
    const root = mkdtempSync(join(tmpdir(), 'dv-compile-'))
    mkdirSync(join(root, 'contracts'))
    writeFileSync(join(root, 'contracts/Broken.sol'), 'pragma solidity 0.8.30;\nimport "@openzeppelin/contracts/does/not/Exist.sol";\ncontract Broken {}\n')
    expect(() => compileContracts(root)).toThrow(expect.objectContaining({ name: 'SolidityCompileError', code: 'SOLIDITY_COMPILE_FAILED', details: expect.stringContaining('Exist.sol') }))
  })
})
