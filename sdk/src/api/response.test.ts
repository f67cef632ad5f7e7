import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { getJob } from '../actions/vault/getJob.ts'
import { listJobs } from '../actions/vault/listJobs.ts'
import { getEnvironments } from '../actions/vault/getEnvironments.ts'
import { createVaultClient } from './transport.ts'

const job = {
  id: 'job-1',
  dataset: '0x1111111111111111111111111111111111111111',
  buyer: '0x2222222222222222222222222222222222222222',
  trainer: { id: 'logistic-regression', version: '1.1.0', hash: `0x${'ab'.repeat(32)}` },
  params: { label: 'risk' },
  state: 'finished',
  result: { files: [{ name: 'model.safetensors', sha256: `0x${'cd'.repeat(32)}`, bytes: 10 }] },
  createdAt: '2026-12-06T10:00:00.000Z',
  updatedAt: '2026-12-06T10:00:01.000Z',
}

const nodeInfo = {
  version: '0.1.0',
  chainId: 8996,
  address: '0x3333333333333333333333333333333333333333',
  encryptionPublicKey: `0x${'ef'.repeat(32)}`,
  trainers: [],
  maxUploadBytes: 1024,
}

// A node double (a fetch) that answers `GET /v1/node` well and everything else with `body`
// (status 200): only what the SDK reads back is under test here; the real node answers in test/e2e.
const answering = (body: string, info: unknown = nodeInfo) =>
  createVaultClient({
    url: 'http://node.invalid',
    account: privateKeyToAccount(`0x${'11'.repeat(32)}`),
    fetch: async (input) => new Response(String(input).endsWith('/v1/node') ? JSON.stringify(info) : body, { status: 200, headers: { 'content-type': 'application/json' } }),
  })

describe('readResponse (through the actions)', () => {
  test('default: a well-formed answer is handed on as it came, fields a newer node adds included', async () => {
    const answer = { ...job, addedLater: 1 }
    expect(await listJobs(answering(JSON.stringify({ jobs: [answer] })))).toEqual([answer])
    expect(await getJob(answering(JSON.stringify(job)), { id: 'job-1' })).toEqual(job)
  })

  test('error: an answer missing a field or with a wrong type is VAULT_RESPONSE_INVALID, naming the field and not its value', async () => {
    const client = answering(JSON.stringify({ jobs: [{ ...job, state: 'exploded', buyer: 42 }] }))
    const error = await listJobs(client).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'VaultResponseError', code: 'VAULT_RESPONSE_INVALID', status: 502, doing: 'listing jobs' })
    expect((error as Error).message).toMatch(/jobs\.0\.buyer/)
    expect((error as Error).message).toMatch(/jobs\.0\.state/)
    expect((error as Error).message).not.toMatch(/exploded/)
  })

  test('error: a body that is not JSON is VAULT_RESPONSE_INVALID', async () => {
    await expect(getEnvironments(answering('<html>proxy error</html>'))).rejects.toMatchObject({ name: 'VaultResponseError', code: 'VAULT_RESPONSE_INVALID', details: 'The body is not JSON.' })
  })

  test('error: the node info is checked too (a signed action reads it first)', async () => {
    const client = answering(JSON.stringify(job), { version: '1', chainId: 'one' })
    await expect(client.node()).rejects.toMatchObject({ name: 'VaultResponseError', doing: 'reading the node info' })
    await expect(getJob(client, { id: 'job-1' })).rejects.toMatchObject({ name: 'VaultResponseError', doing: 'reading the node info' })
    const { createdAt: _, ...withoutCreatedAt } = job
    await expect(getJob(answering(JSON.stringify(withoutCreatedAt)), { id: 'job-1' })).rejects.toMatchObject({ name: 'VaultResponseError', doing: 'reading a job', details: expect.stringMatching(/^createdAt: /) })
  })
})
