// What the node must refuse or contain, on the real stack: jobs without a valid order, reused
// orders, tampered ciphertext, unauthenticated or replayed requests, registration by non-owners.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { keccak256, stringToBytes } from 'viem'
import { authHeaders, downloadOutput, registerDataset, signRequest, submitJob, uploadCiphertext, waitForJob } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
const csv = healthCsv({ rows: 400, seed: 9 })
const schema = healthSchema('binary')
const params = { label: 'risk', epochs: 5 }

beforeAll(async () => {
  t = await startTestStack({ nodeConfig: { maxPendingUploadBytes: 100_000 } })
})
afterAll(async () => {
  await t?.stop()
})

describe('orders', () => {
  test('error: a job without an order is refused', async () => {
    const dataset = await t.publish({ csv, schema })
    const notAnOrder = keccak256(stringToBytes('no such transaction'))
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: notAnOrder }),
    ).rejects.toMatchObject({ name: 'VaultApiError', code: 'ORDER_NOT_FOUND' })
  })

  test('error: parameters nested 5,000 arrays deep (a 10 KB body) are a 400 naming the problem, before the order is looked at', async () => {
    const dataset = await t.publish({ csv, schema })
    const node = await t.buyer.vault.node()
    // Written by hand: JSON.stringify itself overflows at this depth, JSON.parse on the node does not.
    const notAnOrder = keccak256(stringToBytes('no such transaction either'))
    const text = `{"dataset":"${dataset.datatoken}","trainer":{"id":"logistic-regression"},"orderTx":"${notAnOrder}","params":{"label":"risk","hidden":${'['.repeat(5000)}1${']'.repeat(5000)}}}`
    const body = new TextEncoder().encode(text)
    const headers = await signRequest(t.buyer.account, { chainId: node.chainId, node: node.address, method: 'POST', path: '/v1/jobs', body })
    const response = await fetch(`${t.stack.vaultUrl}/v1/jobs`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body })
    expect(response.status).toBe(400)
    expect((await response.json()).error).toMatchObject({ code: 'BODY_INVALID', details: expect.stringMatching(/params: nested deeper than 16 levels/) })
  })

  test('error: an order for another dataset is refused', async () => {
    const first = await t.publish({ csv, schema })
    const second = await t.publish({ csv, schema })
    const orderForFirst = await t.buyAndOrder(first)
    await expect(
      submitJob(t.buyer.vault, { dataset: second.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: orderForFirst }),
    ).rejects.toMatchObject({ code: 'ORDER_DATATOKEN_MISMATCH' })
  })

  test('error: an order placed by someone else cannot pay for my job', async () => {
    const dataset = await t.publish({ csv, schema })
    const strangersOrder = await t.buyAndOrder(dataset, t.stranger)
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: strangersOrder }),
    ).rejects.toMatchObject({ code: 'ORDER_CONSUMER_MISMATCH' })
  })

  test('error: an order reused for a second job is refused', async () => {
    const dataset = await t.publish({ csv, schema })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx })
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx }),
    ).rejects.toMatchObject({ code: 'ORDER_ALREADY_USED' })
    expect((await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })).state).toBe('finished')
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx }),
    ).rejects.toMatchObject({ code: 'ORDER_ALREADY_USED' })
  })
})

describe('data integrity', () => {
  test('error: tampered ciphertext fails the job with a clear reason, releases nothing, and frees the order', async () => {
    const dataset = await t.publish({
      csv,
      schema,
      tamper: (ciphertext) => {
        ciphertext[ciphertext.length - 40]! ^= 0x01
      },
    })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.state).toBe('failed')
    expect(done.failure?.code).toBe('dataset-corrupt')
    expect(done.failure?.message).toMatch(/ciphertext/i)
    await expect(downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })).rejects.toMatchObject({ code: 'JOB_OUTPUT_NOT_FOUND' })
    // Not the buyer's fault: the same order can pay for another attempt.
    const retry = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx })
    expect(retry.state).toBe('queued')
    await waitForJob(t.buyer.vault, { id: retry.id, intervalMs: 50 })
  })
})

