// A key holder restarted mid-release: it records the release of its share for the job's order,
// then dies before it answers. The node's key release sees the holder out of reach, waits and
// asks again (requestKeyWithRetry); the holder, started again from its data dir on the same
// port, releases the share to the same job key (one order, one job key) and the job finishes.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getJob, submitJob, waitForJob } from '@datavault/sdk'
import { type RunningKeyHolder, createLogger, startKeyHolder } from '@datavault/vault'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'
import { record } from './fixtures/report.ts'

let t: TestStack
let restarted: RunningKeyHolder | undefined

beforeAll(async () => {
  t = await startTestStack({ keyHolders: 1, keyThreshold: 1 })
})
afterAll(async () => {
  await restarted?.stop()
  await t?.stop()
})

describe('key holder restarted mid-release', () => {
  test('behavior: the holder dies after recording a release and before answering; restarted, it releases again and the job finishes', async () => {
    const dataset = await t.publish({ csv: healthCsv({ rows: 300, seed: 31 }), schema: healthSchema('binary') })
    const [holder] = t.stack.holders as [RunningKeyHolder]
    const port = Number(new URL(holder.url).port)
    // The holder's release runs (the release is recorded in its database), then the process is gone.
    let died!: () => void
    const dead = new Promise<void>((resolve) => (died = resolve))
    const release = holder.holder.release.bind(holder.holder)
    holder.holder.release = async (params) => {
      await release(params)
      void holder.stop().then(died)
      return new Promise<never>(() => {})
    }
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 }, orderTx })
    await dead
    const waiting = await getJob(t.buyer.vault, { id: job.id })
    restarted = await startKeyHolder({ dataDir: join(t.dir, 'keyholders', '1'), port, rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId, addressesFile: t.stack.addressesFile, logger: createLogger({ level: 'error' }) })
    expect(restarted.address).toBe(holder.address)
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    const lost = [
      ...(waiting.state === 'failed' ? [`failed while the holder was down: ${waiting.failure?.code}`] : []),
      ...(done.state === 'finished' ? [] : [`after the holder came back: ${done.state} (${done.failure?.code}: ${done.failure?.message})`]),
    ]
    record({ kind: 'fault', name: 'key holder restarted mid-release', survived: lost.length === 0, lost })
    expect(lost).toEqual([])
  })
})
