// Pack and install, as a user would: the publishable packages are built and packed
// (scripts/pack.ts), then installed into a fresh project outside the repository by running the
// docs' own install lines (README, docs/quickstart-*.md, the package READMEs) with each
// `@datavault/*` name pointed at its tarball (they are not on the registry; everything else comes
// from it, through npm's cache). In that project: `npx datavault --help`, `datavault dev` without
// the devkit, the owner's and the buyer's quick starts against a local stack from the repository's
// fixtures, and a Vite build of a page importing the SDK's main entry, which must pull no `node:`
// module. It prints each package's install size and dependency count.
import { spawn } from 'node:child_process'
import { builtinModules, createRequire } from 'node:module'
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { build } from 'vite'
import { writeOceanAddressesFile } from '@datavault/contracts/addresses-file'
import { type PackedPackage, packPackages } from '../../scripts/pack.ts'
import { datavaultFootprints, formatFootprints, sdkFootprintAt } from '../../scripts/package-sizes.ts'
import { healthCsv } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Every install line the docs give, in the order this test runs them (the devkit last: `datavault dev` is tried without it first). */
const expectedInstallLines = [
  'npm install @datavault/sdk viem',
  'npm install @datavault/cli',
  'npm install @datavault/vault',
  'npm install @datavault/compute-to-data',
  'npm install @datavault/contracts viem',
  'npm install --save-dev @datavault/contracts-devkit',
]

/** The pages a user reads, whose `sh` blocks carry install lines. */
const docPages = [
  'README.md',
  'docs/quickstart-buyer.md',
  'docs/quickstart-owner.md',
  'sdk/README.md',
  'cli/README.md',
  'vault/README.md',
  'compute-to-data/README.md',
  'datatoken-contracts/README.md',
  'contracts-devkit/README.md',
]

