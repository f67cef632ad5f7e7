// Jobs on DAO pools, on the real stack: three owners' datasets in a pool, a buyer orders the pool's
// datatoken and trains one model over every current member's data; the receipt names each member's
// rows, each member's privacy budget is charged, owners see the pool jobs that read their data.
import { type Address, type Hex, createPublicClient, http, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  type CreatePoolReturnType,
  buyDatatoken,
  claimPoolRevenue,
  createDataVaultClient,
  createPool,
  getPrivacyUsage,
  getProviderFee,
  getReceipt,
  leavePool,
  listDatasetJobs,
  listReceipts,
  poolEarnings,
  poolKeyEscrowDigest,
  registerPool,
  startOrder,
  submitJob,
  waitForJob,
} from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
let pool: CreatePoolReturnType
type Party = ReturnType<TestStack['party']>
let members: Party[]
const published: { datatoken: Address; cid: string }[] = []
// Rows declared, so the columns carry the bounds differential privacy scales by.
const schemaOf = (rows: number) => healthSchema('binary', { rows })
const dp = { noiseMultiplier: 1.1, maxGradNorm: 1, delta: 1e-5 }

beforeAll(async () => {
  t = await startTestStack()
  members = [t.owner, t.party('spare', 1), t.party('spare', 2)]
  for (const [index, member] of members.entries()) {
    // The first member's own policy carries a privacy budget: pool jobs must charge it.
    const policy = index === 0 ? { trainers: ['logistic-regression'], privacyBudget: { epsilon: 40, delta: 1e-3 } } : { trainers: ['logistic-regression'] }
    const rows = 200 + 50 * index
    published.push(await t.publish({ csv: healthCsv({ rows, seed: 30 + index }), schema: schemaOf(rows), policy, name: `member ${index}`, as: member }))
  }
  const keys = t.stack.node.components.keys as unknown as { manifest(id: string): { holders: Address[]; threshold: number } }
  pool = await createPool(t.party('spare', 3).wallet, {
    addresses: t.addresses,
    name: 'Heart pool',
    symbol: 'DV-HP',
    price: parseEther('3'),
    keyHolders: { addresses: [t.stack.nodeAddress], threshold: 1 },
    policy: { trainers: ['logistic-regression'] },
    governance: { votingDelay: 1, votingPeriod: 6, quorumPercent: 20, timelockDelaySeconds: 60n },
    founders: members.map((member, index) => ({
      client: member.wallet,
      contribution: {
        datatoken: published[index]!.datatoken,
        cid: published[index]!.cid,
        keyEscrow: poolKeyEscrowDigest({ dataset: published[index]!.datatoken, cid: published[index]!.cid, ...keys.manifest(published[index]!.datatoken.toLowerCase()) }),
        rows: BigInt(200 + 50 * index),
      },
    })),
  })
})
afterAll(async () => {
  await t?.stop()
})

async function orderPool(): Promise<Hex> {
  await buyDatatoken(t.buyer.wallet, { addresses: t.addresses, datatoken: pool.datatoken, exchangeId: pool.exchangeId, amount: parseEther('1') })
  const providerFee = await getProviderFee(t.buyer.vault, { dataset: pool.datatoken, consumer: t.buyer.account.address })
  return (await startOrder(t.buyer.wallet, { datatoken: pool.datatoken, consumer: t.buyer.account.address, providerFee })).txHash
}

