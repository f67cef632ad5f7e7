// Trainers that misbehave are contained on the real stack: an undeclared output file fails the
// job at the egress guard with nothing released; a trainer past its time limit is killed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { downloadOutput, getJob, getReceipt, submitJob, waitForJob } from '@datavault/sdk'
import type { EnvironmentCatalog, RunOptions, RunResult, RunSpec } from '@datavault/compute-to-data'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'
import { extraFileTrainer, sleeperTrainer } from '../fixtures/trainers/index.ts'

let t: TestStack
const csv = healthCsv({ rows: 300, seed: 4 })
const schema = healthSchema('binary')

beforeAll(async () => {
  t = await startTestStack({ trainers: [extraFileTrainer, sleeperTrainer] })
})
afterAll(async () => {
  await t?.stop()
})

describe('containment', () => {
  test('error: a trainer that writes an extra file fails at the egress guard and nothing is released', async () => {
    const dataset = await t.publish({ csv, schema, policy: { trainers: ['test-extra-file'], onViolation: 'forfeit-order' } })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'test-extra-file' }, params: { label: 'risk', epochs: 2 }, orderTx })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.state).toBe('failed')
    expect(done.failure?.code).toBe('egress-violation')
    expect(done.failure?.message).toMatch(/leak\.csv|undeclared/i)
    expect(done.result).toBeUndefined()
    for (const name of ['model.safetensors', 'metrics.json', 'leak.csv'])
      await expect(downloadOutput(t.buyer.vault, { id: job.id, name })).rejects.toMatchObject({ code: 'JOB_OUTPUT_NOT_FOUND' })
    await expect(getReceipt(t.buyer.vault, { id: job.id })).rejects.toMatchObject({ code: 'JOB_OUTPUT_NOT_FOUND' })
    // The owner's policy forfeits the order of an attempt to exfiltrate.
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'test-extra-file' }, params: { label: 'risk' }, orderTx }),
    ).rejects.toMatchObject({ code: 'ORDER_ALREADY_USED' })
  })

  test('behavior: by default an egress violation leaves the order good for another attempt', async () => {
    const dataset = await t.publish({ csv, schema, policy: { trainers: ['test-extra-file', 'logistic-regression'] } })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'test-extra-file' }, params: { label: 'risk', epochs: 2 }, orderTx })
    expect((await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })).failure?.code).toBe('egress-violation')
    const retry = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 }, orderTx })
    expect((await waitForJob(t.buyer.vault, { id: retry.id, intervalMs: 50 })).state).toBe('finished')
  })

  test('error: a job past its time limit is killed and fails as timeout', async () => {
    const dataset = await t.publish({ csv, schema, policy: { trainers: ['test-sleeper'], maxWallTimeSeconds: 2 } })
    const orderTx = await t.buyAndOrder(dataset)
    const started = Date.now()
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'test-sleeper' }, params: { label: 'risk' }, orderTx })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.state).toBe('failed')
    expect(done.failure?.code).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  test('error: a trainer the policy does not list is refused', async () => {
    const dataset = await t.publish({ csv, schema })
    const orderTx = await t.buyAndOrder(dataset)
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'test-extra-file' }, params: { label: 'risk' }, orderTx }),
    ).rejects.toMatchObject({ code: 'POLICY_TRAINER_DENIED' })
  })
})

describe('cancellation', () => {
  test('behavior: the buyer cancels a running job: its sandbox is stopped, nothing is released, the order is good again', async () => {
    const dataset = await t.publish({ csv, schema, policy: { trainers: ['test-sleeper', 'logistic-regression'], maxWallTimeSeconds: 60 } })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'test-sleeper' }, params: { label: 'risk' }, orderTx })
    for (let i = 0; i < 100 && (await getJob(t.buyer.vault, { id: job.id })).state !== 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    const started = Date.now()
    const response = await t.buyer.vault.request({ method: 'POST', path: `/v1/jobs/${job.id}/cancel`, doing: 'cancelling', signed: true })
    const cancelled = (await response.json()) as { state: string; failure?: { code: string } }
    expect(cancelled).toMatchObject({ state: 'failed', failure: { code: 'cancelled' } })
    expect(Date.now() - started).toBeLessThan(10_000)
    await expect(t.owner.vault.request({ method: 'POST', path: `/v1/jobs/${job.id}/cancel`, doing: 'cancelling', signed: true })).rejects.toMatchObject({
      code: 'JOB_ACCESS_DENIED',
    })
    await expect(t.buyer.vault.request({ method: 'POST', path: `/v1/jobs/${job.id}/cancel`, doing: 'cancelling', signed: true })).rejects.toMatchObject({
      code: 'JOB_ALREADY_FINAL',
    })
    const retry = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 }, orderTx })
    expect((await waitForJob(t.buyer.vault, { id: retry.id, intervalMs: 50 })).state).toBe('finished')
  })
})

describe('pre-started sandboxes', () => {
  test('behavior: a built-in trainer\'s job served by a pre-started sandbox releases what a cold one does, byte for byte', async () => {
    // Limits no sandbox was started ahead for (512 MiB): the first job starts cold, and the node
    // then keeps one started with its limits, which serves the second.
    const dataset = await t.publish({ csv, schema, policy: { trainers: ['logistic-regression'], maxMemoryMb: 512 } })
    const environments = t.stack.node.components.environments as unknown as Pick<EnvironmentCatalog, 'list' | 'runnerOf'>
    const runner = environments.runnerOf(environments.list().find((environment) => environment.runner === 'sandbox')!)
    const run = runner.run
    const served: boolean[] = []
    runner.run = async (spec: RunSpec, options?: RunOptions): Promise<RunResult> => {
      const result = await run.call(runner, spec, options)
      served.push(result.prestarted === true)
      return result
    }
    try {
      const released = []
      for (let i = 0; i < 2; i++) {
        const orderTx = await t.buyAndOrder(dataset)
        const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 3, seed: 7 }, orderTx })
        const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
        expect(done.state).toBe('finished')
        released.push({ metrics: done.metrics, model: (await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })).bytes })
      }
      expect(served).toEqual([false, true])
      expect(released[1]!.metrics).toEqual(released[0]!.metrics)
      expect(Buffer.compare(Buffer.from(released[1]!.model), Buffer.from(released[0]!.model))).toBe(0)
    } finally {
      runner.run = run
    }
  })
})
