// A vault node keeps what it holds across a restart: the IPFS blocks (Helia's filesystem
// blockstore), the datasets and escrowed keys (SQLite), so a job submitted after the restart runs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getDatasets, submitJob, waitForJob } from '@datavault/sdk'
import { startVaultNode, parseVaultConfig, createLogger } from '@datavault/vault'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
let restarted: Awaited<ReturnType<typeof startVaultNode>> | undefined
beforeAll(async () => {
  t = await startTestStack()
})
afterAll(async () => {
  await restarted?.stop()
  await t?.stop()
})

describe('restart', () => {
  test('behavior: data, datasets and keys survive a node restart and a job runs after it', async () => {
    const dataset = await t.publish({ csv: healthCsv({ rows: 300, seed: 2 }), schema: healthSchema('binary') })
    const orderTx = await t.buyAndOrder(dataset)
    const { config } = t.stack.node.components
    const port = Number(new URL(t.stack.vaultUrl).port)
    await t.stack.node.stop()
    restarted = await startVaultNode(parseVaultConfig({ ...config, port }), { logger: createLogger({ level: 'warn' }) })
    expect(restarted.address).toBe(t.stack.nodeAddress)

    const listed = await getDatasets(t.buyer.vault)
    expect(listed.find((d) => d.id === dataset.datatoken.toLowerCase())).toMatchObject({ cid: dataset.cid, keyEscrowed: true })
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5 }, orderTx })
    expect((await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })).state).toBe('finished')
  })
})