describe('jobs on pools', () => {
  test('default: the pool is listed like a dataset; one job trains on all three members and its receipt names each one\'s rows', async () => {
    const listed = await registerPool(t.stranger.vault, { pool: pool.pool, name: 'Heart pool' })
    expect(listed).toMatchObject({ id: pool.datatoken.toLowerCase(), pool: pool.pool.toLowerCase(), keyEscrowed: true, schema: { columns: schemaOf(200).columns } })

    const orderTx = await orderPool()
    const job = await submitJob(t.buyer.vault, { dataset: pool.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5, dp }, orderTx })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.failure).toBeUndefined()
    expect(done.state).toBe('finished')
    const receipt = await getReceipt(t.buyer.vault, { id: job.id })
    expect(receipt.message).toMatchObject({
      dataset: pool.datatoken.toLowerCase(),
      datasetIds: published.map((dataset) => dataset.datatoken.toLowerCase()),
      datasetCids: published.map((dataset) => dataset.cid),
      datasetRows: ['200', '250', '300'],
    })

    // The member with a budget paid for it; the others have none to charge.
    const charged = await getPrivacyUsage(t.buyer.vault, { dataset: published[0]!.datatoken })
    expect(charged.spent.epsilon).toBeGreaterThan(0)
    expect(charged.reserved.epsilon).toBe(0)
    expect((await getPrivacyUsage(t.buyer.vault, { dataset: published[1]!.datatoken })).budget).toBeNull()

    // Each owner sees the pool job that read their dataset, with the rows it read.
    const seen = await listDatasetJobs(members[1]!.vault, { dataset: published[1]!.datatoken })
    expect(seen.find((entry) => entry.id === job.id)).toMatchObject({ dataset: pool.datatoken.toLowerCase(), rows: 250 })
    // …and its receipt, verified; a stranger gets neither.
    expect((await getReceipt(members[1]!.vault, { id: job.id })).hash).toBe(receipt.hash)
    expect((await listReceipts(members[2]!.vault, { dataset: published[2]!.datatoken })).map((entry) => entry.hash)).toContain(receipt.hash)
    await expect(getReceipt(t.stranger.vault, { id: job.id })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })
  })

  test('error: a trainer the pool did not approve, and a job without DP while a member has a budget, are refused before the order is used', async () => {
    const orderTx = await orderPool()
    const refused = (params: Record<string, unknown>, trainer = 'linear-regression') =>
      submitJob(t.buyer.vault, { dataset: pool.datatoken, trainer: { id: trainer }, params, orderTx }).then(
        () => undefined,
        (error: { code: string }) => error.code,
      )
    expect(await refused({ label: 'age', epochs: 5 })).toBe('POLICY_TRAINER_DENIED')
    expect(await refused({ label: 'risk', epochs: 5 }, 'logistic-regression')).toBe('PRIVACY_REQUIRED')
    // The order is still good.
    const job = await submitJob(t.buyer.vault, { dataset: pool.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5, dp }, orderTx })
    expect((await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })).state).toBe('finished')
  })

  test('behavior: a member who left is not read by new jobs; past receipts keep their rows', async () => {
    await leavePool(members[2]!.wallet, { pool: pool.pool })
    const orderTx = await orderPool()
    const job = await submitJob(t.buyer.vault, { dataset: pool.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5, dp }, orderTx })
    expect((await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })).state).toBe('finished')
    const receipt = await getReceipt(t.buyer.vault, { id: job.id })
    expect(receipt.message.datasetIds).toEqual(published.slice(0, 2).map((dataset) => dataset.datatoken.toLowerCase()))
    expect(receipt.message.datasetRows).toEqual(['200', '250'])
    expect((await listDatasetJobs(members[2]!.vault, { dataset: published[2]!.datatoken })).filter((entry) => entry.dataset === pool.datatoken.toLowerCase())).toHaveLength(2)
  })

  test('behavior: a member who rotated their key stays in the pool: the job reads the new ciphertext', async () => {
    const owner = createDataVaultClient({ node: t.stack.vaultUrl, chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId }, account: members[0]!.account, addresses: t.addresses })
    const rotated = await owner.rotateDatasetKey({ dataset: published[0]!.datatoken, data: healthCsv({ rows: 200, seed: 30 }) })
    const orderTx = await orderPool()
    const job = await submitJob(t.buyer.vault, { dataset: pool.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5, dp }, orderTx })
    expect((await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })).state).toBe('finished')
    expect((await getReceipt(t.buyer.vault, { id: job.id })).message.datasetCids).toEqual([rotated.cid, published[1]!.cid])
  })

  test('behavior: members see what the pool earned them: claimed by one, still claimable by the others', async () => {
    const { claims } = await claimPoolRevenue(members[0]!.wallet, { pool: pool.pool })
    expect(claims.length).toBeGreaterThan(0)
    const client = createPublicClient({ transport: http(t.stack.rpcUrl) })
    const [first] = await poolEarnings(client, { pools: [pool.pool], account: members[0]!.account.address })
    expect(first?.claimed[0]?.amount).toBe(claims.reduce((total, claim) => total + claim.amount, 0n))
    expect(first?.claimable).toEqual([])
    const [second] = await poolEarnings(client, { pools: [pool.pool], account: members[1]!.account.address })
    expect(second?.claimed).toEqual([])
    expect(second?.claimable[0]?.amount).toBeGreaterThan(0n)
  })
})
