// The buyer's SDK on the real stack, through the bound client: find a dataset with its price,
// order it in one call, watch the job as events, stream the weights to disk, predict, verify.
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  type DataVaultClient,
  type JobEvent,
  type PricedDataset,
  createDataVaultClient,
  evaluateAccuracy,
  getTokenBalance,
  loadWeights,
  predict,
} from '@datavault/sdk'
import { fileSink } from '@datavault/sdk/node'
import { healthCsv, healthSchema, parseHealthCsv } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
let owner: DataVaultClient
let buyer: DataVaultClient
let paid: PricedDataset
let free: PricedDataset
let dir: string
const csv = healthCsv({ rows: 1500, seed: 31 })
const [header, ...lines] = csv.trim().split('\n')
const train = `${[header, ...lines.slice(0, 1200)].join('\n')}\n`
const heldOut = parseHealthCsv(`${[header, ...lines.slice(1200)].join('\n')}\n`)

function client(role: 'owner' | 'buyer' | 'spare', index = 0) {
  const key = t.stack.accounts.filter((account) => account.role === role)[index]!
  return createDataVaultClient({
    node: t.stack.vaultUrl,
    chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId },
    account: privateKeyToAccount(key.privateKey),
    addresses: t.addresses,
    pollingInterval: 50,
  })
}

