// The owner's SDK on the real stack, through the bound client: publishDataset in one call (and
// what a failure half-way leaves: nothing for sale, resumable), earnings from chain events,
// receipts, approving a buyer's algorithm; and a buyer cancelling jobs.
import { parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  type DataVaultClient,
  type JobEvent,
  type PublishDatasetEvent,
  type PublishDatasetReturnType,
  createDataVaultClient,
  generateDataKey,
  getDatatokenPrice,
  predict,
} from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { columnMeansProgram } from '../fixtures/programs.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'
import { sleeperTrainer } from '../fixtures/trainers/index.ts'

let t: TestStack
let owner: DataVaultClient
let buyer: DataVaultClient
let published: PublishDatasetReturnType
const events: PublishDatasetEvent[] = []
const csv = healthCsv({ rows: 300, seed: 41 })
const schema = healthSchema('binary')
const policy = { trainers: ['logistic-regression', 'test-sleeper'], maxEpochs: 50, maxWallTimeSeconds: 120 }
const price = parseEther('4')

function client(role: 'owner' | 'buyer', fetch?: typeof globalThis.fetch) {
  const key = t.stack.accounts.find((account) => account.role === role)!
  return createDataVaultClient({
    node: t.stack.vaultUrl,
    chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId },
    account: privateKeyToAccount(key.privateKey),
    addresses: t.addresses,
    pollingInterval: 50,
    fetch,
  })
}

beforeAll(async () => {
  t = await startTestStack({ trainers: [sleeperTrainer] })
  owner = client('owner')
  buyer = client('buyer')
  published = await owner.publishDataset({ data: new Blob([csv]), name: 'Heart 300', schema, policy, price, onProgress: (event) => events.push(event) })
})
afterAll(async () => {
  await t?.stop()
})

async function train(dataset: `0x${string}`) {
  const { orderTx } = await buyer.orderDataset({ dataset })
  const job = await buyer.submitJob({ dataset, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 10 }, orderTx })
  return buyer.waitForJob({ id: job.id })
}

