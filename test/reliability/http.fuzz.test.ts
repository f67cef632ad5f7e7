// Property-based fuzzing (fast-check) of every HTTP route of a real node: hostile path values,
// query strings, bodies (JSON of any shape, near-valid bodies, random bytes) and signature headers,
// signed and not. No answer may be a 5xx, no request may hang, the node must still answer after.
// And every unauthorized attempt (unsigned, expired, replayed, re-targeted, another wallet's job)
// must be refused.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { keccak256, stringToBytes } from 'viem'
import { type JobView, authHeaders, signRequest, submitJob, waitForJob } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'
import { fullRun, record } from './fixtures/report.ts'

/** Every route of the vault API (`vault/src/http/routes`, `vault/src/keyholder/holder-routes.ts`) and how it is signed. */
const routes = [
  { method: 'GET', path: '/v1/health', auth: 'public' },
  { method: 'GET', path: '/v1/node', auth: 'public' },
  { method: 'GET', path: '/v1/environments', auth: 'public' },
  { method: 'GET', path: '/v1/datasets', auth: 'public' },
  { method: 'GET', path: '/v1/datasets/:id', auth: 'public' },
  { method: 'GET', path: '/v1/datasets/:id/privacy', auth: 'public' },
  { method: 'GET', path: '/v1/datasets/:id/provider-fee', auth: 'public' },
  { method: 'GET', path: '/v1/holder', auth: 'public' },
  { method: 'POST', path: '/v1/holder/releases', auth: 'public' },
  { method: 'POST', path: '/v1/uploads', auth: 'stream' },
  { method: 'POST', path: '/v1/upload-sessions', auth: 'json' },
  { method: 'GET', path: '/v1/upload-sessions/:id', auth: 'none' },
  { method: 'PUT', path: '/v1/upload-sessions/:id/chunks/:index', auth: 'stream' },
  { method: 'POST', path: '/v1/upload-sessions/:id/complete', auth: 'json' },
  { method: 'DELETE', path: '/v1/upload-sessions/:id', auth: 'none' },
  { method: 'POST', path: '/v1/datasets', auth: 'json' },
  { method: 'PUT', path: '/v1/datasets/:id/key', auth: 'json' },
  { method: 'POST', path: '/v1/datasets/:id/rotate', auth: 'json' },
  { method: 'POST', path: '/v1/datasets/:id/revoke', auth: 'none' },
  { method: 'PATCH', path: '/v1/datasets/:id', auth: 'json' },
  { method: 'POST', path: '/v1/pools', auth: 'json' },
  { method: 'POST', path: '/v1/algorithms', auth: 'json' },
  { method: 'GET', path: '/v1/algorithms/:hash', auth: 'none' },
  { method: 'POST', path: '/v1/jobs', auth: 'json' },
  { method: 'GET', path: '/v1/jobs', auth: 'none' },
  { method: 'GET', path: '/v1/jobs/:id', auth: 'none' },
  { method: 'POST', path: '/v1/jobs/:id/approve', auth: 'none' },
  { method: 'POST', path: '/v1/jobs/:id/deny', auth: 'json' },
  { method: 'POST', path: '/v1/jobs/:id/cancel', auth: 'none' },
  { method: 'GET', path: '/v1/jobs/:id/logs', auth: 'none' },
  { method: 'PUT', path: '/v1/owner/log-key', auth: 'json' },
  { method: 'PUT', path: '/v1/datasets/:id/fingerprint', auth: 'json' },
  { method: 'GET', path: '/v1/owner/fingerprints/:hash', auth: 'none' },
  { method: 'GET', path: '/v1/receipts', auth: 'none' },
  { method: 'GET', path: '/v1/jobs/:id/receipt', auth: 'none' },
  { method: 'GET', path: '/v1/jobs/:id/outputs/:name', auth: 'none' },
  { method: 'DELETE', path: '/v1/datasets/:id/approvals/:hash', auth: 'none' },
  { method: 'PUT', path: '/v1/holder/shares/:id', auth: 'json' },
  { method: 'DELETE', path: '/v1/holder/shares/:id', auth: 'none' },
  { method: 'PUT', path: '/v1/holder/approvals/:id', auth: 'json' },
] as const
type Route = (typeof routes)[number]

let t: TestStack
let node: { chainId: number; address: `0x${string}` }
let dataset: { datatoken: `0x${string}`; cid: string }
let job: JobView

