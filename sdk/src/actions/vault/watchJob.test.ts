import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import type { JobView } from '../../api/schemas.ts'
import { createVaultClient } from '../../api/transport.ts'
import { type JobEvent, watchJob } from './watchJob.ts'

// Hardhat's public test key #1: never holds value.
const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9c86dae88c7a8412f4603b6b78690d')

// What the double answers whole (the SDK checks the node's answers), each answer's fields over it.
const nodeInfo = { version: '0.1.0', chainId: 8996, address: account.address, encryptionPublicKey: `0x${'ab'.repeat(32)}`, trainers: [], maxUploadBytes: 1024 }
const baseJob = {
  id: 'j',
  dataset: '0x1111111111111111111111111111111111111111',
  buyer: account.address,
  trainer: { id: 'logistic-regression', version: '1.1.0', hash: `0x${'cd'.repeat(32)}` },
  params: {},
  createdAt: '2026-12-06T10:00:00.000Z',
  updatedAt: '2026-12-06T10:00:00.000Z',
}

/** A node double (no real node can be made to answer this sequence on cue): GET /v1/jobs/:id answers the next of `answers`. */
function nodeDouble(answers: (Partial<JobView> | 'unreachable')[]) {
  let i = 0
  const fetch = (async (input: RequestInfo | URL) => {
    if (String(input).endsWith('/v1/node')) return Response.json(nodeInfo)
    const answer = answers[Math.min(i++, answers.length - 1)]!
    if (answer === 'unreachable') throw new TypeError('fetch failed')
    return Response.json({ ...baseJob, ...answer })
  }) as typeof globalThis.fetch
  return { client: createVaultClient({ url: 'http://node.invalid', account, fetch }), fetches: () => i }
}

async function collect(iterator: AsyncIterable<JobEvent>) {
  const events: string[] = []
  for await (const event of iterator) events.push(event.type === 'running' ? `running ${event.epoch}/${event.epochs}` : event.type)
  return events
}

describe('watchJob', () => {
  test('default: one event per state and per new epoch; ends with the final state', async () => {
    const { client } = nodeDouble([
      { state: 'queued' },
      { state: 'queued' },
      { state: 'provisioning' },
      { state: 'running' },
      { state: 'running', progress: { epoch: 1, epochs: 3 } },
      { state: 'running', progress: { epoch: 1, epochs: 3 } },
      { state: 'running', progress: { epoch: 3, epochs: 3 } },
      { state: 'checking' },
      { state: 'finished', metrics: { loss: 0.5 }, result: { files: [] } },
    ])
    expect(await collect(watchJob(client, { id: 'j', intervalMs: 1 }))).toEqual([
      'queued',
      'provisioning',
      'running undefined/undefined',
      'running 1/3',
      'running 3/3',
      'checking',
      'finished',
    ])
  })

  test('behavior: a node unreachable for a few polls is waited for; the final job is the return value', async () => {
    const { client } = nodeDouble([{ state: 'running' }, 'unreachable', 'unreachable', { state: 'failed', failure: { code: 'timeout', message: 'Out of time.' } }])
    const watching = watchJob(client, { id: 'j', intervalMs: 1 })
    expect((await watching.next()).value).toMatchObject({ type: 'running' })
    expect((await watching.next()).value).toMatchObject({ type: 'failed', reason: { code: 'timeout' } })
    expect(await watching.next()).toMatchObject({ done: true, value: { state: 'failed' } })
  })

  test('error: unreachable for longer than `retries` polls', async () => {
    const { client, fetches } = nodeDouble([{ state: 'running' }, 'unreachable'])
    await expect(collect(watchJob(client, { id: 'j', intervalMs: 1, retries: 2 }))).rejects.toMatchObject({ name: 'VaultUnreachableError', code: 'VAULT_UNREACHABLE' })
    // One answered poll, then the first try and 2 retries unreachable: each a GET the client sends twice.
    expect(fetches()).toBe(1 + 3 * 2)
  })

  test('error: timeoutMs, and an abort while waiting between polls', async () => {
    const { client } = nodeDouble([{ state: 'queued' }])
    await expect(collect(watchJob(client, { id: 'j', intervalMs: 5, timeoutMs: 20 }))).rejects.toMatchObject({ name: 'JobWaitTimeoutError', code: 'JOB_WAIT_TIMEOUT' })
    const controller = new AbortController()
    const watching = watchJob(client, { id: 'j', intervalMs: 60_000, signal: controller.signal })
    await watching.next()
    const next = watching.next()
    controller.abort(new Error('stop'))
    await expect(next).rejects.toThrow('stop')
  })
})
