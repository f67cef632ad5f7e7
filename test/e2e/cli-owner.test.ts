// The dataset owner's CLI on a real stack: jobs waiting for approval of a custom algorithm are
// found (`jobs --dataset`), read (`jobs <id> --program`), approved or denied; the program's log
// and the receipts are the owner's; buyers and strangers are refused with exit 4. And a job that
// fails on the node (a policy, a schema and a buyer who bought ahead): exit 3. Key rotation from a
// file, and the jobs that run on the new ciphertext.
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type JobView, submitJob, uploadAlgorithm, waitForJob } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { columnMeansProgram } from '../fixtures/programs.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname
const outputs = { tensors: [{ name: 'means', dtype: 'F32' as const, shape: [7] }], metrics: ['rows'] }

let t: TestStack
let work: string
let dataset: `0x${string}`
let approved: JobView
let denied: JobView

type Run = { code: number | null; stdout: string; stderr: string }

/** Runs the real CLI against the test stack's dev.json, with a clean environment and no terminal. */
function cli(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [launcher, ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, DATAVAULT_CONFIG_DIR: join(work, 'config'), DATAVAULT_DEV_DIR: dirname(t.stack.addressesFile) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function json(run: Run): any {
  expect(run.stdout.trim().startsWith('{'), `${run.stdout}\n${run.stderr}`).toBe(true)
  return JSON.parse(run.stdout)
}

beforeAll(async () => {
  t = await startTestStack()
  work = await mkdtemp(join(tmpdir(), 'dv-cli-owner-'))
  await writeFile(join(work, 'vitals.csv'), healthCsv({ rows: 300, seed: 4 }))
  ;({ datatoken: dataset } = await t.publish({ csv: healthCsv({ rows: 200, seed: 9 }), schema: healthSchema('binary') }))
  dataset = dataset.toLowerCase() as `0x${string}`
  const { hash } = await uploadAlgorithm(t.buyer.vault, { code: columnMeansProgram })
  approved = await submitJob(t.buyer.vault, { dataset, algorithm: { hash, outputs }, params: {}, orderTx: await t.buyAndOrder({ datatoken: dataset }) })
  denied = await submitJob(t.buyer.vault, { dataset, algorithm: { hash, outputs }, params: { mode: 'dump' }, orderTx: await t.buyAndOrder({ datatoken: dataset }) })
})
afterAll(async () => {
  await t?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

describe('datavault owner commands', () => {
  test('default: find the waiting jobs, read the program, approve one, deny the other; logs and receipts', async () => {
    const [waiting, program] = await Promise.all([cli(['jobs', '--dataset', dataset, '--account', 'owner', '--json']), cli(['jobs', approved.id, '--program', '--account', 'owner'])])
    expect(waiting.code, waiting.stderr).toBe(0)
    expect(json(waiting).jobs.map((job: JobView) => [job.id, job.state]).sort()).toEqual(
      [
        [approved.id, 'awaiting-approval'],
        [denied.id, 'awaiting-approval'],
      ].sort(),
    )
    expect(program.code, program.stderr).toBe(0)
    expect(program.stdout.trimEnd()).toBe(columnMeansProgram.trimEnd())

    const [approve, deny] = await Promise.all([
      cli(['approve', approved.id, '--account', 'owner', '--json']),
      cli(['deny', denied.id, '--reason', 'dump mode exports too much', '--account', 'owner']),
    ])
    expect(approve.code, approve.stderr).toBe(0)
    expect(json(approve)).toMatchObject({ job: { id: approved.id, state: 'queued' }, algorithm: { hash: approved.trainer.hash, dataset, params: {} } })
    expect(deny.code, deny.stderr).toBe(0)
    expect(deny.stdout).toMatch(/^state:\s+failed$/m)
    expect(deny.stdout).toMatch(/^failure:\s+denied: .*dump mode exports too much/m)

    const watched = await cli(['jobs', '--watch', approved.id, '--account', 'buyer', '--json'])
    expect(watched.code, watched.stderr).toBe(0)
    expect(json(watched).job).toMatchObject({ state: 'finished' })
    // A custom program's metrics are its own numbers: checked, never released to the buyer.
    expect(json(watched).job.metrics).toBeUndefined()

    const [logs, receipts, deniedView] = await Promise.all([
      cli(['logs', approved.id, '--account', 'owner']),
      cli(['receipts', dataset, '--account', 'owner']),
      cli(['jobs', denied.id, '--account', 'buyer', '--json']),
    ])
    expect(logs.code, logs.stderr).toBe(0)
    expect(logs.stdout).toContain('column-means: processed 200 rows')
    expect(receipts.code, receipts.stderr).toBe(0)
    const rows = receipts.stdout.trim().split('\n').map((line) => line.split('\t'))
    expect(rows).toEqual([[approved.id, t.buyer.account.address.toLowerCase(), expect.stringMatching(/^custom@/), 'none', expect.any(String), 'yes']])
    expect(json(deniedView).job.failure).toMatchObject({ code: 'denied', message: expect.stringContaining('dump mode exports too much') })

    // Revocation: only the owner; afterwards the node holds no key and takes no job.
    const notOwner = await cli(['revoke', dataset, '--account', 'buyer', '--json'])
    expect(notOwner.code).toBe(4)
    const revoked = await cli(['revoke', dataset, '--account', 'owner', '--json'])
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(json(revoked).dataset).toMatchObject({ keyEscrowed: false, revokedAt: expect.any(String) })
  })

  test('behavior: buy ahead, then a job that fails: exit 3 with the node\'s reason, nothing at --out; jobs --watch says the same', async () => {
    // The schema declares no row count, so only the run itself can find the rows too few.
    await writeFile(join(work, 'policy.json'), JSON.stringify({ trainers: ['logistic-regression'], minRows: 100_000 }))
    const columns = ['age', 'bmi', 'systolic_bp', 'cholesterol', 'glucose', 'smoker', 'exercise_hours'].map((name) => ({ name, type: 'number' }))
    await writeFile(join(work, 'schema.json'), JSON.stringify({ format: 'csv', columns: [...columns, { name: 'risk', type: 'category', values: ['low', 'high'] }] }))
    const published = await cli(['publish', 'vitals.csv', '--price', '1', '--name', 'Too few rows', '--policy', 'policy.json', '--schema', 'schema.json', '--account', 'owner', '--json'])
    expect(published.code, published.stderr).toBe(0)
    const tooFew = json(published).dataset
    expect(json(published).policy).toMatchObject({ trainers: ['logistic-regression'], minRows: 100_000 })

    const bought = await cli(['buy', tooFew, '--account', 'buyer', '--json'])
    expect(bought.code, bought.stderr).toBe(0)
    expect(json(bought)).toMatchObject({ method: 'fixed-rate', paid: '1.001', balance: '1', price: { type: 'fixed-rate', price: '1' } })

    const out = join(work, 'failed.safetensors')
    const trained = await cli(['train', tooFew, '--trainer', 'logistic-regression', '--label', 'risk', '--out', out, '--account', 'buyer', '--json'])
    expect(trained.code, trained.stdout).toBe(3)
    const { error } = json(trained)
    expect(error).toMatchObject({ code: 'JOB_FAILED', exitCode: 3, failure: { code: 'policy-violation' } })
    expect(trained.stderr).not.toMatch(/bought a datatoken/)
    expect((await readdir(work)).filter((name) => name.includes('failed.safetensors'))).toEqual([])

    const watched = await cli(['jobs', '--watch', error.job, '--account', 'buyer'])
    expect(watched.code).toBe(3)
    expect(watched.stderr).toMatch(/failed: policy-violation: .*100000 rows/)
  })

  test('behavior: rotate re-encrypts a dataset under a fresh key; a job runs on the new ciphertext; only the owner may', async () => {
    const csv = healthCsv({ rows: 200, seed: 21 })
    await writeFile(join(work, 'rotate.csv'), csv)
    const { datatoken, cid } = await t.publish({ csv, schema: healthSchema('binary'), name: 'to rotate' })
    const id = datatoken.toLowerCase()
    const [buyer, missing] = await Promise.all([cli(['rotate', id, 'rotate.csv', '--account', 'buyer', '--json']), cli(['rotate', id, 'nothing-here.csv', '--account', 'owner'])])
    expect(buyer.code).toBe(4)
    expect(json(buyer).error.code).toBe('NOT_DATASET_OWNER')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/nothing-here\.csv does not exist/)

    const rotated = await cli(['rotate', id, 'rotate.csv', '--account', 'owner', '--json'])
    expect(rotated.code, rotated.stderr).toBe(0)
    const result = json(rotated)
    expect(result).toMatchObject({ dataset: id, retiredCid: cid, keyEscrowed: true })
    expect(result.cid).not.toBe(cid)
    expect(json(await cli(['dataset', id, '--json'])).cid).toBe(result.cid)
    // The escrowed new key opens the new ciphertext.
    const job = await submitJob(t.buyer.vault, { dataset: datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 3 }, orderTx: await t.buyAndOrder({ datatoken }) })
    expect((await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 100 })).state).toBe('finished')
  })

  test('error: a decided job, a buyer reading logs, a stranger\'s receipts, an unknown job, a missing reason', async () => {
    const [again, buyerLogs, strangerReceipts, unknown, noReason] = await Promise.all([
      cli(['approve', denied.id, '--account', 'owner', '--json']),
      cli(['logs', approved.id, '--account', 'buyer']),
      cli(['receipts', dataset, '--account', 'spare']),
      cli(['approve', '00000000-0000-4000-8000-000000000000', '--account', 'owner']),
      cli(['deny', approved.id, '--account', 'owner']),
    ])
    expect(again.code).toBe(4)
    expect(json(again).error).toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL', exitCode: 4 })
    expect(buyerLogs.code).toBe(4)
    expect(buyerLogs.stderr).toMatch(/may not/)
    expect(strangerReceipts.code).toBe(4)
    expect(unknown.code).toBe(4)
    expect(unknown.stderr).toMatch(/No such job on this node/)
    expect(noReason.code).toBe(2)
    expect(noReason.stderr).toMatch(/--reason: is required/)
  })
})