beforeAll(async () => {
  t = await startTestStack({ nodeConfig: { maxPendingUploadBytes: 1024 ** 2 } })
  node = await t.buyer.vault.node()
  dataset = await t.publish({ csv: healthCsv({ rows: 200, seed: 4 }), schema: healthSchema('binary') })
  const orderTx = await t.buyAndOrder(dataset)
  job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 }, orderTx })
  job = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
})
afterAll(async () => {
  await t?.stop()
})

type Sent = { status: number } | { hang: true }

/** Sends one request, at most 20 s. */
async function send(method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Promise<Sent> {
  try {
    const response = await fetch(`${t.stack.vaultUrl}${path}`, { method, headers, body: body && method !== 'GET' ? (body as Uint8Array<ArrayBuffer>) : undefined, signal: AbortSignal.timeout(20_000) })
    await response.arrayBuffer()
    return { status: response.status }
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { hang: true }
    throw error
  }
}

/** Signs as `who` (default: the buyer) over `method`, `path` and `body`. */
const sign = (method: string, path: string, body: Uint8Array | 'unsigned' | undefined, who = t.buyer, options: { now?: number; chainId?: number } = {}) =>
  signRequest(who.account, { chainId: options.chainId ?? node.chainId, node: node.address, method, path, body, ...(options.now ? { now: options.now } : {}) }) as Promise<Record<string, string>>

describe('HTTP routes under hostile input', () => {
  test('behavior: no route answers a 5xx or hangs on hostile paths, queries, bodies and headers; the node still answers after', { timeout: fullRun ? 900_000 : 300_000 }, async () => {
    const segment = fc.oneof(
      fc.constant(dataset.datatoken),
      fc.constant(job.id),
      fc.stringMatching(/^0x[0-9a-f]{40}$/),
      fc.stringMatching(/^0x[0-9a-f]{64}$/),
      fc.uuid(),
      fc.string({ maxLength: 80 }).map(encodeURIComponent),
      fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent),
      fc.constantFrom('..', '%2e%2e', '%00', '%', '%zz', 'model.safetensors', 'receipt.json', '0x', 'a'.repeat(3000), '%F0%9F%92%A9'),
    )
    const query = fc.option(fc.dictionary(fc.constantFrom('owner', 'consumer', 'dataset', 'limit', 'cursor', 'x', '__proto__'), fc.oneof(fc.string({ maxLength: 50 }), fc.constant(t.buyer.account.address))), { nil: undefined })
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value) ?? 'null')
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }).map(json),
      // Near-valid: the fields the routes read, with hostile values.
      fc
        .record(
          {
            dataset: fc.oneof(fc.constant(dataset.datatoken), fc.anything()),
            datatoken: fc.oneof(fc.constant(dataset.datatoken), fc.anything()),
            cid: fc.oneof(fc.constant(dataset.cid), fc.string()),
            name: fc.string({ maxLength: 300 }),
            trainer: fc.oneof(fc.record({ id: fc.constantFrom('logistic-regression', 'mlp-classifier', 'x'), version: fc.string() }, { requiredKeys: ['id'] }), fc.anything()),
            params: fc.oneof(fc.dictionary(fc.constantFrom('label', 'epochs', 'hidden', 'dp', 'learningRate', 'batchSize'), fc.jsonValue({ maxDepth: 3 })), fc.anything()),
            orderTx: fc.stringMatching(/^0x[0-9a-f]{64}$/),
            schema: fc.anything(),
            policy: fc.anything(),
            escrow: fc.anything(),
            code: fc.string({ maxLength: 200 }),
            runtime: fc.constantFrom('node', 'python', 'ruby'),
            reason: fc.string(),
            ticket: fc.anything(),
            signature: fc.string(),
            algorithm: fc.anything(),
            environment: fc.string(),
          },
          { requiredKeys: [] },
        )
        .map(json),
      fc.uint8Array({ maxLength: 2048 }),
      fc.integer({ min: 1, max: 12 }).map((depth) => new TextEncoder().encode(`{"params":${'['.repeat(depth * 500)}${']'.repeat(depth * 500)}}`)),
    )
    const signing = fc.constantFrom('signed', 'signed', 'signed', 'unsigned', 'garbage', 'stranger')
    let tried = 0
    let fiveHundreds = 0
    let hangs = 0
    const failures: string[] = []
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.array(segment, { minLength: 2, maxLength: 2 }), query, body, signing, async (route: Route, [first, second], q, bytes, how) => {
        const params = [first!, second!]
        const path = route.path.replace(/:\w+/g, () => params.shift()!) + (q ? `?${new URLSearchParams(q as Record<string, string>)}` : '')
        const withBody = route.method !== 'GET' && route.method !== 'DELETE' && route.auth !== 'none'
        const sent = withBody ? bytes : undefined
        let headers: Record<string, string> = { 'content-type': 'application/json' }
        if (how === 'signed' || how === 'stranger')
          headers = { ...headers, ...(await sign(route.method, path, route.auth === 'stream' ? 'unsigned' : sent, how === 'stranger' ? t.stranger : t.buyer)) }
        if (how === 'garbage') for (const name of Object.values(authHeaders)) headers[name] = `0x${'z'.repeat(10)}`
        tried++
        const result = await send(route.method, path, headers, sent)
        if ('hang' in result) {
          hangs++
          failures.push(`${route.method} ${route.path}: hung`)
        } else if (result.status >= 500) {
          fiveHundreds++
          failures.push(`${route.method} ${path.slice(0, 120)} (${how}): ${result.status}`)
        }
      }),
      { numRuns: fullRun ? 3000 : 300 },
    ).catch((error: unknown) => failures.push(String(error).slice(0, 500)))
    const alive = await send('GET', '/v1/health', {})
    record({ kind: 'hostile', name: `HTTP: ${routes.length} routes`, tried, fiveHundreds, crashes: 'status' in alive && alive.status === 200 ? 0 : 1, hangs })
    expect(failures).toEqual([])
    expect(alive).toEqual({ status: 200 })
  })
})

