// Compute environments on the real stack: the node lists what its operator declared, a buyer
// picks one per job, the owner's policy says which may read the data, and the environment's
// memory bounds the job whatever the policy allows.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getEnvironments, submitJob, waitForJob } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'
import { memoryHogTrainer } from '../fixtures/trainers/index.ts'

let t: TestStack
const csv = healthCsv({ rows: 300, seed: 4 })
const schema = healthSchema('binary')
const params = { label: 'risk', epochs: 3 }
const trainer = { id: 'logistic-regression' }
const declared = [
  { name: 'cpu', description: 'default', runtime: 'node', runner: 'sandbox', cpu: 2, memoryMb: 1024 },
  { name: 'small', description: 'a fifth of the memory', runtime: 'node', runner: 'sandbox', cpu: 1, memoryMb: 200 },
  { name: 'cpu-python', description: 'python', runtime: 'python', runner: 'sandbox', cpu: 1, memoryMb: 1024 },
] as const

beforeAll(async () => {
  t = await startTestStack({ trainers: [memoryHogTrainer], nodeConfig: { environments: declared.map((environment) => ({ ...environment })) } })
})
afterAll(async () => {
  await t?.stop()
})

describe('compute environments', () => {
  test('default: the node lists its operator\'s environments; a job that names none runs in the first that fits', async () => {
    expect(await getEnvironments(t.buyer.vault)).toEqual(declared.map((environment) => ({ ...environment, gpu: 0, gpuResource: 'nvidia.com/gpu' })))
    const dataset = await t.publish({ csv, schema })
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer, params, orderTx: await t.buyAndOrder(dataset) })
    expect(job.environment).toBe('cpu')
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done).toMatchObject({ state: 'finished', environment: 'cpu' })
  })

  test('behavior: the buyer picks an environment; its memory bounds the job below the policy\'s', async () => {
    const dataset = await t.publish({ csv, schema, policy: { trainers: ['logistic-regression', memoryHogTrainer.id], maxMemoryMb: 1024 } })
    const [first, second, third] = await t.buyOrders(dataset, 3)
    const small = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer, params, orderTx: first!, environment: 'small' })
    expect((await waitForJob(t.buyer.vault, { id: small.id, intervalMs: 50 })).state).toBe('finished')
    const hogSmall = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: memoryHogTrainer.id }, params, orderTx: second!, environment: 'small' })
    expect((await waitForJob(t.buyer.vault, { id: hogSmall.id, intervalMs: 50 })).failure?.code).toBe('memory-limit')
    // The same program in the bigger environment gets its 300 MiB and fails on its own terms.
    const hogCpu = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: memoryHogTrainer.id }, params, orderTx: third!, environment: 'cpu' })
    expect((await waitForJob(t.buyer.vault, { id: hogCpu.id, intervalMs: 50 })).failure?.code).toBe('trainer-failed')
  })

  test('behavior: the owner\'s policy limits the environments; a job that names none goes to the first allowed', async () => {
    const dataset = await t.publish({ csv, schema, policy: { trainers: ['logistic-regression'], environments: ['small'] } })
    const orderTx = await t.buyAndOrder(dataset)
    await expect(submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer, params, orderTx, environment: 'cpu' })).rejects.toMatchObject({
      name: 'VaultApiError',
      code: 'POLICY_ENVIRONMENT_DENIED',
      status: 403,
    })
    // Refused before anything ran: the same order pays for a job where the owner allows it.
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer, params, orderTx })
    expect(job.environment).toBe('small')
    expect((await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })).state).toBe('finished')
  })

  test('error: an unknown environment, or one that does not run the trainer\'s runtime, is refused with what to use', async () => {
    const dataset = await t.publish({ csv, schema })
    const orderTx = await t.buyAndOrder(dataset)
    await expect(submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer, params, orderTx, environment: 'gpu' })).rejects.toMatchObject({
      code: 'ENVIRONMENT_UNKNOWN',
      status: 400,
      message: expect.stringMatching(/This node has no compute environment gpu; it offers cpu \(node\), small \(node\), cpu-python \(python\)/),
    })
    await expect(submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer, params, orderTx, environment: 'cpu-python' })).rejects.toMatchObject({
      code: 'ENVIRONMENT_RUNTIME_MISMATCH',
      message: expect.stringMatching(/runs python programs, not node; use cpu or small/),
    })
    await expect(submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer, params, orderTx, environment: 'Not A Name' })).rejects.toMatchObject({
      code: 'BODY_INVALID',
      message: expect.stringMatching(/environment/),
    })
  })
})
