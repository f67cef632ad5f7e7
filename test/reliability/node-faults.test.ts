// Faults around a running node process: its chain RPC going away and coming back (mid-submit,
// mid-job), its IPFS disk filling up. The node runs in a process of its own, its chain behind a
// proxy that can be cut (fixtures/rpc-proxy.ts), its blockstore on a small tmpfs.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { cancelJob, getDatasets, getJob, submitJob, uploadCiphertext, waitForJob } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type FaultStack, type NodeProcess, bytesUnder, startFaultStack, verifyBlocks } from './fixtures/fault-stack.ts'
import { type RpcProxy, startRpcProxy } from './fixtures/rpc-proxy.ts'
import { record } from './fixtures/report.ts'

const root = process.getuid?.() === 0
const ipfsBytes = 24 * 1024 ** 2
let t: FaultStack
let node: NodeProcess
let proxy: RpcProxy
let dataset: Awaited<ReturnType<FaultStack['publish']>>
const params = { label: 'risk', epochs: 2 }

beforeAll(async () => {
  t = await startFaultStack({ ipfsBytes: root ? ipfsBytes : undefined })
  proxy = await startRpcProxy(t.stack.rpcUrl)
  node = await t.node({ rpcUrl: proxy.url })
  dataset = await t.publish({ csv: healthCsv({ rows: 300, seed: 8 }), schema: healthSchema('binary'), policy: { trainers: ['logistic-regression', 'test-blocker'] } })
})
afterAll(async () => {
  await t?.stop()
  await proxy?.close()
})

/** Polls until `check` holds. */
async function until(check: () => Promise<boolean> | boolean) {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50))
}

describe('chain RPC going away and coming back', () => {
  test('error: a job submitted while the RPC is gone is refused with CHAIN_UNAVAILABLE (503); once it is back, the same order works', async () => {
    const [orderTx] = await t.buyOrders(dataset, 1)
    proxy.cut()
    const refused = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: orderTx! }).catch((error: { code?: string; status?: number }) => error)
    proxy.restore()
    const lost: string[] = []
    if (!('code' in refused) || refused.code !== 'CHAIN_UNAVAILABLE' || refused.status !== 503) lost.push(`mid-submit: answered ${JSON.stringify(refused).slice(0, 200)}`)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: orderTx! })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    if (done.state !== 'finished') lost.push(`after the RPC came back: ${done.state} (${done.failure?.code})`)
    record({ kind: 'fault', name: 'chain RPC gone mid-submit', survived: lost.length === 0, lost })
    expect(lost).toEqual([])
  })

  test('behavior: a job that needs the chain while the RPC is gone waits and retries, and finishes once it is back', async () => {
    const [first, second] = await t.buyOrders(dataset, 2)
    const blocker = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'test-blocker' }, params, orderTx: first! })
    await until(async () => (await getJob(t.buyer.vault, { id: blocker.id })).state === 'running')
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: second! })
    proxy.cut()
    // The queued job starts now, and its key release needs the chain.
    await cancelJob(t.buyer.vault, { id: blocker.id })
    // It tried the chain more than once (retrying), and is still waiting, not failed.
    await until(() => proxy.attemptsWhileCut() >= 12)
    const waiting = await getJob(t.buyer.vault, { id: job.id })
    proxy.restore()
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    const lost: string[] = []
    if (waiting.state === 'failed') lost.push(`failed while the RPC was gone: ${waiting.failure?.code}`)
    if (done.state !== 'finished') lost.push(`after the RPC came back: ${done.state} (${done.failure?.code}: ${done.failure?.message})`)
    record({ kind: 'fault', name: 'chain RPC gone mid-job', survived: lost.length === 0, lost })
    expect(lost).toEqual([])
  })
})

describe('disk full', () => {
  test.skipIf(!root)('error: an upload that fills the IPFS disk is refused with a clear error, leaves nothing half-written, and the node still serves reads and jobs (skipped unless root: it mounts a small tmpfs)', async () => {
    const before = await bytesUnder(`${t.ipfsDir}/blocks`)
    // Random bytes: nothing for IPFS to deduplicate.
    const body = new Uint8Array(randomBytes(ipfsBytes + 8 * 1024 ** 2))
    const refused = await uploadCiphertext(t.owner.vault, { body }).catch((error: { code?: string; status?: number }) => error)
    const lost: string[] = []
    if (!('code' in refused) || refused.code !== 'STORAGE_FULL' || refused.status !== 507) lost.push(`the full disk answered ${JSON.stringify(refused).slice(0, 200)}`)
    const after = await bytesUnder(`${t.ipfsDir}/blocks`)
    if (after - before > 1024 ** 2) lost.push(`${after - before} bytes of the refused upload stayed on disk`)
    // Reads: the dataset list, a job reading the stored dataset, a small upload once space is back.
    if (!(await getDatasets(t.buyer.vault)).some((listed) => listed.id === dataset.datatoken.toLowerCase())) lost.push('the dataset list lost the dataset')
    const [orderTx] = await t.buyOrders(dataset, 1)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: orderTx! })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    if (done.state !== 'finished') lost.push(`a job after the full disk: ${done.state} (${done.failure?.code})`)
    await uploadCiphertext(t.owner.vault, { body: new Uint8Array(10_000).fill(9) }).catch((error: Error) => lost.push(`a small upload after: ${error.message}`))
    const blocks = await verifyBlocks(t.ipfsDir)
    if (blocks.bad.length) lost.push(`${blocks.bad.length} blocks do not match their CID`)
    record({ kind: 'fault', name: 'IPFS disk full', survived: lost.length === 0, lost })
    expect(lost).toEqual([])
  })
})
