// A vault node keeps what it holds across a restart: the IPFS blocks (Helia's filesystem
// blockstore), the datasets and escrowed keys (SQLite), so a job submitted after the restart runs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getDatasets, submitJob, waitForJob } from '@datavault/sdk'
import { rm } from 'node:fs/promises'
import { getBlockNumber, waitForTransactionReceipt } from 'viem/actions'
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

  test('behavior: a persistent dev stack (dev --persist) restarts with its chain, datasets and orders, and a job runs on an order bought before', async () => {
    const first = await startTestStack({ persist: true })
    let second: TestStack | undefined
    let firstStopped = false
    try {
      const dataset = await first.publish({ csv: healthCsv({ rows: 300, seed: 3 }), schema: healthSchema('binary') })
      const orderTx = await first.buyAndOrder(dataset)
      const before = await getBlockNumber(first.owner.wallet)
      await first.stop({ keep: true })
      firstStopped = true

      second = await startTestStack({ persist: true, dir: first.dir })
      expect(second.stack.addresses).toEqual(first.stack.addresses)
      expect(second.stack.nodeAddress).toBe(first.stack.nodeAddress)
      // The order's transaction is on the restored chain, in the same block.
      const receipt = await waitForTransactionReceipt(second.buyer.wallet, { hash: orderTx })
      expect(receipt.status).toBe('success')
      expect(receipt.blockNumber).toBeLessThanOrEqual(before)
      const listed = await getDatasets(second.buyer.vault)
      expect(listed.find((d) => d.id === dataset.datatoken.toLowerCase())).toMatchObject({ cid: dataset.cid, keyEscrowed: true })
      const job = await submitJob(second.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5 }, orderTx })
      expect((await waitForJob(second.buyer.vault, { id: job.id, intervalMs: 50 })).state).toBe('finished')
      // Bought after the restart too: the restored exchange still sells.
      const secondOrder = await second.buyAndOrder(dataset)
      expect(secondOrder).not.toBe(orderTx)
    } finally {
      if (second) await second.stop()
      else if (!firstStopped) await first.stop()
      else await rm(first.dir, { recursive: true, force: true })
    }
  }, 240_000)
})
