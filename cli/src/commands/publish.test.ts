// `datavault publish` up to the point where it opens the wallet: what it shows, asks and refuses
// before anything is sent. There is no wallet here (no key, no dev stack) and the node URL is a
// closed port, so going any further fails on the wallet, after the preview. Publishing itself runs
// on a real stack in test/e2e/cli-flow.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runCli } from '../main.ts'
import type { CliIo } from '../output.ts'

let work: string
const csvPath = () => join(work, 'vitals.csv')
const csv = 'age,bmi,smoker,risk,notes\n61,NA,1,high,one note here\n40,22.5,0,low,another one\n35,,1,high,a third\n77,31,0,low,the fourth\n'

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dv-publish-'))
  await writeFile(join(work, 'vitals.csv'), csv)
  await writeFile(join(work, 'schema.json'), JSON.stringify({ format: 'csv', columns: [{ name: 'age', type: 'number' }, { name: 'weight', type: 'number' }] }))
})
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

/** Runs the CLI in `work`, on a terminal (answering `answers`) or not. */
async function publish(args: string[], { answers }: { answers?: string[] } = {}) {
  const tty = answers !== undefined
  const stdin = Object.assign(new PassThrough(), { isTTY: tty })
  const stderr = Object.assign(new PassThrough(), { isTTY: tty })
  const stdout = new PassThrough()
  let err = ''
  let out = ''
  stderr.on('data', (chunk: Buffer) => (err += chunk))
  stdout.on('data', (chunk: Buffer) => (out += chunk))
  stdin.end((answers ?? []).map((answer) => `${answer}\n`).join(''))
  const env = { DATAVAULT_VAULT_URL: 'http://127.0.0.1:9', DATAVAULT_RPC_URL: 'http://127.0.0.1:9', DATAVAULT_CHAIN_ID: '8996', DATAVAULT_CONFIG_DIR: join(work, 'config'), DATAVAULT_DEV_DIR: join(work, 'dev') }
  const io = { stdin, stderr, stdout, env, cwd: work, signal: new AbortController().signal } as unknown as CliIo
  const code = await runCli(['publish', ...args], io)
  return { code, stderr: err, stdout: out }
}

describe('datavault publish (before anything is sent)', () => {
  test('error: in a script, category columns whose values were not chosen are refused, naming them and the flags (exit 2)', async () => {
    const run = await publish([csvPath(), '--free', '--json'])
    expect(run.code).toBe(2)
    const { error } = JSON.parse(run.stdout)
    expect(error).toMatchObject({ code: 'SCHEMA_VALUES_UNCONFIRMED', exitCode: 2 })
    expect(error.message).toMatch(/2 values of "smoker" \(0, 1\); 2 values of "risk" \(high, low\)\. Nothing was sent\. .*--public-values smoker,risk/)
    // Free text is never offered as a category.
    expect(error.message).not.toMatch(/notes/)
  })

  test('behavior: in a script, the preview lists exactly what becomes public, and the mean/sd note is given where the policy is chosen', async () => {
    // With every choice made, it goes on to open the wallet, and there is none here: after the preview.
    const run = await publish([csvPath(), '--free', '--public-values', 'risk', '--type', 'smoker=number', '--exclude', 'notes', '--blanks', 'bmi=fill-mean', '--bounds', 'propose'])
    expect(run.stderr).toMatch(/datavault: No dev\.json/)
    expect(run.stderr).toContain(
      [
        'What becomes public (anyone can read it from the node):',
        '  rows: 4',
        '  age     number    bounds 20 to 80',
        '  bmi     number    bounds 22 to 32; blanks filled with the mean (under DP, the bounds\' midpoint)',
        '  smoker  number    bounds 0 to 1',
        '  risk    category  values: high, low',
        'Private: every cell, encrypted on this machine before upload.',
        'Excluded (removed from the file here, never uploaded): notes',
      ].join('\n'),
    )
    expect(run.stderr).toMatch(/train without differential privacy\. Their weights carry each number column's mean and standard deviation/)
  })

  test('behavior: on a terminal, each category column is a question; a no keeps it private; declining the whole sends nothing (exit 130)', async () => {
    const run = await publish([csvPath(), '--free', '--exclude', 'notes'], { answers: ['n', 'y', 'n'] })
    expect(run.code).toBe(130)
    expect(run.stderr).toMatch(/Publish the 2 values of "smoker" \(0, 1\) in the public schema\? \[y\/N\] Publish the 2 values of "risk" \(high, low\) in the public schema\? \[y\/N\] /)
    expect(run.stderr).toMatch(/ {2}smoker {2}number {4}no bounds\n {2}risk {4}category {2}values: high, low\n/)
    expect(run.stderr).toMatch(/Publish this\? \[y\/N\] \n?datavault: Nothing was published\./)
  })

  test('args: --yes confirms on a terminal without the question (then it opens the wallet)', async () => {
    const run = await publish([csvPath(), '--free', '--exclude', 'notes', '--public-values', 'risk,smoker', '--yes'], { answers: [] })
    expect(run.stderr).toMatch(/datavault: No dev\.json/)
    expect(run.stderr).not.toMatch(/\[y\/N\]/)
    expect(run.stderr).toMatch(/smoker {2}category {2}values: 0, 1/)
  })

  test('error: a --schema naming columns the file lacks, per-column flags beside --schema, choices the file cannot take', async () => {
    const missing = await publish([csvPath(), '--free', '--schema', join(work, 'schema.json'), '--json'])
    expect(missing.code).toBe(2)
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: 'SCHEMA_COLUMN_UNKNOWN', message: '--schema names columns the file does not have: weight.' })
    const both = await publish([csvPath(), '--free', '--schema', join(work, 'schema.json'), '--exclude', 'notes'])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/--exclude is for choosing the schema from the file; with --schema, declare the columns there/)
    const unknown = await publish([csvPath(), '--free', '--exclude', 'nope', '--json'])
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: 'CSV_COLUMN_UNKNOWN', message: 'There is no column "nope" in the file.', exitCode: 2 })
    const he = await publish([csvPath(), '--free', '--he', '--bounds', 'propose'])
    expect(he.code).toBe(2)
    expect(he.stderr).toMatch(/--bounds cannot be used with --he/)
    const text = await publish([csvPath(), '--free', '--type', 'notes=number', '--json'])
    expect(JSON.parse(text.stdout).error).toMatchObject({ code: 'CSV_CHOICE_INVALID', exitCode: 2 })
  })

  test('args: --help lists the per-column flags', async () => {
    const run = await publish(['--help'])
    expect(run.code).toBe(0)
    for (const flag of ['--exclude', '--type', '--blanks', '--public-values', '--bounds propose', '--yes', '--republish']) expect(run.stdout).toContain(flag)
  })
})