describe('unauthorized requests', () => {
  test('error: unsigned, garbled, expired, replayed, re-targeted and other wallets\' requests are refused (401/403)', async () => {
    const signedRoutes = routes.filter((route) => route.auth !== 'public')
    const pathOf = (route: Route) => route.path.replaceAll(':id', route.path.startsWith('/v1/jobs') ? job.id : dataset.datatoken).replace(':hash', keccak256(stringToBytes('x'))).replace(':name', 'model.safetensors').replace(':index', '0')
    const attempts: { name: string; status: number }[] = []
    const body = new TextEncoder().encode('{}')
    for (const route of signedRoutes) {
      const path = pathOf(route)
      const sent = route.method === 'GET' || route.method === 'DELETE' || route.auth === 'none' ? undefined : body
      const signed = (options?: Parameters<typeof sign>[4], who = t.buyer, signedPath = path) => sign(route.method, signedPath, route.auth === 'stream' ? 'unsigned' : sent, who, options)
      const attempt = async (name: string, headers: Record<string, string>, sentBody = sent) => {
        const result = await send(route.method, path, { 'content-type': 'application/json', ...headers }, sentBody)
        attempts.push({ name: `${route.method} ${route.path}: ${name}`, status: 'status' in result ? result.status : 0 })
      }
      await attempt('unsigned', {})
      await attempt('garbled signature', { ...(await signed()), [authHeaders.signature]: `0x${'1b'.repeat(65)}` })
      await attempt('expired', await signed({ now: Math.floor(Date.now() / 1000) - 3600 }))
      await attempt('another chain', await signed({ chainId: node.chainId + 1 }))
      await attempt('signed for another path', await signed(undefined, t.buyer, `${path}x`))
      const once = await signed()
      await send(route.method, path, { 'content-type': 'application/json', ...once }, sent)
      await attempt('replayed', once)
      // An upload's streamed body is unsigned by design: the registration that follows signs its CID.
      if (sent && route.auth !== 'stream') await attempt('body swapped', await signed(), new TextEncoder().encode('{"swapped":true}'))
    }
    // Another wallet, validly signed, on what belongs to the buyer or the owner.
    for (const [method, path] of [
      ['GET', `/v1/jobs/${job.id}`],
      ['GET', `/v1/jobs/${job.id}/receipt`],
      ['GET', `/v1/jobs/${job.id}/outputs/model.safetensors`],
      ['GET', `/v1/jobs/${job.id}/logs`],
      ['POST', `/v1/jobs/${job.id}/cancel`],
      ['POST', `/v1/jobs/${job.id}/approve`],
      ['POST', `/v1/datasets/${dataset.datatoken}/revoke`],
      ['PATCH', `/v1/datasets/${dataset.datatoken}`],
    ] as const) {
      const result = await send(method, path, await sign(method, path, undefined, t.stranger))
      attempts.push({ name: `${method} ${path}: another wallet`, status: 'status' in result ? result.status : 0 })
    }
    const notRefused = attempts.filter(({ status }) => status !== 401 && status !== 403)
    record({ kind: 'unauthorized', name: `${signedRoutes.length} signed routes`, tried: attempts.length, refused: attempts.length - notRefused.length })
    expect(notRefused).toEqual([])
    expect(attempts.length).toBeGreaterThanOrEqual(140)
  })
})