/** `npm install …` lines of the pages' ```sh blocks that name a datavault package, each once. */
async function docsInstallLines(): Promise<string[]> {
  const lines: string[] = []
  for (const page of docPages) {
    const markdown = await readFile(join(root, page), 'utf8')
    for (const [, block] of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
      for (const raw of (block as string).split('\n')) {
        const line = raw.replace(/\s+#.*$/, '').trim()
        if (/^npm install\b/.test(line) && line.includes('@datavault/') && !lines.includes(line)) lines.push(line)
      }
    }
  }
  return lines
}

/** The runnable blocks of a docs page (```ts run), in order, joined into one module. */
async function runnableCode(page: string): Promise<string> {
  const markdown = await readFile(join(root, 'docs', page), 'utf8')
  return [...markdown.matchAll(/^```ts run\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string).join('\n')
}

type Run = { code: number | null; stdout: string; stderr: string }

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }))
  })
}

let work: string
let project: string
let packed: PackedPackage[]
/** PATH with Node 24 first (the packages need it; npm and npx run on it too). */
let env: Record<string, string>
const installs: { line: string; run: Run; seconds: number }[] = []
let devWithoutDevkit: Run
let t: TestStack | undefined
let packSeconds: number

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dv-packages-'))
  project = join(work, 'project')
  await mkdir(project)
  const bin = join(work, 'bin')
  await mkdir(bin)
  await symlink(process.execPath, join(bin, 'node'))
  env = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    // npm's quiet, cached mode; the command lines stay the docs' own.
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'error',
  }

  const packStarted = performance.now()
  packed = packPackages({ outDir: join(work, 'tarballs') })
  packSeconds = Math.round((performance.now() - packStarted) / 1000)
  // The local stack starts while npm installs (it runs from the repository, not the tarballs).
  const stackStarting = startTestStack()
  stackStarting.catch(() => {})
  const tarballOf = (name: string) => {
    const found = packed.find((pkg) => pkg.name === name)
    if (!found) throw new Error(`no tarball for ${name}`)
    return `file:${relative(project, found.tarball)}`
  }
  // A datavault package pulled in by another one comes from its tarball too (npm's overrides: the
  // spec equals the one `npm install <tarball>` saves, so a later direct install does not conflict).
  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'datavault-install-check', private: true, type: 'module', overrides: Object.fromEntries(packed.map((pkg) => [pkg.name, tarballOf(pkg.name)])) }, null, 2)}\n`,
  )

  for (const line of expectedInstallLines) {
    const args = line
      .split(' ')
      .slice(1)
      .map((arg) => (arg.startsWith('@datavault/') ? tarballOf(arg) : arg))
    if (line.includes('@datavault/contracts-devkit')) {
      // Before the devkit is installed: `datavault dev` says which package it needs.
      devWithoutDevkit = await run('npx', ['datavault', 'dev', '--port', '0', '--chain-port', '0', '--data-dir', join(work, 'dev')], { cwd: project, env })
    }
    const started = performance.now()
    const result = await run('npm', args, { cwd: project, env })
    installs.push({ line, run: result, seconds: Math.round((performance.now() - started) / 1000) })
    if (result.code !== 0) {
      t = await stackStarting.catch(() => undefined) // stopped in afterAll
      throw new Error(`${line} (as npm ${args.join(' ')}) failed:\n${result.stdout}${result.stderr}`)
    }
  }

  t = await stackStarting
  await writeFile(join(project, 'heart.csv'), healthCsv({ rows: 2000, seed: 61 }))
  await mkdir(join(project, '.datavault'))
  await writeOceanAddressesFile(join(project, '.datavault', 'addresses.json'), t.addresses as Parameters<typeof writeOceanAddressesFile>[1])
}, 900_000)

afterAll(async () => {
  await t?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

describe('packages', () => {
  test('default: the docs give exactly the install lines this test runs', async () => {
    expect((await docsInstallLines()).sort()).toEqual([...expectedInstallLines].sort())
    expect(installs.map((install) => install.line)).toEqual(expectedInstallLines)
    expect(relative(root, project).startsWith('..')).toBe(true)
    const installed = (await readdir(join(project, 'node_modules', '@datavault'))).sort()
    expect(installed).toEqual(['cli', 'compute-to-data', 'contracts', 'contracts-devkit', 'sdk', 'vault'])
    for (const pkg of packed) expect(basename(pkg.tarball)).toMatch(/^datavault-[a-z-]+-0\.1\.0\.tgz$/)
  })

  test('behavior: each package installs small; the SDK pulls no Solidity toolchain', () => {
    console.info(`pack: ${packSeconds} s; ${installs.map((install) => `${install.line}: ${install.seconds} s`).join('; ')}`)
    const footprints = datavaultFootprints(project)
    console.info(`install footprint in ${project} (each package with everything it depends on):\n${formatFootprints(footprints)}`)
    for (const pkg of packed) console.info(`${pkg.name}: tarball ${(pkg.packedBytes / 1024).toFixed(0)} KiB, ${pkg.files} files`)
    try {
      const before = sdkFootprintAt('e467eba')
      console.info(`@datavault/sdk before the split (e467eba, measured in the repository's node_modules): ${(before.bytes / 1024 / 1024).toFixed(1)} MB, ${before.dependencies} dependencies`)
    } catch (error) {
      console.info(`@datavault/sdk before the split: not measured here (${(error as Error).message.split('\n')[0]})`)
    }
    const sdk = footprints['@datavault/sdk']
    expect(sdk).toBeDefined()
    for (const toolchain of ['hardhat', 'solc', '@nomicfoundation/edr', '@oceanprotocol/contracts', '@openzeppelin/contracts', '@datavault/contracts-devkit', '@datavault/vault'])
      expect(sdk?.names, toolchain).not.toContain(toolchain)
    expect(footprints['@datavault/contracts']?.names.filter((name) => !name.startsWith('@datavault/'))).not.toContain('hardhat')
    expect(footprints['@datavault/cli']?.names).not.toContain('hardhat')
  })

  test('behavior: `npx datavault --help` runs the installed CLI', async () => {
    const help = await run('npx', ['datavault', '--help'], { cwd: project, env })
    expect(help.stderr).toBe('')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage:\n  datavault <command> [options]')
    expect(help.stdout).toMatch(/^ {2}train {8}/m)
  })

  test('error: `datavault dev` without the devkit names the package to install (exit 2)', () => {
    expect(devWithoutDevkit.code).toBe(2)
    expect(devWithoutDevkit.stderr).toContain('npm install --save-dev @datavault/contracts-devkit')
  })

  test('behavior: the owner and buyer quick starts run on the installed SDK', async () => {
    for (const page of ['owner', 'buyer'] as const) await writeFile(join(project, `${page}.ts`), await runnableCode(`quickstart-${page}.md`))
    const stackEnv = { DATAVAULT_VAULT_URL: t!.stack.vaultUrl, DATAVAULT_RPC_URL: t!.stack.rpcUrl, DATAVAULT_CHAIN_ID: String(t!.stack.chainId) }
    const key = (role: 'owner' | 'buyer') => t!.stack.accounts.find((account) => account.role === role)!.privateKey
    const owner = await run(process.execPath, ['owner.ts'], { cwd: project, env: { ...stackEnv, DATAVAULT_PRIVATE_KEY: key('owner') } })
    expect(owner.stderr).toBe('')
    expect(owner.code).toBe(0)
    expect(owner.stdout).toMatch(/published 0x[0-9a-f]{40}: b[a-z2-7]+/)
    const buyer = await run(process.execPath, ['buyer.ts'], { cwd: project, env: { ...stackEnv, DATAVAULT_PRIVATE_KEY: key('buyer') } })
    expect(buyer.stderr).toBe('')
    expect(buyer.code).toBe(0)
    expect(buyer.stdout).toContain('Heart health (example): 2000 rows')
    expect(buyer.stdout).toMatch(/receipt 0x[0-9a-f]{64} verified/)
    expect(buyer.stdout).toMatch(/risk: (low|high) \(p=[01]\.\d\d\)/)
    // The scripts ran the installed build, not the repository's sources.
    expect(resolveFrom(project, '@datavault/sdk')).toContain(join(project, 'node_modules', '@datavault', 'sdk', 'dist'))
  })

  test('behavior: a browser bundle of the SDK main entry imports no Node built-in', async () => {
    const page = join(project, 'page')
    await mkdir(page)
    await writeFile(join(page, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>\n')
    // Every export kept (no tree-shaking), so the whole entry is checked.
    await writeFile(join(page, 'main.ts'), "import * as datavault from '@datavault/sdk'\n;(globalThis as { datavault?: unknown }).datavault = datavault\n")
    const nodeImports: string[] = []
    const output = await build({
      root: page,
      configFile: false,
      logLevel: 'silent',
      build: { outDir: join(page, 'dist'), minify: false, write: true, emptyOutDir: true },
      plugins: [
        {
          name: 'no-node-builtins',
          enforce: 'pre',
          resolveId(source, importer) {
            if (source.startsWith('node:') || builtinModules.includes(source)) nodeImports.push(`${source} from ${importer ? relative(project, importer) : '?'}`)
            return null
          },
        },
      ],
    })
    expect(nodeImports).toEqual([])
    const chunks = (Array.isArray(output) ? output : [output]).flatMap((result) => ('output' in result ? result.output : []))
    const code = chunks.map((chunk) => (chunk.type === 'chunk' ? chunk.code : '')).join('\n')
    expect(code.length).toBeGreaterThan(10_000)
    expect(code).not.toMatch(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']node:/)
    expect(code).not.toContain('__vite-browser-external')
    expect(code).toContain('createDataVaultClient')
  })
})

/** Where Node resolves `specifier` from a module in `dir`. */
function resolveFrom(dir: string, specifier: string): string {
  return createRequire(join(dir, 'resolver.js')).resolve(specifier)
}