beforeAll(async () => {
  t = await startTestStack()
  dir = await mkdtemp(join(tmpdir(), 'dv-sdk-buyer-'))
  owner = client('owner')
  buyer = client('buyer')
  const policy = { trainers: ['logistic-regression', 'linear-regression'], maxEpochs: 100 }
  const one = await owner.publishDataset({ data: train, name: 'Heart vitals', schema: healthSchema('binary', { rows: 1200 }), policy, price: parseEther('3') })
  const two = await owner.publishDataset({ data: train, name: 'Open heart sample', description: 'free', schema: healthSchema('binary'), policy, free: true })
  paid = await buyer.getDataset({ id: one.datatoken })
  free = await buyer.getDataset({ id: two.datatoken })
})
afterAll(async () => {
  await t?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('searchDatasets / getDataset', () => {
  test('default: every orderable dataset, with its price read from the chain', async () => {
    const found = await buyer.searchDatasets()
    expect(found.map((d) => d.id).sort()).toEqual([paid.id, free.id].sort())
    expect(paid).toMatchObject({ name: 'Heart vitals', rows: 1200, trainers: ['logistic-regression', 'linear-regression'], available: true, keyEscrowed: true })
    expect(paid.price).toMatchObject({ type: 'fixed-rate', baseToken: t.addresses.Ocean, baseTokenSymbol: 'OCEAN', baseTokenDecimals: 18, datatokens: 10n ** 18n })
    // The quote is the price plus Ocean's community fee.
    expect(paid.price.type === 'fixed-rate' && paid.price.amount).toBe(parseEther('3') + (paid.price.type === 'fixed-rate' ? paid.price.fees.ocean : 0n))
    expect(free.price).toMatchObject({ type: 'free', dispenser: t.addresses.Dispenser })
    expect(free.rows).toBeUndefined()
  })

  test('args: text, owner, trainer, minRows, maxPrice', async () => {
    const ids = async (parameters: Parameters<DataVaultClient['searchDatasets']>[0]) => (await buyer.searchDatasets(parameters)).map((d) => d.id).sort()
    expect(await ids({ text: 'open' })).toEqual([free.id])
    expect(await ids({ owner: owner.account!.address })).toEqual([paid.id, free.id].sort())
    expect(await ids({ owner: buyer.account!.address })).toEqual([])
    expect(await ids({ trainer: 'linear-regression' })).toEqual([paid.id, free.id].sort())
    expect(await ids({ trainer: 'mlp-classifier' })).toEqual([])
    expect(await ids({ minRows: 1000 })).toEqual([paid.id])
    expect(await ids({ minRows: 5000 })).toEqual([])
    expect(await ids({ maxPrice: parseEther('1') })).toEqual([free.id])
    expect(await ids({ maxPrice: parseEther('4') })).toEqual([paid.id, free.id].sort())
  })

  test('error: a dataset the node does not have', async () => {
    await expect(buyer.getDataset({ id: '0x000000000000000000000000000000000000dead' })).rejects.toMatchObject({ name: 'VaultApiError', code: 'DATASET_NOT_FOUND' })
  })
})

describe('orderDataset → submitJob → watchJob → downloadResult → predict', () => {
  test('default: weights on disk in a few lines, checked against the receipt', async () => {
    const before = await buyer.getTokenBalance({ token: t.addresses.Ocean })
    const { orderTx, bought } = await buyer.orderDataset({ dataset: paid.id, trainer: 'logistic-regression' })
    expect(bought).toMatchObject({ method: 'fixed-rate', baseTokenAmount: paid.price.type === 'fixed-rate' ? paid.price.amount : -1n })
    expect(before - (await buyer.getTokenBalance({ token: t.addresses.Ocean }))).toBe(bought!.baseTokenAmount)
    expect(await buyer.getTokenBalance({ token: paid.datatoken })).toBe(0n) // the order spent it

    const job = await buyer.submitJob({ dataset: paid.id, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 100, learningRate: 0.2, seed: 1 }, orderTx })
    const events: JobEvent[] = []
    for await (const event of buyer.watchJob({ id: job.id })) events.push(event)
    const types = events.map((event) => event.type)
    expect(types.at(-1)).toBe('finished')
    expect(types).toContain('running')
    // States arrive in lifecycle order (a poll may skip a short one); epochs only go up.
    const order = ['queued', 'provisioning', 'running', 'checking', 'finished']
    expect(types.map((type) => order.indexOf(type))).toEqual([...types.map((type) => order.indexOf(type))].sort((a, b) => a - b))
    const epochs = events.flatMap((event) => (event.type === 'running' && event.epoch !== undefined ? [event.epoch] : []))
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b))
    const last = events.at(-1)!
    expect(last.type === 'finished' && last.metrics.accuracy).toBeGreaterThan(0.8)

    const path = join(dir, 'model.safetensors')
    const saved = await buyer.downloadResult({ id: job.id, to: fileSink(path) })
    const bytes = new Uint8Array(await readFile(path))
    expect(saved).toMatchObject({ name: 'model.safetensors', size: bytes.byteLength })
    expect(saved.sha256).toBe(`0x${createHash('sha256').update(bytes).digest('hex')}`)
    expect((await readdir(dir)).filter((name) => name.includes('.partial'))).toEqual([])

    const metrics = await buyer.downloadResult({ id: job.id, name: 'metrics.json' })
    expect(metrics.weights).toBeUndefined()
    await expect(buyer.verifyReceipt({ receipt: await buyer.getReceipt({ id: job.id }), files: [saved, metrics] })).resolves.toMatchObject({})

    // The generic reader and predictor: no need to know which trainer wrote it.
    const weights = loadWeights(bytes)
    expect(weights).toMatchObject({ trainer: 'logistic-regression', metadata: { task: 'binary' } })
    expect(weights.tensors.weights).toMatchObject({ dtype: 'F32', shape: [1, 7] })
    const [first] = predict(bytes, heldOut.rows.slice(0, 1)) as { label: string; probabilities: number[] }[]
    expect(['low', 'high']).toContain(first!.label)
    const inMemory = await buyer.downloadResult({ id: job.id })
    expect(inMemory.sha256).toBe(saved.sha256)
    expect(Object.keys(inMemory.weights!.tensors).sort()).toEqual(Object.keys(weights.tensors).sort())
  })

  test('behavior: a free dataset is taken from the dispenser; a held datatoken is spent without buying', async () => {
    const first = await buyer.orderDataset({ dataset: free.id })
    expect(first.bought).toMatchObject({ method: 'dispenser', baseTokenAmount: 0n })
    const bought = await buyer.buyAccess({ dataset: paid.id })
    expect(bought.method).toBe('fixed-rate')
    const second = await buyer.orderDataset({ dataset: paid.id })
    expect(second.bought).toBeUndefined()
    const job = await buyer.submitJob({ dataset: paid.id, trainer: { id: 'linear-regression' }, params: { label: 'systolic_bp', epochs: 20 }, orderTx: second.orderTx })
    const done = await buyer.waitForJob({ id: job.id })
    expect(done.state).toBe('finished')
    const { bytes } = await buyer.downloadResult({ id: job.id })
    // The category column risk is a feature too (one-hot): the rows give its value.
    const predicted = predict(bytes, heldOut.rows.slice(0, 3).map((row, i) => ({ ...row, risk: heldOut.labels[i]! }))) as number[]
    expect(predicted).toHaveLength(3)
    expect(predicted.every((value) => value > 70 && value < 230)).toBe(true)
  })

  test('behavior: watchJob ends at once on a finished job; break stops it early', async () => {
    const [done] = (await buyer.listJobs()).filter((job) => job.state === 'finished')
    const events: JobEvent[] = []
    for await (const event of buyer.watchJob({ id: done!.id })) events.push(event)
    expect(events.map((event) => event.type)).toEqual(['finished'])
  })

  test('error: nothing is paid when the policy does not allow the trainer', async () => {
    const before = await getTokenBalance(buyer.public, { token: t.addresses.Ocean, owner: buyer.account!.address })
    await expect(buyer.orderDataset({ dataset: paid.id, trainer: 'mlp-classifier' })).rejects.toMatchObject({ name: 'DatasetNotReadyError', code: 'POLICY_TRAINER_DENIED' })
    expect(await getTokenBalance(buyer.public, { token: t.addresses.Ocean, owner: buyer.account!.address })).toBe(before)
  })

  test('error: a job that is not the buyer\'s cannot be watched or downloaded', async () => {
    const [job] = await buyer.listJobs()
    const stranger = client('spare')
    const watching = stranger.watchJob({ id: job!.id })
    await expect(watching.next()).rejects.toMatchObject({ name: 'VaultApiError', code: 'JOB_ACCESS_DENIED' })
    const path = join(dir, 'stolen.safetensors')
    await expect(stranger.downloadResult({ id: job!.id, to: fileSink(path) })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })
    expect((await readdir(dir)).filter((name) => name.includes('stolen'))).toEqual([])
  })
})