describe('requests', () => {
  test('error: unsigned, replayed and tampered requests are refused', async () => {
    const node = await t.buyer.vault.node()
    const url = `${t.stack.vaultUrl}/v1/jobs`
    const unsigned = await fetch(url)
    expect(unsigned.status).toBe(401)
    expect((await unsigned.json()).error.code).toBe('REQUEST_UNSIGNED')

    const headers = await signRequest(t.buyer.account, { chainId: node.chainId, node: node.address, method: 'GET', path: '/v1/jobs' })
    expect((await fetch(url, { headers })).status).toBe(200)
    const replay = await fetch(url, { headers })
    expect(replay.status).toBe(401)
    expect((await replay.json()).error.code).toBe('REQUEST_REPLAYED')

    const body = new TextEncoder().encode(JSON.stringify({ dataset: '0x0', trainer: { id: 'x' }, params: {}, orderTx: '0x0' }))
    const signed = await signRequest(t.buyer.account, { chainId: node.chainId, node: node.address, method: 'POST', path: '/v1/jobs', body })
    const swapped = await fetch(url, { method: 'POST', headers: { ...signed, 'content-type': 'application/json' }, body: '{"other":1}' })
    expect(swapped.status).toBe(401)
    expect((await swapped.json()).error.code).toBe('REQUEST_BODY_HASH_MISMATCH')
    expect(signed[authHeaders.signature]).toMatch(/^0x/)
  })

  test('error: only the datatoken\'s owner can register it; bad bodies name the field', async () => {
    const { cid } = await uploadCiphertext(t.stranger.vault, { body: new Uint8Array(100) })
    const dataset = await t.publish({ csv, schema })
    await expect(
      registerDataset(t.stranger.vault, { cid, datatoken: dataset.datatoken, name: 'stolen', schema, policy: { trainers: ['logistic-regression'] } }),
    ).rejects.toMatchObject({ code: 'NOT_DATASET_OWNER' })
    await expect(
      registerDataset(t.owner.vault, { cid, datatoken: dataset.datatoken, name: '', schema, policy: { trainers: [] } }),
    ).rejects.toMatchObject({ code: 'BODY_INVALID', details: expect.stringMatching(/name.*policy\.trainers|policy\.trainers.*name/s) })
  })

  test('error: malformed path and query values are 400s that name the parameter', async () => {
    const base = t.stack.vaultUrl
    for (const [path, name] of [
      ['/v1/datasets/not-an-address', 'id'],
      ['/v1/datasets?owner=bad', 'owner'],
      [`/v1/datasets/${'0x'.padEnd(42, '1')}/provider-fee`, 'consumer'],
    ] as const) {
      const response = await fetch(`${base}${path}`)
      expect(response.status, path).toBe(400)
      const { error } = await response.json()
      expect(error.code).toBe('PARAM_INVALID')
      expect(error.message).toContain(`"${name}"`)
    }
  })

  test('error: an address that is not a datatoken of this deployment cannot be registered', async () => {
    const { cid } = await uploadCiphertext(t.owner.vault, { body: new Uint8Array(64) })
    await expect(
      registerDataset(t.owner.vault, { cid, datatoken: t.owner.account.address, name: 'fake', schema, policy: { trainers: ['logistic-regression'] } }),
    ).rejects.toMatchObject({ code: 'NOT_DATASET_OWNER', message: expect.stringMatching(/not an Ocean datatoken/) })
  })

  test('error: a wallet cannot pile up unregistered uploads past its quota', async () => {
    const uploader = t.party('spare', 1)
    await uploadCiphertext(uploader.vault, { body: new Uint8Array(60_000) })
    await expect(uploadCiphertext(uploader.vault, { body: new Uint8Array(60_000).fill(1) })).rejects.toMatchObject({ code: 'UPLOAD_TOO_LARGE' })
    await uploadCiphertext(uploader.vault, { body: new Uint8Array(40_000).fill(2) })
    await expect(uploadCiphertext(uploader.vault, { body: new Uint8Array(10).fill(3) })).rejects.toMatchObject({ code: 'UPLOAD_QUOTA_EXCEEDED' })
    // Another wallet is not affected.
    await uploadCiphertext(t.owner.vault, { body: new Uint8Array(10).fill(4) })
  })

  test('error: an upload refused part way closes its connection, so the next request is not sent on a connection still carrying the rest of the body', async () => {
    const node = await t.owner.vault.node()
    const path = '/v1/uploads'
    const headers = await signRequest(t.owner.account, { chainId: node.chainId, node: node.address, method: 'POST', path, body: 'unsigned' })
    // Far past the node's 100 kB limit: most of it is still unread when the node answers.
    const response = await fetch(`${t.stack.vaultUrl}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: new Uint8Array(16 * 1024 ** 2) })
    expect(response.status).toBe(413)
    expect(response.headers.get('connection')).toBe('close')
    expect((await response.json()).error.code).toBe('UPLOAD_TOO_LARGE')
    // The next requests work.
    for (let i = 0; i < 3; i++) expect((await fetch(`${t.stack.vaultUrl}/v1/datasets`)).status).toBe(200)
  })

  test('error: a policy beyond the node\'s limits is refused at registration', async () => {
    const { cid } = await uploadCiphertext(t.owner.vault, { body: new Uint8Array(64) })
    await expect(
      registerDataset(t.owner.vault, {
        cid,
        datatoken: t.owner.account.address,
        name: 'greedy',
        schema,
        policy: { trainers: ['logistic-regression'], maxWallTimeSeconds: 86_400 },
      }),
    ).rejects.toMatchObject({ code: 'POLICY_BEYOND_NODE_LIMITS' })
  })

  test('error: a schema that contradicts itself is refused at registration, naming the columns', async () => {
    const { cid } = await uploadCiphertext(t.owner.vault, { body: new Uint8Array(64).fill(5) })
    const inconsistent = { format: 'csv' as const, columns: [{ name: 'x', type: 'number' as const, min: 0 }, { name: 'risk', type: 'category' as const, values: ['low', 'low', 'NA'] }] }
    await expect(registerDataset(t.owner.vault, { cid, datatoken: t.owner.account.address, name: 'odd', schema: inconsistent, policy: { trainers: ['logistic-regression'] } })).rejects.toMatchObject({
      code: 'SCHEMA_INCONSISTENT',
      status: 400,
      message: expect.stringMatching(/column "x" declares only one bound.*column "risk" repeats a category value.*column "risk" has a category value that reads as a blank cell/),
    })
  })

  test('error: parameters that do not fit the dataset or its policy are refused before any order is spent', async () => {
    const dataset = await t.publish({ csv, schema, policy: { trainers: ['logistic-regression'], maxEpochs: 10 } })
    const orderTx = await t.buyAndOrder(dataset)
    const submit = (p: Record<string, unknown>, trainer = 'logistic-regression') =>
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: trainer }, params: p, orderTx })
    await expect(submit({ label: 'risk', epochs: 11 })).rejects.toMatchObject({ code: 'POLICY_LIMIT_EXCEEDED' })
    await expect(submit({ label: 'no_such_column', epochs: 3 })).rejects.toMatchObject({ code: 'BODY_INVALID' })
    await expect(submit({ label: 'risk' }, 'mlp')).rejects.toMatchObject({ code: 'TRAINER_UNKNOWN' })
    // The order is still good.
    const job = await submit({ label: 'risk', epochs: 3 })
    expect((await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })).state).toBe('finished')
  })
})

describe('policy', () => {
  test('error: a dataset smaller than its policy\'s minimum rows releases nothing', async () => {
    const dataset = await t.publish({ csv: healthCsv({ rows: 50, seed: 3 }), schema, policy: { trainers: ['logistic-regression'], minRows: 100 } })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 }, orderTx })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.failure?.code).toBe('policy-violation')
    await expect(downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })).rejects.toMatchObject({ code: 'JOB_OUTPUT_NOT_FOUND' })
  })
})
