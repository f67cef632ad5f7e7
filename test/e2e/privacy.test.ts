// Differential privacy on the real stack: a dataset with a privacy budget takes only DP jobs,
// each reserves its planned ε before it runs and commits what it spent; the receipt states it;
// a job that would overspend is refused before it starts and its order stays good.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { cancelJob, decodeSafetensors, downloadOutput, evaluateAccuracy, getPrivacyUsage, getReceipt, loadLogisticRegression, submitJob, uploadAlgorithm, waitForJob } from '@datavault/sdk'
import { healthCsv, healthSchema, parseHealthCsv } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'
import { linearTorchModel } from '../fixtures/models/index.ts'

let t: TestStack
beforeAll(async () => {
  t = await startTestStack()
})
afterAll(async () => {
  await t?.stop()
})

describe('differential privacy', () => {
  test('default: DP jobs spend a budget the ledger tracks, receipts state ε, overspending is refused', async () => {
    const csv = healthCsv({ rows: 3000, seed: 77 })
    const [header, ...lines] = csv.trim().split('\n')
    const train = `${[header, ...lines.slice(0, 2500)].join('\n')}\n`
    const heldOut = parseHealthCsv(`${[header, ...lines.slice(2500)].join('\n')}\n`)
    const dataset = await t.publish({
      csv: train,
      schema: healthSchema('binary', { rows: 2500 }),
      policy: { trainers: ['logistic-regression'], privacyBudget: { epsilon: 6, delta: 1e-4 } },
    })
    expect(await getPrivacyUsage(t.buyer.vault, { dataset: dataset.datatoken })).toMatchObject({
      budget: { epsilon: 6, delta: 1e-4 },
      spent: { epsilon: 0 },
      remaining: { epsilon: 6 },
    })
    const dp = { noiseMultiplier: 1.1, maxGradNorm: 1, delta: 1e-5 }
    const params = { label: 'risk', epochs: 5, batchSize: 100, learningRate: 0.5, dp }

    // A job without DP is refused on a dataset with a budget, before the order is spent.
    const orderTx = await t.buyAndOrder(dataset)
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk' }, orderTx }),
    ).rejects.toMatchObject({ code: 'PRIVACY_REQUIRED' })

    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx })
    const reserved = await getPrivacyUsage(t.buyer.vault, { dataset: dataset.datatoken })
    expect(reserved.reserved.epsilon + reserved.spent.epsilon).toBeGreaterThan(0)
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.failure).toBeUndefined()
    expect(done.metrics).toMatchObject({ steps: 125, noiseMultiplier: 1.1 })
    expect(done.metrics?.accuracy).toBeUndefined()

    const receipt = await getReceipt(t.buyer.vault, { id: job.id })
    const epsilon = Number(receipt.message.epsilon)
    expect(epsilon).toBeGreaterThan(0.1)
    expect(epsilon).toBeLessThan(4)
    expect(receipt.message.delta).toBe('0.00001')
    const usage = await getPrivacyUsage(t.owner.vault, { dataset: dataset.datatoken })
    expect(usage.spent.epsilon).toBeCloseTo(epsilon, 9)
    expect(usage.reserved.epsilon).toBe(0)

    // The private model still predicts well on rows it never saw.
    const weights = await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })
    expect(evaluateAccuracy(loadLogisticRegression(weights.bytes), heldOut.rows, heldOut.labels)).toBeGreaterThan(0.75)

    // A job planned to spend more than what is left is refused before it starts; the order stays good.
    const greedyOrder = await t.buyAndOrder(dataset)
    await expect(
      submitJob(t.buyer.vault, {
        dataset: dataset.datatoken,
        trainer: { id: 'logistic-regression' },
        params: { ...params, epochs: 200, dp: { ...dp, noiseMultiplier: 0.6 } },
        orderTx: greedyOrder,
      }),
    ).rejects.toMatchObject({ code: 'PRIVACY_BUDGET_EXCEEDED' })
    const modest = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { ...params, epochs: 1 }, orderTx: greedyOrder })
    expect((await waitForJob(t.buyer.vault, { id: modest.id, intervalMs: 50 })).state).toBe('finished')
  })

  test('behavior: a buyer\'s own PyTorch model (torch-custom) runs on a dataset with a budget under the node\'s DP-SGD; ε is charged like a built-in trainer\'s', async () => {
    // Small on purpose: each example's gradient is a fresh confined process.
    const csv = healthCsv({ rows: 120, seed: 5 })
    const dataset = await t.publish({ csv, schema: healthSchema('binary', { rows: 120 }), policy: { trainers: ['torch-custom'], privacyBudget: { epsilon: 50, delta: 1e-4 } } })
    const orderTx = await t.buyAndOrder(dataset)
    const dp = { noiseMultiplier: 1, maxGradNorm: 1, delta: 1e-5 }
    const params = { label: 'risk', model: linearTorchModel(7, 2), epochs: 1, batchSize: 40, learningRate: 1, dp }
    // Without DP the trainer does not even parse: DP is not optional for a buyer's model.
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'torch-custom' }, params: { ...params, dp: undefined }, orderTx }),
    ).rejects.toMatchObject({ status: 400 })
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'torch-custom' }, params, orderTx })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 100 })
    expect(done.failure).toBeUndefined()
    expect(done).toMatchObject({ state: 'finished', environment: 'cpu-python', metrics: { rows: 120, epochs: 1, steps: 3, noiseMultiplier: 1 } })
    const receipt = await getReceipt(t.buyer.vault, { id: job.id })
    const epsilon = Number(receipt.message.epsilon)
    expect(epsilon).toBeGreaterThan(0)
    expect(receipt.message.delta).toBe('0.00001')
    const usage = await getPrivacyUsage(t.owner.vault, { dataset: dataset.datatoken })
    expect(usage.spent.epsilon).toBeCloseTo(epsilon, 9)
    const weights = await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })
    expect(Object.keys(decodeSafetensors(weights.bytes).tensors).sort()).toEqual(['bias', 'feature_mean', 'feature_std', 'weight'])

    // The model may be uploaded like a custom program and named by its hash: the node puts its source in the job's parameters.
    const uploaded = await uploadAlgorithm(t.buyer.vault, { code: params.model.source, runtime: 'python' })
    const byHash = { ...params, model: { hash: uploaded.hash, parameters: params.model.parameters } }
    const missing = { ...byHash, model: { ...byHash.model, hash: `0x${'ab'.repeat(32)}` } }
    const second = await t.buyAndOrder(dataset)
    await expect(submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'torch-custom' }, params: missing, orderTx: second })).rejects.toMatchObject({ code: 'ALGORITHM_NOT_FOUND' })
    const named = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'torch-custom' }, params: byHash, orderTx: second })
    expect(named.params).toMatchObject({ model: { source: params.model.source, parameters: params.model.parameters } })
    await cancelJob(t.buyer.vault, { id: named.id })
  }, 240_000)
})
