// The quick starts run as written: the ```ts run blocks of each page, joined in order into one
// file, are typechecked and run with Node against a real local stack. The pages read their setup
// from the environment (DATAVAULT_VAULT_URL, DATAVAULT_RPC_URL, DATAVAULT_CHAIN_ID,
// DATAVAULT_PRIVATE_KEY, DATAVAULT_ADDRESSES_FILE), as they tell readers to; this test sets them
// to the stack's values and the owner's or buyer's test key.
import { spawn } from 'node:child_process'
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { writeOceanAddressesFile } from '@datavault/contracts/addresses-file'
import { healthCsv } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
let t: TestStack
let scripts: string
let cwd: string

/** The runnable blocks of a docs page (```ts run), in order, joined into one module. */
async function runnableCode(page: string): Promise<string> {
  const markdown = await readFile(join(root, 'docs', page), 'utf8')
  const blocks = [...markdown.matchAll(/^```ts run\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string)
  return blocks.join('\n')
}

function run(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [file], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }))
  })
}

function key(role: 'owner' | 'buyer') {
  return t.stack.accounts.find((account) => account.role === role)!.privateKey
}

beforeAll(async () => {
  t = await startTestStack()
  // The scripts live in the repository so that `@datavault/sdk` resolves as it does for a reader
  // who installed it; their working directory (heart.csv, model.safetensors) is a temporary one.
  scripts = await mkdtemp(join(root, 'test', '.docs-run-'))
  cwd = await mkdtemp(join(tmpdir(), 'dv-docs-'))
  await writeFile(join(cwd, 'heart.csv'), healthCsv({ rows: 2000, seed: 61 }))
  await mkdir(join(cwd, '.datavault'))
  await writeOceanAddressesFile(join(cwd, '.datavault', 'addresses.json'), t.addresses as Parameters<typeof writeOceanAddressesFile>[1])
})
afterAll(async () => {
  await t?.stop()
  if (scripts) await rm(scripts, { recursive: true, force: true })
  if (cwd) await rm(cwd, { recursive: true, force: true })
})

const pages = { owner: 'quickstart-owner.md', buyer: 'quickstart-buyer.md' } as const
/** tsc over the pages' code, started in beforeAll so that it runs beside the stack and the scripts. */
let typecheck: Promise<{ code: number | null; out: string }>

/** Runs a Node program to its end, with its output. */
function execute(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: root })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, out }))
  })
}

/**
 * Typechecks the pages' code as the repository's own code is checked (tsconfig.base.json: strict,
 * noUncheckedIndexedAccess, NodeNext), against the SDK's built declarations (`tsc -b`, as
 * `npm run typecheck` does; up to date it takes a second) rather than its sources.
 */
async function typecheckScripts(files: string[]) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const built = await execute([tsc, '-b', 'sdk', 'datatoken-contracts'])
  if (built.code !== 0) return built
  const config = join(scripts, 'tsconfig.json')
  await writeFile(
    config,
    JSON.stringify({
      extends: '../../tsconfig.base.json',
      compilerOptions: { composite: false, declaration: false, emitDeclarationOnly: false, noEmit: true },
      files: files.map((file) => file.slice(scripts.length + 1)),
      references: [{ path: '../../sdk' }, { path: '../../datatoken-contracts' }],
    }),
  )
  return execute([tsc, '-p', config])
}

beforeAll(async () => {
  for (const [name, page] of Object.entries(pages)) await writeFile(join(scripts, `${name}.ts`), await runnableCode(page))
  typecheck = typecheckScripts(Object.keys(pages).map((name) => join(scripts, `${name}.ts`)))
})

describe('docs', () => {
  test('default: the owner quick start publishes, then the buyer quick start trains on it and writes the weights', async () => {
    const env = {
      DATAVAULT_VAULT_URL: t.stack.vaultUrl,
      DATAVAULT_RPC_URL: t.stack.rpcUrl,
      DATAVAULT_CHAIN_ID: String(t.stack.chainId),
    }
    const owner = await run(join(scripts, 'owner.ts'), { ...env, DATAVAULT_PRIVATE_KEY: key('owner') })
    expect(owner.stderr).toBe('')
    expect(owner.code).toBe(0)
    expect(owner.stdout).toContain('price: done')
    expect(owner.stdout).toContain('smoker: label, 0 blank cells')
    expect(owner.stdout).toContain('proposed: age (number), bmi (number), systolic_bp (number), cholesterol (number), glucose (number), smoker (number), exercise_hours (number), risk (category)')
    expect(owner.stdout).toMatch(/published 0x[0-9a-f]{40}: b[a-z2-7]+/)
    expect(owner.stdout).toContain('Heart health (example): 0 orders')

    const buyer = await run(join(scripts, 'buyer.ts'), { ...env, DATAVAULT_PRIVATE_KEY: key('buyer') })
    expect(buyer.stderr).toBe('')
    expect(buyer.code).toBe(0)
    expect(buyer.stdout).toContain('Heart health (example): 2000 rows')
    expect(buyer.stdout).toMatch(/one job costs 5\.\d+ OCEAN/)
    // What the watch loop printed: states in order (a short one may fall between polls), epochs of 40, then finished.
    const lines = buyer.stdout.split('\n')
    const watched = lines.slice(lines.findIndex((line) => line.startsWith('order 0x')) + 1, lines.findIndex((line) => line.startsWith('model.safetensors')))
    expect(watched.at(-1)).toBe('finished')
    for (const line of watched) expect(line).toMatch(/^(queued|provisioning|checking|finished|epoch \d+\/40)$/)
    expect(buyer.stdout).toMatch(/receipt 0x[0-9a-f]{64} verified/)
    expect(buyer.stdout).toMatch(/risk: (low|high) \(p=[01]\.\d\d\)/)
    await access(join(cwd, 'model.safetensors'))

    // And the owner's page, run again, sees the order the buyer's page paid for.
    const again = await run(join(scripts, 'owner.ts'), { ...env, DATAVAULT_PRIVATE_KEY: key('owner') })
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('Heart health (example): 1 orders by 1 buyers')
  })

  test('behavior: the quick starts typecheck as written (strict)', async () => {
    for (const page of Object.values(pages)) expect((await runnableCode(page)).length, page).toBeGreaterThan(500)
    const { code, out } = await typecheck
    expect(out).toBe('')
    expect(code).toBe(0)
  })
})
