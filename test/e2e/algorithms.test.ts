// Custom algorithms on the real stack: a buyer uploads a program, the job waits for the dataset
// owner's approval, the owner approves (or denies, with a reason the buyer sees), logs stay with
// the owner, receipts are listed for the owner and anchored on chain by the node.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createPublicClient, http } from 'viem'
import {
  approveJob,
  decodeSafetensors,
  denyJob,
  downloadOutput,
  getJob,
  getAlgorithm,
  getJobLogs,
  listDatasetJobs,
  revokeAlgorithmApproval,
  revokeDataset,
  getReceipt,
  getReceiptAnchor,
  listReceipts,
  submitJob,
  uploadAlgorithm,
  verifyReceipt,
  waitForJob,
} from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { columnMeansProgram, columnMeansPythonProgram } from '../fixtures/programs.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
const csv = healthCsv({ rows: 200, seed: 21 })
const schema = healthSchema('binary')
const outputs = { tensors: [{ name: 'means', dtype: 'F32' as const, shape: [7] }], metrics: ['rows'] }

beforeAll(async () => {
  t = await startTestStack()
})
afterAll(async () => {
  await t?.stop()
})

describe('custom algorithms', () => {
  test('default: a job waits for the owner, runs once approved, and later jobs with the same hash run at once', async () => {
    const dataset = await t.publish({ csv, schema })
    const { hash } = await uploadAlgorithm(t.buyer.vault, { code: columnMeansProgram })
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)

    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash, outputs }, params: {}, orderTx })
    expect(job.state).toBe('awaiting-approval')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await getJob(t.buyer.vault, { id: job.id })).state).toBe('awaiting-approval')

    await expect(approveJob(t.buyer.vault, { id: job.id })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })
    expect((await approveJob(t.owner.vault, { id: job.id })).state).toBe('queued')
    await expect(approveJob(t.owner.vault, { id: job.id })).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL' })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.failure).toBeUndefined()
    // The program wrote metrics.json (checked by the guard), but its numbers are its own choice: never released.
    expect(done.metrics).toBeUndefined()
    expect(done.result?.files.map((file) => file.name)).toEqual(['model.safetensors'])
    await expect(downloadOutput(t.buyer.vault, { id: job.id, name: 'metrics.json' })).rejects.toMatchObject({ code: 'JOB_OUTPUT_NOT_FOUND' })
    const weights = await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })
    const { tensors } = decodeSafetensors(weights.bytes)
    expect(tensors.means?.shape).toEqual([7])
    expect(Array.from(tensors.means!.data as Float32Array)[0]).toBeGreaterThan(18) // mean age

    // The program's log is the owner's alone.
    expect((await getJobLogs(t.owner.vault, { id: job.id })).log).toContain('column-means: processed 200 rows')
    await expect(getJobLogs(t.buyer.vault, { id: job.id })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })

    // The owner saw what they approved: the program, its declared outputs and its parameters.
    const listed = await listDatasetJobs(t.owner.vault, { dataset: dataset.datatoken })
    expect(listed.find((candidate) => candidate.id === job.id)).toMatchObject({ trainer: { id: 'custom', hash, outputs }, params: {} })
    expect(new TextDecoder().decode((await getAlgorithm(t.owner.vault, { hash })).code)).toBe(columnMeansProgram)
    await expect(getAlgorithm(t.stranger.vault, { hash })).rejects.toMatchObject({ code: 'ALGORITHM_ACCESS_DENIED' })
    await expect(listDatasetJobs(t.buyer.vault, { dataset: dataset.datatoken })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })

    // The approval covers the same program with the same declared outputs and parameters only.
    const wider = await submitJob(t.buyer.vault, {
      dataset: dataset.datatoken,
      algorithm: { hash, outputs: { tensors: [{ name: 'means', dtype: 'F32', shape: [7000] }], metrics: ['rows'] } },
      params: {},
      orderTx: await t.buyAndOrder(dataset),
    })
    expect(wider.state).toBe('awaiting-approval')
    const otherParams = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash, outputs }, params: { mode: 'dump' }, orderTx: await t.buyAndOrder(dataset) })
    expect(otherParams.state).toBe('awaiting-approval')
    const second = await submitJob(t.buyer.vault, {
      dataset: dataset.datatoken,
      algorithm: { hash, outputs },
      params: {},
      orderTx: await t.buyAndOrder(dataset),
    })
    expect(second.state).toBe('queued')
    expect((await waitForJob(t.buyer.vault, { id: second.id, intervalMs: 50 })).state).toBe('finished')

    // Receipts: the owner lists them and each verifies against the node; they are anchored on chain.
    const receipts = await listReceipts(t.owner.vault, { dataset: dataset.datatoken })
    expect(receipts.map((receipt) => receipt.message.jobId).sort()).toEqual([job.id, second.id].sort())
    const node = await t.owner.vault.node()
    for (const receipt of receipts) await verifyReceipt({ receipt, node: node.address })
    expect(receipts[0]!.message).toMatchObject({ trainerId: 'custom', trainerHash: hash, epsilon: '0', delta: '1' })
    await expect(listReceipts(t.stranger.vault, { dataset: dataset.datatoken })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })

    // Withdrawing the approval makes the next identical job wait again.
    expect(await revokeAlgorithmApproval(t.owner.vault, { dataset: dataset.datatoken, hash })).toEqual({ revoked: 1 })
    const third = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash, outputs }, params: {}, orderTx: await t.buyAndOrder(dataset) })
    expect(third.state).toBe('awaiting-approval')

    const receipt = await getReceipt(t.buyer.vault, { id: job.id })
    const publicClient = createPublicClient({ transport: http(t.stack.rpcUrl) })
    const registry = (t.stack.addresses as { ReceiptRegistry: `0x${string}` }).ReceiptRegistry
    let anchoredAt: Date | undefined
    for (let i = 0; i < 50 && !anchoredAt; i++) {
      anchoredAt = await getReceiptAnchor(publicClient, { registry, node: node.address, hash: receipt.hash })
      if (!anchoredAt) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(anchoredAt).toBeInstanceOf(Date)
  })

  test('behavior: a custom program\'s epoch events (their timing is its own) never reach the buyer while it runs; a failure shows no exit code', async () => {
    const dataset = await t.publish({ csv, schema })
    const paced = `${columnMeansProgram}\nfor (let epoch = 1; epoch <= 20; epoch++) { console.log(JSON.stringify({ event: 'epoch', epoch, loss: epoch })); await new Promise((resolve) => setTimeout(resolve, 20)) }\n`
    const { hash } = await uploadAlgorithm(t.buyer.vault, { code: paced })
    const failing = await uploadAlgorithm(t.buyer.vault, { code: `${columnMeansProgram}\nprocess.exit(77)\n` })
    const [first, second] = await t.buyOrders(dataset, 2)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash, outputs }, params: {}, orderTx: first! })
    await approveJob(t.owner.vault, { id: job.id })
    const seen: (number | undefined)[] = []
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 10, onUpdate: (view) => void seen.push(view.progress?.epoch) })
    expect(done.state).toBe('finished')
    expect(seen.filter((epoch) => epoch !== undefined)).toEqual([])
    const bad = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash: failing.hash, outputs }, params: {}, orderTx: second! })
    await approveJob(t.owner.vault, { id: bad.id })
    const failed = await waitForJob(t.buyer.vault, { id: bad.id, intervalMs: 50 })
    expect(failed.failure).toEqual({ code: 'trainer-failed', message: 'The program failed.' })
  })

  test('behavior: a Python algorithm runs the same way, with the host\'s Python 3', async () => {
    const dataset = await t.publish({ csv, schema })
    const { hash, runtime } = await uploadAlgorithm(t.buyer.vault, { code: columnMeansPythonProgram, runtime: 'python' })
    expect(runtime).toBe('python')
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash, outputs }, params: {}, orderTx: await t.buyAndOrder(dataset) })
    expect(job.trainer).toMatchObject({ id: 'custom', version: 'python', hash })
    await approveJob(t.owner.vault, { id: job.id })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.failure).toBeUndefined()
    expect(done.metrics).toBeUndefined()
    const { tensors } = decodeSafetensors((await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })).bytes)
    const means = Array.from(tensors.means!.data as Float32Array)
    const nodeJob = await submitJob(t.buyer.vault, {
      dataset: dataset.datatoken,
      algorithm: { hash: (await uploadAlgorithm(t.buyer.vault, { code: columnMeansProgram })).hash, outputs },
      params: {},
      orderTx: await t.buyAndOrder(dataset),
    })
    await approveJob(t.owner.vault, { id: nodeJob.id })
    await waitForJob(t.buyer.vault, { id: nodeJob.id, intervalMs: 50 })
    const nodeMeans = Array.from(decodeSafetensors((await downloadOutput(t.buyer.vault, { id: nodeJob.id, name: 'model.safetensors' })).bytes).tensors.means!.data as Float32Array)
    means.forEach((mean, i) => expect(mean).toBeCloseTo(nodeMeans[i]!, 3))
    expect((await getJobLogs(t.owner.vault, { id: job.id })).log).toContain('column-means.py: processed 200 rows')
    await expect(uploadAlgorithm(t.buyer.vault, { code: columnMeansPythonProgram })).rejects.toMatchObject({ code: 'ALGORITHM_RUNTIME_CONFLICT' })
  })

  test('error: a denied job fails with the owner\'s reason and its order pays for another job', async () => {
    const dataset = await t.publish({ csv, schema })
    const { hash } = await uploadAlgorithm(t.buyer.vault, { code: columnMeansProgram })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash, outputs }, params: {}, orderTx })
    expect(job.state).toBe('awaiting-approval')
    const denied = await denyJob(t.owner.vault, { id: job.id, reason: 'means of my data are not for sale' })
    expect(denied.state).toBe('failed')
    expect(denied.failure).toEqual({ code: 'denied', message: expect.stringContaining('means of my data are not for sale') })
    const retry = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 3 }, orderTx })
    expect((await waitForJob(t.buyer.vault, { id: retry.id, intervalMs: 50 })).state).toBe('finished')
  })

  test('error: a custom program gets room in /out for its declared outputs only: 1 MiB more is an output limit, not 64 MiB', async () => {
    const dataset = await t.publish({ csv, schema })
    const spill = columnMeansProgram.replace(
      "process.stdout.write(JSON.stringify({ event: 'done' }) + '\\n')",
      "writeFileSync('/out/spill.bin', Buffer.alloc(1 << 20, 7))\nprocess.stdout.write(JSON.stringify({ event: 'done' }) + '\\n')",
    )
    expect(spill).toContain('spill.bin')
    const { hash } = await uploadAlgorithm(t.buyer.vault, { code: spill })
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash, outputs }, params: {}, orderTx: await t.buyAndOrder(dataset) })
    await approveJob(t.owner.vault, { id: job.id })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.failure?.code).toBe('output-limit')
    expect(done.result).toBeUndefined()
  })

  test('error: unknown algorithms, outputs beyond the policy, and malformed declarations are refused', async () => {
    const dataset = await t.publish({ csv, schema, policy: { trainers: ['logistic-regression'], maxOutputBytes: 4096 } })
    const { hash } = await uploadAlgorithm(t.buyer.vault, { code: columnMeansProgram })
    const orderTx = await t.buyAndOrder(dataset)
    const submit = (algorithm: Record<string, unknown>) =>
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: algorithm as never, params: {}, orderTx })
    await expect(submit({ hash: `0x${'ab'.repeat(32)}`, outputs })).rejects.toMatchObject({ code: 'ALGORITHM_NOT_FOUND' })
    await expect(submit({ hash, outputs: { tensors: [{ name: 'big', dtype: 'F32', shape: [2048] }] } })).rejects.toMatchObject({
      code: 'POLICY_LIMIT_EXCEEDED',
    })
    await expect(submit({ hash, outputs: { tensors: [{ name: 'raw', dtype: 'U8', shape: [10] }] } })).rejects.toMatchObject({ code: 'BODY_INVALID' })
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, algorithm: { hash, outputs }, params: {}, orderTx } as never),
    ).rejects.toMatchObject({ code: 'BODY_INVALID' })
  })
})