describe('publishDataset', () => {
  test('default: encrypted, uploaded, datatoken, registered, key escrowed, and only then for sale', async () => {
    const steps = events.filter((event) => event.status !== 'progress').map((event) => `${event.step}:${event.status}`)
    expect(steps).toEqual([
      'upload:started',
      'upload:done',
      'datatoken:started',
      'datatoken:done',
      'register:started',
      'register:done',
      'escrow:started',
      'escrow:done',
      'price:started',
      'price:done',
    ])
    const progress = events.filter((event) => event.status === 'progress')
    expect(progress.at(-1)).toMatchObject({ bytes: new TextEncoder().encode(csv).byteLength, totalBytes: new TextEncoder().encode(csv).byteLength })
    expect(published.dataset).toMatchObject({ id: published.datatoken.toLowerCase(), name: 'Heart 300', keyEscrowed: true, cid: published.cid, owner: owner.account!.address.toLowerCase() })
    expect(published.exchangeId).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await getDatatokenPrice(owner.public, { datatoken: published.datatoken })).toMatchObject({ type: 'fixed-rate', rate: price })
    // The data trains: the ciphertext and the key are what the node needs.
    expect((await train(published.datatoken)).state).toBe('finished')
  })

  test('error: the node refuses the registration after the datatoken exists; nothing is for sale; resume finishes it', async () => {
    const tooLong = { ...policy, maxWallTimeSeconds: 86_400 }
    const error = await owner.publishDataset({ data: csv, name: 'Too long', schema, policy: tooLong, price }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'PublishDatasetError', code: 'PUBLISH_DATASET_INCOMPLETE', step: 'register', status: 422 })
    const { state } = error as { state: { datatoken: `0x${string}`; cid: string; registered?: boolean } }
    expect(state.datatoken).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(state.registered).toBeUndefined()
    expect((error as Error).message).toContain('POLICY_BEYOND_NODE_LIMITS')
    // Nobody can pay for it: no exchange, no dispenser; the node does not list it.
    expect(await getDatatokenPrice(buyer.public, { datatoken: state.datatoken })).toEqual({ type: 'not-for-sale' })
    await expect(buyer.buyAccess({ dataset: state.datatoken })).rejects.toMatchObject({ name: 'DatatokenNotForSaleError', code: 'DATATOKEN_NOT_FOR_SALE' })
    await expect(buyer.getDataset({ id: state.datatoken })).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' })

    const resumed = await owner.publishDataset({ data: csv, name: 'Too long', schema, policy, price, resume: state })
    expect(resumed.datatoken).toBe(state.datatoken)
    expect(resumed.txHashes.datatoken).toBeUndefined() // no second datatoken
    expect((await buyer.getDataset({ id: state.datatoken })).available).toBe(true)
  })

  test('error: the key escrow fails after the registration; the dataset is listed as not ready, orders are refused before paying; resume with the key', async () => {
    // The connection drops on the key escrow, and only there.
    const flaky = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).endsWith('/key')) throw new TypeError('fetch failed')
      return globalThis.fetch(input, init)
    }) as typeof globalThis.fetch
    const key = generateDataKey()
    const error = await client('owner', flaky)
      .publishDataset({ data: csv, name: 'No key yet', schema, policy, free: true, key })
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'PublishDatasetError', step: 'escrow', state: { registered: true } })
    const { state } = error as { state: { datatoken: `0x${string}`; cid: string; registered: boolean } }
    expect((await buyer.getDataset({ id: state.datatoken })).available).toBe(false)
    expect((await buyer.searchDatasets()).map((dataset) => dataset.id)).not.toContain(state.datatoken.toLowerCase())
    await expect(buyer.orderDataset({ dataset: state.datatoken })).rejects.toMatchObject({ name: 'DatasetNotReadyError', code: 'DATASET_KEY_NOT_ESCROWED' })
    await expect(owner.publishDataset({ data: csv, name: 'No key yet', schema, policy, free: true, resume: state })).rejects.toMatchObject({
      code: 'PUBLISH_DATASET_INVALID_ARGUMENT',
    })

    const resumed = await owner.publishDataset({ data: csv, name: 'No key yet', schema, policy, free: true, key, resume: state })
    expect(resumed).toMatchObject({ datatoken: state.datatoken, cid: state.cid, dataset: { keyEscrowed: true } })
    expect((await train(state.datatoken)).state).toBe('finished')
  })
})

describe('earnings', () => {
  test('default: orders and base token earned per dataset, from chain events', async () => {
    const before = await owner.earnings()
    const mine = before.datasets.find((dataset) => dataset.datatoken === published.datatoken)!
    expect(mine).toMatchObject({ name: 'Heart 300', orders: 1, datatokensOrdered: 10n ** 18n, consumers: 1 })
    expect(mine.sales).toHaveLength(1)
    expect(mine.sales[0]).toMatchObject({ baseTokenSymbol: 'OCEAN', datatokensSold: 10n ** 18n, earned: price, collected: 0n, collectable: price })

    await train(published.datatoken)
    const after = await owner.earnings()
    expect(after.datasets.find((dataset) => dataset.datatoken === published.datatoken)).toMatchObject({ orders: 2, sales: [{ earned: 2n * price, collectable: 2n * price }] })
    expect(after.orders).toBe(before.orders + 1)
    expect(after.totals).toEqual([expect.objectContaining({ baseToken: t.addresses.Ocean, earned: before.totals[0]!.earned + price })])
    // The buyer earned nothing: the owner is who the node lists.
    expect(await buyer.earnings()).toEqual({ datasets: [], orders: 0, totals: [] })
  })
})

