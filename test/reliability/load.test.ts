// Load on loopback (autocannon) against a node process: the public read routes, signed job
// status (each request signed once: the node refuses replays), and jobs submitted all at once,
// which must all finish. Requests per second, p50/p99 latency and the node's peak RSS go to
// the reliability report; the test asserts only what must hold (no failures, memory bounded),
// never a speed.
import autocannon from 'autocannon'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type JobView, signRequest, submitJob, waitForJob } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type FaultStack, type NodeProcess, startFaultStack } from './fixtures/fault-stack.ts'
import { fullRun, record } from './fixtures/report.ts'

/** The node's resident memory must stay below this under every load case. */
const maxRssMb = 1024
const seconds = fullRun ? 15 : 2
const jobCount = fullRun ? 50 : 5
/** The full run's cases take minutes on a loaded 2-core machine. */
const timeout = fullRun ? 900_000 : 300_000

let t: FaultStack
let node: NodeProcess
let dataset: Awaited<ReturnType<FaultStack['publish']>>
let job: JobView

beforeAll(async () => {
  t = await startFaultStack()
  node = await t.node()
  dataset = await t.publish({ csv: healthCsv({ rows: 300, seed: 12 }), schema: healthSchema('binary') })
  const [orderTx] = await t.buyOrders(dataset, 1)
  job = await waitForJob(t.buyer.vault, {
    id: (await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 }, orderTx: orderTx! })).id,
    intervalMs: 50,
  })
})
afterAll(async () => {
  await t?.stop()
})

/** Runs autocannon and records the case; returns the result. */
async function load(name: string, options: Omit<autocannon.Options, 'url'>) {
  const result = await autocannon({ connections: 10, ...options, url: node.url })
  const peakRssMb = await node.peakRssMb()
  const failed = result.errors + result.timeouts + result.non2xx
  record({
    kind: 'load',
    name,
    requests: result.requests.total,
    errors: failed,
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    peakRssMb: Math.round(peakRssMb),
    lost: failed ? [`${failed} of ${result.requests.total} requests failed`] : [],
  })
  expect({ failed, total: result.requests.total > 0 }).toEqual({ failed: 0, total: true })
  expect(peakRssMb).toBeLessThan(maxRssMb)
  return result
}

describe('load on loopback', () => {
  test('behavior: the read routes answer every request under load', { timeout }, async () => {
    await load('GET /v1/health', { duration: seconds, requests: [{ method: 'GET', path: '/v1/health' }] })
    await load('GET /v1/datasets', { duration: seconds, requests: [{ method: 'GET', path: '/v1/datasets' }] })
    await load('GET /v1/datasets/:id', { duration: seconds, requests: [{ method: 'GET', path: `/v1/datasets/${dataset.datatoken}` }] })
  })

  test('behavior: signed job status answers every request under load (each request signed once)', { timeout }, async () => {
    const { chainId, address } = await t.buyer.vault.node()
    const path = `/v1/jobs/${job.id}`
    const count = fullRun ? 5000 : 300
    const signed: Record<string, string>[] = []
    for (let i = 0; i < count; i++) signed.push((await signRequest(t.buyer.account, { chainId, node: address, method: 'GET', path, lifetimeSeconds: 600 })) as Record<string, string>)
    await load('GET /v1/jobs/:id (signed)', {
      amount: count,
      requests: [{ method: 'GET', path, setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...signed.pop() } }) }],
    })
  })

  test(`behavior: ${jobCount} jobs submitted at once are all accepted and all finish, memory bounded`, { timeout }, async () => {
    const orders = await t.buyOrders(dataset, jobCount)
    const latencies: number[] = []
    const started = performance.now()
    const submitted = await Promise.allSettled(
      orders.map(async (orderTx) => {
        const at = performance.now()
        const accepted = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 }, orderTx })
        latencies.push(performance.now() - at)
        return accepted
      }),
    )
    const submitSeconds = (performance.now() - started) / 1000
    const accepted = submitted.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
    const done = await Promise.all(accepted.map((view) => waitForJob(t.buyer.vault, { id: view.id, intervalMs: 250 })))
    const unfinished = done.filter((view) => view.state !== 'finished')
    const peakRssMb = await node.peakRssMb()
    latencies.sort((a, b) => a - b)
    const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0)
    const lost = [
      ...(accepted.length < orders.length ? [`${orders.length - accepted.length} submissions refused`] : []),
      ...(unfinished.length ? [`${unfinished.length} jobs did not finish`] : []),
    ]
    record({ kind: 'load', name: `${jobCount} jobs submitted at once`, requests: orders.length, errors: orders.length - accepted.length, rps: Math.round(orders.length / submitSeconds), p50Ms: at(0.5), p99Ms: at(0.99), peakRssMb: Math.round(peakRssMb), lost })
    expect(lost).toEqual([])
    expect(peakRssMb).toBeLessThan(maxRssMb)
  })
})