describe('client', () => {
  test('error: no account, wrong chain, unreachable node, unreachable chain', async () => {
    const base = { node: t.stack.vaultUrl, chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId } }
    const readOnly = createDataVaultClient(base)
    expect((await readOnly.searchDatasets()).length).toBe(2)
    await expect(readOnly.orderDataset({ dataset: paid.id })).rejects.toMatchObject({ name: 'AccountRequiredError', code: 'ACCOUNT_REQUIRED' })
    const wrongChain = createDataVaultClient({ ...base, chain: { rpcUrl: t.stack.rpcUrl, chainId: 1 }, account: buyer.account })
    await expect(wrongChain.orderDataset({ dataset: paid.id })).rejects.toMatchObject({ name: 'ChainMismatchError', code: 'CHAIN_MISMATCH' })
    const noNode = createDataVaultClient({ ...base, node: 'http://127.0.0.1:9' })
    await expect(noNode.searchDatasets()).rejects.toMatchObject({ name: 'VaultUnreachableError', code: 'VAULT_UNREACHABLE' })
    const noChain = createDataVaultClient({ ...base, chain: { rpcUrl: 'http://127.0.0.1:9', chainId: t.stack.chainId } })
    const error = (await noChain.searchDatasets().catch((caught: unknown) => caught)) as Error
    expect(error).toMatchObject({ name: 'ChainReadError', code: 'CHAIN_READ_FAILED' })
    expect(error.message).not.toContain('127.0.0.1:9')
  })

  test('behavior: extend adds actions that see the bound ones', async () => {
    const extended = buyer.extend((c) => ({ cheapest: async () => (await c.searchDatasets()).find((d) => d.price.type === 'free') }))
    expect((await extended.cheapest())?.id).toBe(free.id)
    expect(typeof extended.submitJob).toBe('function')
  })
})