describe('listReceipts + approveAlgorithm', () => {
  test('default: the owner sees every finished job\'s receipt, and approves an algorithm by its job', async () => {
    const receipts = await owner.listReceipts({ dataset: published.datatoken })
    expect(receipts.length).toBeGreaterThanOrEqual(2)
    for (const receipt of receipts) await owner.verifyReceipt({ receipt })

    const { hash } = await buyer.uploadAlgorithm({ code: columnMeansProgram })
    const { orderTx } = await buyer.orderDataset({ dataset: published.datatoken })
    const outputs = { tensors: [{ name: 'means', dtype: 'F32' as const, shape: [7] }], metrics: ['rows'] }
    const job = await buyer.submitJob({ dataset: published.datatoken, algorithm: { hash, outputs }, params: {}, orderTx })
    const watching = buyer.watchJob({ id: job.id })
    expect((await watching.next()).value).toMatchObject({ type: 'awaiting-approval' })

    const [waiting] = (await owner.listDatasetJobs({ dataset: published.datatoken })).filter((candidate) => candidate.state === 'awaiting-approval')
    expect(waiting?.id).toBe(job.id)
    expect(new TextDecoder().decode((await owner.getAlgorithm({ hash })).code)).toBe(columnMeansProgram)
    const approved = await owner.approveAlgorithm({ job: job.id })
    expect(approved.algorithm).toEqual({ hash, dataset: published.datatoken.toLowerCase(), outputs, params: {} })
    expect(approved.job.state).toBe('queued')
    const seen: JobEvent[] = []
    for await (const event of watching) seen.push(event)
    // A plain custom program's own metrics are never released (issue 14): the event carries none.
    expect(seen.at(-1)).toMatchObject({ type: 'finished', metrics: {} })

    const { weights } = await buyer.downloadResult({ id: job.id })
    expect(weights).toMatchObject({ trainer: undefined, tensors: { means: { dtype: 'F32', shape: [7] } } })
    const { bytes } = await buyer.downloadResult({ id: job.id })
    expect(() => predict(bytes, [[1]])).toThrow(expect.objectContaining({ name: 'UnknownModelError' }))
    await expect(buyer.approveAlgorithm({ job: job.id })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })
  })
})

describe('cancelJob', () => {
  test('default: a running job is stopped and fails as cancelled; a queued one is withdrawn at once; the order pays for another job', async () => {
    // Its own dataset with a short wall time: whatever happens, no sleeper outlives the file.
    const { datatoken } = await owner.publishDataset({ data: csv, name: 'Sleepers', schema, policy: { trainers: ['test-sleeper', 'logistic-regression'], maxWallTimeSeconds: 20 }, free: true })
    const first = await buyer.orderDataset({ dataset: datatoken })
    const running = await buyer.submitJob({ dataset: datatoken, trainer: { id: 'test-sleeper' }, params: { label: 'risk' }, orderTx: first.orderTx })
    const second = await buyer.orderDataset({ dataset: datatoken })
    const queued = await buyer.submitJob({ dataset: datatoken, trainer: { id: 'test-sleeper' }, params: { label: 'risk' }, orderTx: second.orderTx })

    // One job at a time: the second waits behind the first, and is withdrawn before it ran.
    const withdrawn = await buyer.cancelJob({ id: queued.id })
    expect(withdrawn).toMatchObject({ state: 'failed' })
    expect(['withdrawn', 'cancelled']).toContain(withdrawn.failure?.code)

    const seen: JobEvent[] = []
    for await (const event of buyer.watchJob({ id: running.id })) {
      seen.push(event)
      if (event.type === 'running') await buyer.cancelJob({ id: running.id })
    }
    expect(seen.map((event) => event.type)).toContain('running')
    expect(seen.at(-1)).toMatchObject({ type: 'failed', reason: { code: 'cancelled' } })

    await expect(buyer.cancelJob({ id: queued.id })).rejects.toMatchObject({ name: 'VaultApiError', code: 'JOB_ALREADY_FINAL' })
    await expect(owner.cancelJob({ id: running.id })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })

    // The released order pays for the next job.
    const retry = await buyer.submitJob({ dataset: datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5 }, orderTx: first.orderTx })
    expect((await buyer.waitForJob({ id: retry.id })).state).toBe('finished')
  })
})
