// Node-wide and per-wallet job limits (issue 15): a submission over a limit is a 429 with its own
// code, the order it carried is not spent, and the same order runs once the limit allows it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getJob, submitJob, waitForJob } from '@datavault/sdk'
import { createLogger, parseVaultConfig, startVaultNode } from '@datavault/vault'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
let restarted: Awaited<ReturnType<typeof startVaultNode>> | undefined
beforeAll(async () => {
  t = await startTestStack({ nodeConfig: { maxJobsPerWalletPerHour: 1 } })
})
afterAll(async () => {
  await restarted?.stop()
  await t?.stop()
})

describe('job quota', () => {
  test('behavior: over the per-wallet rate, a job is a 429 JOB_RATE_LIMITED and its order runs later', async () => {
    const dataset = await t.publish({ csv: healthCsv({ rows: 200, seed: 4 }), schema: healthSchema('binary') })
    const [first, second] = await t.buyOrders(dataset, 2)
    const job = { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 } }
    const accepted = await submitJob(t.buyer.vault, { ...job, orderTx: first! })
    await expect(submitJob(t.buyer.vault, { ...job, orderTx: second! })).rejects.toMatchObject({ code: 'JOB_RATE_LIMITED', status: 429 })
    expect((await waitForJob(t.buyer.vault, { id: accepted.id, intervalMs: 50 })).state).toBe('finished')

    // The operator raises the limit: the refused order was never spent, and runs now.
    const { config } = t.stack.node.components
    const port = Number(new URL(t.stack.vaultUrl).port)
    await t.stack.node.stop()
    restarted = await startVaultNode(parseVaultConfig({ ...config, port, maxJobsPerWalletPerHour: 10 }), { logger: createLogger({ level: 'warn' }) })
    const later = await submitJob(t.buyer.vault, { ...job, orderTx: second! })
    expect((await waitForJob(t.buyer.vault, { id: later.id, intervalMs: 50 })).state).toBe('finished')
    expect((await getJob(t.buyer.vault, { id: later.id })).state).toBe('finished')
  }, 180_000)
})
