// Issue 17, "Revocation must stop sales", on the real stack: revoking closes the exchange on chain
// and unlists the dataset, buying a revoked dataset is refused before any transaction, owners
// change price, policy and (while no job depends on it) schema after publishing with signed
// requests, and what waits on the exchange is collected. Through the SDK's bound client and the CLI.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { erc20Abi, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type DataVaultClient, createDataVaultClient, getDatatokenPrice, republishDataset, setDatasetState, signRequest, unpublishDataset } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname
const schema = healthSchema('binary')
const policy = { trainers: ['logistic-regression'], maxEpochs: 50 }

let t: TestStack
let work: string
let owner: DataVaultClient
let buyer: DataVaultClient
let stranger: DataVaultClient

function client(role: 'owner' | 'buyer' | 'spare') {
  const key = t.stack.accounts.find((account) => account.role === role)!
  return createDataVaultClient({ node: t.stack.vaultUrl, chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId }, account: privateKeyToAccount(key.privateKey), addresses: t.addresses, pollingInterval: 50 })
}

type Run = { code: number | null; stdout: string; stderr: string }

/** Runs the real CLI against the test stack's dev.json, with a clean environment and no terminal. */
function cli(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [launcher, ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, DATAVAULT_CONFIG_DIR: join(work, 'config'), DATAVAULT_DEV_DIR: dirname(t.stack.addressesFile) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

async function publish(name: string, price = parseEther('3')) {
  const published = await owner.publishDataset({ data: new Blob([healthCsv({ rows: 120, seed: name.length })]), name, schema, policy, price })
  return published.datatoken.toLowerCase() as `0x${string}`
}

beforeAll(async () => {
  t = await startTestStack()
  work = await mkdtemp(join(tmpdir(), 'dv-market-'))
  owner = client('owner')
  buyer = client('buyer')
  stranger = client('spare')
})
afterAll(async () => {
  await t?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

describe('revoking stops sales', () => {
  test('default: the exchange closes, the dataset is unlisted, buying is refused before any transaction, and the owner still collects', async () => {
    const dataset = await publish('Revoked soon')
    await buyer.buyAccess({ dataset })
    const revoked = await owner.revokeDataset({ dataset })
    expect(revoked).toMatchObject({ revokedAt: expect.any(String), keyEscrowed: false, txHash: expect.any(String), closedSales: [{ type: 'fixed-rate', txHash: expect.any(String) }] })
    expect(await getDatatokenPrice(owner.public, { datatoken: dataset })).toEqual({ type: 'not-for-sale' })

    // Unlisted for everyone; the owner's own listing shows it as revoked.
    expect((await buyer.searchDatasets({ includeUnavailable: true })).map((entry) => entry.id)).not.toContain(dataset)
    expect((await owner.vault.request({ method: 'GET', path: '/v1/datasets', doing: 'listing' }).then((response) => response.json())).datasets.map((entry: { id: string }) => entry.id)).not.toContain(dataset)
    expect((await owner.searchDatasets({ owner: owner.account!.address, includeUnavailable: true })).find((entry) => entry.id === dataset)).toMatchObject({ revokedAt: expect.any(String), available: false, price: { type: 'not-for-sale' } })

    // Refused before any approval or payment: the buyer's nonce and allowance do not move.
    const buyerAddress = buyer.account!.address
    const nonce = await buyer.public.getTransactionCount({ address: buyerAddress })
    const allowance = await buyer.public.readContract({ address: t.addresses.Ocean, abi: erc20Abi, functionName: 'allowance', args: [buyerAddress, t.addresses.FixedPrice] })
    await expect(buyer.buyAccess({ dataset })).rejects.toMatchObject({ name: 'DatasetWithdrawnError', code: 'DATASET_REVOKED', source: 'node' })
    // The datatoken already held is not spent on an order either.
    await expect(buyer.orderDataset({ dataset })).rejects.toMatchObject({ code: 'DATASET_REVOKED' })
    expect(await buyer.public.getTransactionCount({ address: buyerAddress })).toBe(nonce)
    expect(await buyer.public.readContract({ address: t.addresses.Ocean, abi: erc20Abi, functionName: 'allowance', args: [buyerAddress, t.addresses.FixedPrice] })).toBe(allowance)

    // What the buyer paid stays the owner's, collectable from the closed exchange.
    const before = (await owner.earnings()).datasets.find((entry) => entry.dataset === dataset)!
    expect(before.sales[0]).toMatchObject({ earned: parseEther('3'), collectable: parseEther('3'), collected: 0n })
    const { collected } = await owner.collectEarnings({ dataset })
    expect(collected.map((entry) => entry.amount)).toEqual([parseEther('3')])
    const after = (await owner.earnings()).datasets.find((entry) => entry.dataset === dataset)!
    expect(after.sales[0]).toMatchObject({ earned: parseEther('3'), collectable: 0n, collected: parseEther('3') })
  })

  test('behavior: a dataset revoked on chain only (KeyHolderRegistry) is refused too', async () => {
    const dataset = await publish('Revoked on chain')
    const registry = (await owner.getNode()).addresses!.KeyHolderRegistry as `0x${string}`
    await setDatasetState(owner.wallet!, { registry, datatoken: dataset, state: 'unpublished' })
    await expect(buyer.buyAccess({ dataset })).rejects.toMatchObject({ code: 'DATASET_UNPUBLISHED', source: 'chain' })
  })

  test('behavior: un-publishing closes the sale until re-published; a revoked dataset cannot come back', async () => {
    const dataset = await publish('Paused')
    const registry = (await owner.getNode()).addresses!.KeyHolderRegistry as `0x${string}`
    const { closedSales } = await unpublishDataset(owner.wallet!, { registry, datatoken: dataset })
    expect(closedSales).toEqual([{ type: 'fixed-rate', exchange: t.addresses.FixedPrice, exchangeId: expect.any(String), txHash: expect.any(String) }])
    expect(await getDatatokenPrice(owner.public, { datatoken: dataset })).toEqual({ type: 'not-for-sale' })
    await expect(buyer.buyAccess({ dataset })).rejects.toMatchObject({ code: 'DATASET_UNPUBLISHED' })
    expect((await republishDataset(owner.wallet!, { registry, datatoken: dataset })).reopenedSales).toHaveLength(1)
    expect(await getDatatokenPrice(owner.public, { datatoken: dataset })).toMatchObject({ type: 'fixed-rate', rate: parseEther('3') })
    await expect(buyer.buyAccess({ dataset })).resolves.toMatchObject({ method: 'fixed-rate' })
    await owner.revokeDataset({ dataset })
    await expect(republishDataset(owner.wallet!, { registry, datatoken: dataset })).rejects.toMatchObject({ code: 'DATASET_REVOKED' })
    expect(await getDatatokenPrice(owner.public, { datatoken: dataset })).toEqual({ type: 'not-for-sale' })
  })

  test('error: only the owner revokes; the sale stays open', async () => {
    const dataset = await publish('Not theirs')
    await expect(stranger.revokeDataset({ dataset })).rejects.toMatchObject({ code: 'NOT_DATASET_OWNER' })
    expect(await getDatatokenPrice(owner.public, { datatoken: dataset })).toMatchObject({ type: 'fixed-rate' })
  })
})

describe('changing a dataset after publishing', () => {
  test('default: price on chain, policy on the node, schema while no job depends on it', async () => {
    const dataset = await publish('Changing')
    await owner.setDatasetPrice({ dataset, price: parseEther('1.5') })
    expect(await getDatatokenPrice(owner.public, { datatoken: dataset })).toMatchObject({ type: 'fixed-rate', rate: parseEther('1.5') })

    const updated = await owner.updateDataset({ dataset, policy: { trainers: ['logistic-regression', 'mlp-classifier'], maxEpochs: 20 } })
    expect(updated.policy).toMatchObject({ trainers: ['logistic-regression', 'mlp-classifier'], maxEpochs: 20 })
    const renamed = { ...schema, columns: schema.columns.map((column) => (column.name === 'smoker' ? { name: 'smoker', type: 'category' as const, values: ['0', '1'] } : column)) }
    expect((await owner.updateDataset({ dataset, schema: renamed })).schema.columns.find((column) => column.name === 'smoker')).toMatchObject({ type: 'category' })

    // A job on it: the schema is now what that job depends on.
    const { orderTx } = await buyer.orderDataset({ dataset, trainer: 'logistic-regression' })
    await buyer.submitJob({ dataset, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 }, orderTx })
    await expect(owner.updateDataset({ dataset, schema })).rejects.toMatchObject({ code: 'DATASET_SCHEMA_IN_USE', status: 409 })
    // The policy may still change.
    expect((await owner.updateDataset({ dataset, policy })).policy.maxEpochs).toBe(50)
  })

  test('error: not the owner, bad values, a replayed request, a revoked dataset', async () => {
    const dataset = await publish('Guarded')
    await expect(stranger.updateDataset({ dataset, policy })).rejects.toMatchObject({ code: 'NOT_DATASET_OWNER', status: 403 })
    await expect(stranger.setDatasetPrice({ dataset, price: 1n })).rejects.toMatchObject({ code: 'CHAIN_TRANSACTION_REVERTED', action: 'setRate' })
    await expect(owner.setDatasetPrice({ dataset, price: 0n })).rejects.toMatchObject({ code: 'CHAIN_INVALID_ARGUMENT' })
    await expect(owner.updateDataset({ dataset, policy: { ...policy, maxWallTimeSeconds: 86_400 } })).rejects.toMatchObject({ code: 'POLICY_BEYOND_NODE_LIMITS' })
    await expect(owner.updateDataset({ dataset, policy: { ...policy, maxEpochs: -1 } as never })).rejects.toMatchObject({ status: 400 })
    await expect(owner.updateDataset({ dataset })).rejects.toMatchObject({ status: 400 })

    // Adding a privacy budget is fine; removing it afterwards is not.
    await owner.updateDataset({ dataset, policy: { ...policy, privacyBudget: { epsilon: 5, delta: 1e-5 } } })
    await expect(owner.updateDataset({ dataset, policy })).rejects.toMatchObject({ code: 'PRIVACY_BUDGET_CHANGE_REFUSED' })

    // The same signed request twice: the second is a replay.
    const node = await owner.getNode()
    const path = `/v1/datasets/${dataset}`
    const body = new TextEncoder().encode(JSON.stringify({ policy: { ...policy, privacyBudget: { epsilon: 6, delta: 1e-5 } } }))
    const headers = await signRequest(privateKeyToAccount(t.stack.accounts.find((account) => account.role === 'owner')!.privateKey), { chainId: node.chainId, node: node.address, method: 'PATCH', path, body })
    const send = () => fetch(`${t.stack.vaultUrl}${path}`, { method: 'PATCH', headers: { ...headers, 'content-type': 'application/json' }, body })
    expect((await send()).status).toBe(200)
    const replay = await send()
    expect(replay.status).toBe(401)
    expect(await replay.json()).toMatchObject({ error: { code: 'REQUEST_REPLAYED' } })

    await owner.revokeDataset({ dataset })
    await expect(owner.updateDataset({ dataset, policy })).rejects.toMatchObject({ code: 'DATASET_REVOKED' })
    await expect(owner.setDatasetPrice({ dataset, price: 1n })).rejects.toMatchObject({ code: 'EXCHANGE_NOT_FOUND' })
  })
})

describe('the owner\'s CLI', () => {
  // Each command is a process of its own (seconds each on a loaded machine): a few per test.
  let dataset: `0x${string}`

  test('default: price and policy; not the owner: exit 4', async () => {
    dataset = await publish('CLI market')
    await writeFile(join(work, 'policy.json'), JSON.stringify({ trainers: ['logistic-regression'], maxEpochs: 10 }))
    const [price, changed, notOwner] = await Promise.all([
      cli(['price', dataset, '2.5', '--account', 'owner']),
      cli(['policy', dataset, '--file', 'policy.json', '--account', 'owner', '--json']),
      cli(['policy', dataset, '--file', 'policy.json', '--account', 'buyer']),
    ])
    expect(price.code, price.stderr).toBe(0)
    expect(price.stdout).toMatch(/^price:\s+3 OCEAN.* → 2\.5 OCEAN/m)
    expect(changed.code, changed.stderr).toBe(0)
    expect(JSON.parse(changed.stdout).dataset.policy).toMatchObject({ maxEpochs: 10 })
    expect(notOwner.code).toBe(4)
  }, 300_000)

  test('default: collect after a purchase; schema while no job depends on it', async () => {
    await buyer.buyAccess({ dataset })
    await writeFile(join(work, 'schema.json'), JSON.stringify(schema))
    const [collect, schemaFree] = await Promise.all([cli(['collect', dataset, '--account', 'owner']), cli(['schema', dataset, '--file', 'schema.json', '--account', 'owner'])])
    expect(collect.code, collect.stderr).toBe(0)
    expect(collect.stdout).toMatch(/^collected: 2\.5 OCEAN from "CLI market"/m)
    expect(schemaFree.code, schemaFree.stderr).toBe(0)
    const again = await cli(['collect', dataset, '--account', 'owner'])
    expect(again.stdout).toMatch(/^nothing waits on the exchange of 0x/m)
  }, 300_000)

  test('default: unpublish closes the sale, republish reopens it at the same price', async () => {
    const unpublished = await cli(['unpublish', dataset, '--account', 'owner'])
    expect(unpublished.code, unpublished.stderr).toBe(0)
    expect(unpublished.stdout).toMatch(/^sales closed: 0x/m)
    expect(await getDatatokenPrice(owner.public, { datatoken: dataset })).toEqual({ type: 'not-for-sale' })
    const republished = await cli(['republish', dataset, '--account', 'owner'])
    expect(republished.code, republished.stderr).toBe(0)
    expect(republished.stdout).toMatch(/^price: 2\.5 OCEAN/m)
  }, 300_000)

  test('default: revoke closes the sale; buy and price refused after, and datasets no longer lists it', async () => {
    const revoked = await cli(['revoke', dataset, '--account', 'owner'])
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(revoked.stdout).toMatch(/^sales closed: exchange 0x/m)
    expect(revoked.stdout).toMatch(/buyers are not refunded/)
    const [refused, listed, price] = await Promise.all([cli(['buy', dataset, '--account', 'buyer', '--json']), cli(['datasets', '--json']), cli(['price', dataset, '1', '--account', 'owner'])])
    expect(refused.code).toBe(4)
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'DATASET_REVOKED' })
    expect(listed.code, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout).datasets.map((entry: { id: string }) => entry.id)).not.toContain(dataset)
    expect(price.code).toBe(4)
  }, 300_000)
})