describe('revocation', () => {
  test('behavior: the owner revokes a dataset: its key is gone, waiting jobs fail as revoked with their orders released, no new job runs', async () => {
    const dataset = await t.publish({ csv, schema })
    const finished = await submitJob(t.buyer.vault, {
      dataset: dataset.datatoken,
      trainer: { id: 'logistic-regression' },
      params: { label: 'risk', epochs: 2 },
      orderTx: await t.buyAndOrder(dataset),
    })
    expect((await waitForJob(t.buyer.vault, { id: finished.id, intervalMs: 50 })).state).toBe('finished')
    const { hash } = await uploadAlgorithm(t.buyer.vault, { code: columnMeansProgram })
    const orderTx = await t.buyAndOrder(dataset)
    const waiting = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash, outputs }, params: { revoke: true }, orderTx })
    expect(waiting.state).toBe('awaiting-approval')

    await expect(revokeDataset(t.stranger.vault, { dataset: dataset.datatoken })).rejects.toMatchObject({ code: 'NOT_DATASET_OWNER' })
    const revoked = await revokeDataset(t.owner.vault, { dataset: dataset.datatoken })
    expect(revoked).toMatchObject({ keyEscrowed: false, failedJobs: 1, revokedAt: expect.any(String) })
    expect((await getJob(t.buyer.vault, { id: waiting.id })).failure?.code).toBe('revoked')
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk' }, orderTx }),
    ).rejects.toMatchObject({ code: 'DATASET_REVOKED' })
    // Past receipts stay with the owner.
    expect((await listReceipts(t.owner.vault, { dataset: dataset.datatoken })).map((receipt) => receipt.message.jobId)).toEqual([finished.id])
  })
})
