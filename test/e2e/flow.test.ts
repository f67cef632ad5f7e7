// The main flow end to end on the real stack: owner publishes encrypted data, buyer buys, orders,
// trains beside the data, downloads weights and the receipt, and evaluates the model.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  downloadOutput,
  evaluateAccuracy,
  getDatasets,
  getJob,
  getReceipt,
  loadLogisticRegression,
  submitJob,
  verifyReceipt,
  waitForJob,
} from '@datavault/sdk'
import { healthCsv, healthSchema, parseHealthCsv } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
beforeAll(async () => {
  t = await startTestStack()
})
afterAll(async () => {
  await t?.stop()
})

function split(csv: string, trainRows: number) {
  const [header, ...lines] = csv.trim().split('\n')
  return { train: `${[header, ...lines.slice(0, trainRows)].join('\n')}\n`, test: `${[header, ...lines.slice(trainRows)].join('\n')}\n` }
}

describe('main flow', () => {
  test('default: binary logistic regression, weights and a verified receipt, evaluated on held-out rows', async () => {
    const { train, test: heldOut } = split(healthCsv({ rows: 2500, seed: 11 }), 2000)
    const dataset = await t.publish({ csv: train, schema: healthSchema('binary') })
    const listed = await getDatasets(t.buyer.vault)
    expect(listed.map((d) => d.id)).toContain(dataset.datatoken.toLowerCase())
    expect(listed.find((d) => d.id === dataset.datatoken.toLowerCase())).toMatchObject({ keyEscrowed: true, cid: dataset.cid })

    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, {
      dataset: dataset.datatoken,
      trainer: { id: 'logistic-regression' },
      params: { label: 'risk', epochs: 40, learningRate: 0.2, seed: 3 },
      orderTx,
    })
    expect(job.state).toBe('queued')
    const states: string[] = []
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50, onUpdate: (update) => states.push(update.state) })
    expect(done.failure).toBeUndefined()
    expect(done.state).toBe('finished')
    expect(states).toContain('running')
    expect(done.metrics?.accuracy).toBeGreaterThan(0.8)
    expect(done.result?.files.map((file) => file.name).sort()).toEqual(['metrics.json', 'model.safetensors'])

    const weights = await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })
    const metrics = await downloadOutput(t.buyer.vault, { id: job.id, name: 'metrics.json' })
    const receipt = await getReceipt(t.buyer.vault, { id: job.id })
    const node = await t.buyer.vault.node()
    await verifyReceipt({
      receipt,
      node: node.address,
      files: [
        { name: 'model.safetensors', sha256: weights.sha256 },
        { name: 'metrics.json', sha256: metrics.sha256 },
      ],
    })
    expect(receipt.message).toMatchObject({ jobId: job.id, datasetCids: [dataset.cid], orderTx, delta: "1", buyer: t.buyer.account.address.toLowerCase() })

    const evaluation = parseHealthCsv(heldOut)
    const accuracy = evaluateAccuracy(loadLogisticRegression(weights.bytes), evaluation.rows, evaluation.labels)
    expect(accuracy).toBeGreaterThan(0.8)

    // The owner sees the job on their data; a stranger does not; only the buyer downloads.
    expect((await getJob(t.owner.vault, { id: job.id })).state).toBe('finished')
    await expect(getJob(t.stranger.vault, { id: job.id })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })
    await expect(downloadOutput(t.owner.vault, { id: job.id, name: 'model.safetensors' })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })
  })

  test('behavior: multiclass labels train a softmax model', async () => {
    const { train, test: heldOut } = split(healthCsv({ rows: 3000, seed: 5, labels: 'three-class' }), 2400)
    const dataset = await t.publish({ csv: train, schema: healthSchema('three-class') })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, {
      dataset: dataset.datatoken,
      trainer: { id: 'logistic-regression' },
      params: { label: 'risk', epochs: 60, learningRate: 0.3, seed: 1 },
      orderTx,
    })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.state).toBe('finished')
    const weights = await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })
    const model = loadLogisticRegression(weights.bytes)
    const evaluation = parseHealthCsv(heldOut)
    // Three balanced-ish classes: chance is about 0.33.
    expect(evaluateAccuracy(model, evaluation.rows, evaluation.labels)).toBeGreaterThan(0.7)
  })
})
