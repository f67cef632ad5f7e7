// The SDK's pool actions against a real Hardhat 3 EDR chain with Ocean's contracts and our pool
// contracts: a pool is created with founders, owners join (directly and by relayed consent), members
// propose, vote and execute through the timelock, a buyer buys and orders the pool's datatoken,
// members claim, leave and still claim what was theirs. One chain for the file.
import { type Account, type Address, type Chain, createPublicClient, createTestClient, createWalletClient, http, keccak256, parseEther, type PublicClient, stringToHex, type TestClient, type Transport, type WalletClient } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import type { OceanAddresses } from '@datavault/contracts'
import { deployOcean, type LocalChain, startLocalChain } from '@datavault/contracts-devkit'
import { oceanTokenAbi } from '@datavault/contracts/abis'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buyDatatoken } from '../actions/chain/buyDatatoken.ts'
import { getTokenBalance } from '../actions/chain/getTokenBalance.ts'
import { publishDatatoken } from '../actions/chain/publishDatatoken.ts'
import { signProviderFee } from '../chain/signProviderFee.ts'
import { startOrder } from '../actions/chain/startOrder.ts'
import { claimPoolRevenue } from '../actions/pool/claimPoolRevenue.ts'
import { type CreatePoolReturnType, createPool } from '../actions/pool/createPool.ts'
import { executePool } from '../actions/pool/executePool.ts'
import { getPool } from '../actions/pool/getPool.ts'
import { getPoolProposals } from '../actions/pool/getPoolProposals.ts'
import { isPoolBuyerAllowed } from '../actions/pool/isPoolBuyerAllowed.ts'
import { isPoolTrainerApproved } from '../actions/pool/isPoolTrainerApproved.ts'
import { joinPool } from '../actions/pool/joinPool.ts'
import { leavePool } from '../actions/pool/leavePool.ts'
import { poolMembers } from '../actions/pool/poolMembers.ts'
import { computePolicyFromPoolLimits } from './poolPolicy.ts'
import { proposePool } from '../actions/pool/proposePool.ts'
import { signPoolConsent } from '../actions/pool/signPoolConsent.ts'
import { votePool } from '../actions/pool/votePool.ts'
import { poolTrainerId } from './index.ts'

type Wallet = WalletClient<Transport, Chain | undefined, Account>
const names = ['deployer', 'alice', 'bob', 'carol', 'dave', 'buyer', 'node', 'relayer', 'mallory'] as const
type Name = (typeof names)[number]

const share = 10n ** 18n
const pinnedTrainerHash = `0x${'ab'.repeat(32)}` as const
const customAlgorithm = keccak256(stringToHex('custom program v1'))
let chain: LocalChain
let addresses: OceanAddresses
let publicClient: PublicClient
let testClient: TestClient
let accounts: Record<Name, PrivateKeyAccount>
let wallets: Record<Name, Wallet>
let pool: CreatePoolReturnType
const datasets = {} as Record<'alice' | 'bob' | 'carol' | 'dave', { datatoken: Address; cid: string; keyEscrow: `0x${string}`; rows: bigint }>
const gas: Record<string, bigint> = {}

const contribution = (name: keyof typeof datasets) => datasets[name]

beforeAll(async () => {
  chain = await startLocalChain()
  accounts = Object.fromEntries(names.map((name, index) => [name, privateKeyToAccount(chain.accounts[index]!.privateKey)])) as Record<Name, PrivateKeyAccount>
  wallets = Object.fromEntries(names.map((name) => [name, createWalletClient({ account: accounts[name], transport: http(chain.rpcUrl) })])) as Record<Name, Wallet>
  // cacheTime 0: viem caches the block number for 4 s by default, and this file mines blocks.
  publicClient = createPublicClient({ transport: http(chain.rpcUrl), cacheTime: 0 })
  testClient = createTestClient({ mode: 'hardhat', transport: http(chain.rpcUrl) })
  ;({ addresses } = await deployOcean(wallets.deployer))
  await publicClient.waitForTransactionReceipt({
    hash: await wallets.deployer.writeContract({ address: addresses.Ocean, abi: oceanTokenAbi, functionName: 'mint', args: [accounts.buyer.address, parseEther('1000')], chain: null }),
  })
  const rows = { alice: 3000n, bob: 1000n, carol: 500n, dave: 200n }
  for (const name of ['alice', 'bob', 'carol', 'dave'] as const) {
    const { datatoken } = await publishDatatoken(wallets[name], { addresses, name: `${name}'s heart rate`, symbol: `DV-${name.toUpperCase()}`, unpriced: true })
    datasets[name] = { datatoken, cid: `bafybeig${name}heartrate`, keyEscrow: keccak256(stringToHex(`escrow:${name}`)), rows: rows[name] }
  }
  pool = await createPool(wallets.deployer, {
    addresses,
    name: 'Heart-rate pool',
    symbol: 'DV-HRP',
    price: parseEther('10'),
    keyHolders: { addresses: [accounts.node.address], threshold: 1 },
    policy: { trainers: ['logistic-regression'], minRows: 1000, privacyBudget: { epsilon: 8, delta: 1e-5 } },
    governance: { votingDelay: 1, votingPeriod: 6, quorumPercent: 20, timelockDelaySeconds: 60n },
    founders: [
      { client: wallets.alice, contribution: contribution('alice') },
      { client: wallets.bob, contribution: contribution('bob') },
    ],
  })
  gas.createPool = Object.values(pool.gasUsed).reduce((sum, used) => sum + used, 0n)
})

afterAll(async () => {
  console.info(`pool actions (gas used): ${Object.entries(gas).map(([step, used]) => `${step} ${used}`).join(', ')}`)
  await chain?.stop()
})

const mineTo = async (block: bigint) => {
  const now = await publicClient.getBlockNumber()
  if (now < block) await testClient.mine({ blocks: Number(block - now) })
}

describe('createPool', () => {
  test('default', async () => {
    const status = await getPool(publicClient, { pool: pool.pool })
    expect(status).toMatchObject({
      pool: pool.pool,
      governor: pool.governor,
      revenue: pool.revenue,
      datatoken: pool.datatoken,
      name: 'Heart-rate pool',
      symbol: 'DV-HRP',
      setupComplete: true,
      memberCount: 2n,
      datasetCount: 2n,
      buyerAllowListEnabled: false,
      keyHolders: { addresses: [accounts.node.address], threshold: 1, epoch: 1 },
      governance: { votingDelay: 1n, votingPeriod: 6n, proposalThreshold: 1n, quorumPercent: 20n, timelockDelaySeconds: 60n },
      shares: { symbol: 'DV-HRP-SH', totalSupply: 4000n * share },
      approvedTrainers: [poolTrainerId('logistic-regression')],
      approvedAlgorithms: [],
    })
    expect(status.sale).toMatchObject({ baseToken: addresses.Ocean, baseTokenSymbol: 'OCEAN', price: parseEther('10'), active: true })
    // The policy's limits went on chain and read back as the same policy fields.
    expect(computePolicyFromPoolLimits(status.limits)).toEqual({
      maxEpochs: 200,
      maxWallTimeSeconds: 600,
      maxMemoryMb: 1024,
      rawDownload: false,
      maxOutputBytes: 64 * 1024 * 1024,
      onViolation: 'retry',
      minRows: 1000,
      privacyBudget: { epsilon: 8, delta: 1e-5 },
    })
  })

  test('error: a policy that is not a compute policy sends nothing', async () => {
    const before = await publicClient.getTransactionCount({ address: accounts.deployer.address })
    await expect(
      createPool(wallets.deployer, { ...poolParameters(), policy: { trainers: ['Not A Trainer!'] } }),
    ).rejects.toMatchObject({ name: 'ChainArgumentError', code: 'CHAIN_INVALID_ARGUMENT' })
    expect(await publicClient.getTransactionCount({ address: accounts.deployer.address })).toBe(before)
  })
})

function poolParameters() {
  return { addresses, name: 'Another pool', symbol: 'DV-AP', price: parseEther('1'), keyHolders: { addresses: [accounts.node.address], threshold: 1 } }
}

describe('joinPool', () => {
  test('default: the owner joins; the dataset waits for the members', async () => {
    const joined = await joinPool(wallets.carol, { pool: pool.pool, contribution: contribution('carol') })
    gas.joinPool = joined.gasUsed
    expect(joined).toMatchObject({ member: accounts.carol.address, status: 'pending', shares: 0n })
  })

  test('behavior: an owner signs a consent and someone else relays it', async () => {
    const consent = await signPoolConsent(wallets.dave, { pool: pool.pool, contribution: contribution('dave') })
    expect(consent.member).toBe(accounts.dave.address)
    const joined = await joinPool(wallets.relayer, { pool: pool.pool, contribution: contribution('dave'), consent })
    gas['joinPool (relayed consent)'] = joined.gasUsed
    expect(joined).toMatchObject({ member: accounts.dave.address, status: 'pending' })
    // Spent: the same consent cannot be relayed again.
    await expect(joinPool(wallets.relayer, { pool: pool.pool, contribution: contribution('dave'), consent })).rejects.toMatchObject({ name: 'ChainTransactionError', reason: 'InvalidConsent' })
  })

  test('error: someone else’s dataset, or a malformed contribution', async () => {
    await expect(joinPool(wallets.mallory, { pool: pool.pool, contribution: contribution('alice') })).rejects.toMatchObject({
      name: 'ChainTransactionError',
      code: 'CHAIN_TRANSACTION_REVERTED',
      reason: 'NotDatasetOwner',
    })
    await expect(joinPool(wallets.carol, { pool: pool.pool, contribution: { ...contribution('carol'), cid: '' } })).rejects.toMatchObject({ name: 'ChainArgumentError' })
    await expect(joinPool(wallets.carol, { pool: pool.pool, contribution: { ...contribution('carol'), keyEscrow: `0x${'00'.repeat(32)}` } })).rejects.toMatchObject({ name: 'ChainArgumentError' })
    await expect(signPoolConsent(wallets.dave, { pool: pool.pool, contribution: contribution('dave'), deadline: 1n })).rejects.toMatchObject({ name: 'ChainArgumentError' })
  })
})

describe('proposePool, votePool, executePool', () => {
  let proposalId: bigint

  test('default: members admit datasets and change the policy, price and buyers through the timelock', async () => {
    const proposed = await proposePool(wallets.alice, {
      pool: pool.pool,
      description: 'Admit Carol and Dave; allow the MLP; price 12 OCEAN; buyers by invitation',
      actions: [
        { type: 'acceptDataset', datatoken: datasets.carol.datatoken },
        { type: 'acceptDataset', datatoken: datasets.dave.datatoken, shares: 50n * share },
        { type: 'approveTrainer', trainer: 'mlp-classifier' },
        { type: 'approveTrainer', trainer: `linear-regression@${pinnedTrainerHash.slice(2)}` },
        { type: 'approveAlgorithm', algorithmHash: customAlgorithm },
        { type: 'setPrice', price: parseEther('12') },
        { type: 'setBuyerAllowList', enabled: true },
        { type: 'allowBuyer', buyer: accounts.buyer.address },
        { type: 'setQuorum', percent: 30 },
      ],
    })
    proposalId = proposed.proposalId
    gas.proposePool = proposed.gasUsed
    await expect(executePool(wallets.bob, { pool: pool.pool, proposalId })).rejects.toMatchObject({ name: 'PoolProposalStateError', code: 'POOL_PROPOSAL_STATE', state: 'pending' })
    await mineTo(proposed.voteStart + 1n)
    const vote = await votePool(wallets.alice, { pool: pool.pool, proposalId, support: 'for', reason: 'more data, better models' })
    gas.votePool = vote.gasUsed
    expect(vote.weight).toBe(3000n * share)
    expect((await votePool(wallets.bob, { pool: pool.pool, proposalId, support: 'against' })).weight).toBe(1000n * share)
    await expect(executePool(wallets.bob, { pool: pool.pool, proposalId })).rejects.toMatchObject({ name: 'PoolProposalStateError', state: 'active' })
    await mineTo(proposed.voteEnd + 1n)

    const queued = await executePool(wallets.bob, { pool: pool.pool, proposalId })
    expect(queued.status).toBe('queued')
    await expect(executePool(wallets.bob, { pool: pool.pool, proposalId })).rejects.toMatchObject({ name: 'PoolProposalNotReadyError', code: 'POOL_PROPOSAL_NOT_READY', readyAt: queued.readyAt })
    await testClient.increaseTime({ seconds: 61 })
    await testClient.mine({ blocks: 1 })
    const executed = await executePool(wallets.carol, { pool: pool.pool, proposalId }) // anyone runs it
    gas['executePool (queue + execute)'] = queued.gasUsed + executed.gasUsed
    expect(executed.status).toBe('executed')

    const status = await getPool(publicClient, { pool: pool.pool })
    expect(status.sale?.price).toBe(parseEther('12'))
    expect(status.governance.quorumPercent).toBe(30n)
    expect(status.buyerAllowListEnabled).toBe(true)
    expect(status.memberCount).toBe(4n)
    expect(status.approvedTrainers).toHaveLength(3)
    expect(status.approvedAlgorithms).toEqual([customAlgorithm])
    const [proposal] = await getPoolProposals(publicClient, { pool: pool.pool, proposalId })
    expect(proposal).toMatchObject({ state: 'executed', votes: { for: 3000n * share, against: 1000n * share, abstain: 0n }, proposer: accounts.alice.address })
    expect(proposal?.decoded.map((call) => call.functionName)).toEqual([
      'acceptDataset',
      'acceptDataset',
      'setTrainerApproval',
      'setTrainerApproval',
      'setAlgorithmApproval',
      'setPrice',
      'setBuyerAllowListEnabled',
      'setBuyerAllowed',
      'updateQuorumNumerator',
    ])
  })

  test('error: a vote without shares, a second vote, a proposal that ran or never was', async () => {
    const { proposalId: next, voteStart } = await proposePool(wallets.bob, { pool: pool.pool, description: 'Revoke the MLP', actions: [{ type: 'revokeTrainer', trainer: 'mlp-classifier' }] })
    await mineTo(voteStart + 1n)
    await expect(votePool(wallets.mallory, { pool: pool.pool, proposalId: next, support: 'for' })).rejects.toMatchObject({ name: 'ChainTransactionError', reason: 'PoolGovernorNoVotingPower' })
    await votePool(wallets.bob, { pool: pool.pool, proposalId: next, support: 'for' })
    await expect(votePool(wallets.bob, { pool: pool.pool, proposalId: next, support: 'for' })).rejects.toMatchObject({ name: 'ChainTransactionError', reason: 'GovernorAlreadyCastVote' })
    await expect(executePool(wallets.bob, { pool: pool.pool, proposalId })).rejects.toMatchObject({ name: 'PoolProposalStateError', state: 'executed' })
    await expect(executePool(wallets.bob, { pool: pool.pool, proposalId: 12345n })).rejects.toMatchObject({ name: 'PoolProposalNotFoundError', code: 'POOL_PROPOSAL_NOT_FOUND' })
    await expect(proposePool(wallets.bob, { pool: pool.pool, description: ' ', actions: [{ type: 'setSaleActive', active: false }] })).rejects.toMatchObject({ name: 'ChainArgumentError' })
    await expect(proposePool(wallets.bob, { pool: pool.pool, description: 'Nothing', actions: [] })).rejects.toMatchObject({ name: 'ChainArgumentError' })
    await expect(proposePool(wallets.mallory, { pool: pool.pool, description: 'Mallory’s', actions: [{ type: 'setSaleActive', active: false }] })).rejects.toMatchObject({
      name: 'ChainTransactionError',
      reason: 'GovernorInsufficientProposerVotes',
    })
  })
})

describe('pool readers', () => {
  test('default: isPoolTrainerApproved by id, pinned bundle and custom algorithm', async () => {
    const approved = (parameters: Parameters<typeof isPoolTrainerApproved>[1]) => isPoolTrainerApproved(publicClient, parameters)
    expect(await approved({ pool: pool.pool, trainer: 'logistic-regression' })).toBe(true)
    expect(await approved({ pool: pool.pool, trainer: 'logistic-regression', trainerHash: `0x${'cd'.repeat(32)}` })).toBe(true) // any version
    expect(await approved({ pool: pool.pool, trainer: 'mlp-classifier' })).toBe(true)
    expect(await approved({ pool: pool.pool, trainer: 'linear-regression' })).toBe(false) // only one bundle is
    expect(await approved({ pool: pool.pool, trainer: 'linear-regression', trainerHash: pinnedTrainerHash })).toBe(true)
    expect(await approved({ pool: pool.pool, trainer: `linear-regression@${'cd'.repeat(32)}` })).toBe(false)
    expect(await approved({ pool: pool.pool, algorithmHash: customAlgorithm })).toBe(true)
    expect(await approved({ pool: pool.pool, algorithmHash: keccak256(stringToHex('other')) })).toBe(false)
    await expect(approved({ pool: pool.pool, trainer: 'x@nothex' })).rejects.toMatchObject({ name: 'ChainArgumentError' })
  })

  test('behavior: isPoolBuyerAllowed follows the allow-list', async () => {
    expect(await isPoolBuyerAllowed(publicClient, { pool: pool.pool, buyer: accounts.buyer.address })).toBe(true)
    expect(await isPoolBuyerAllowed(publicClient, { pool: pool.pool, buyer: accounts.mallory.address })).toBe(false)
  })

  test('behavior: poolMembers lists what new jobs may use, with ids, CIDs, escrows and weights', async () => {
    const members = await poolMembers(publicClient, { pool: pool.pool, pageSize: 3 })
    expect(members.map(({ member, shares }) => [member, shares])).toEqual([
      [accounts.alice.address, 3000n * share],
      [accounts.bob.address, 1000n * share],
      [accounts.carol.address, 500n * share],
      [accounts.dave.address, 50n * share],
    ])
    expect(members[2]?.datasets).toEqual([
      expect.objectContaining({ datatoken: datasets.carol.datatoken, cid: datasets.carol.cid, keyEscrow: datasets.carol.keyEscrow, rows: 500n, shares: 500n * share, status: 'active', keyHoldersEpoch: 1 }),
    ])
  })
})

describe('claimPoolRevenue', () => {
  test('default: a buyer’s purchase and order are shared among the members by their shares', async () => {
    await buyDatatoken(wallets.buyer, { addresses, datatoken: pool.datatoken })
    const providerFee = await signProviderFee(accounts.node, { validUntil: BigInt(Math.floor(Date.now() / 1000) + 3600) })
    await startOrder(wallets.buyer, { datatoken: pool.datatoken, consumer: accounts.buyer.address, providerFee })
    const before = await getTokenBalance(publicClient, { token: addresses.Ocean, owner: accounts.alice.address })
    const claimed = await claimPoolRevenue(wallets.alice, { pool: pool.pool, distribute: [pool.datatoken] })
    gas['claimPoolRevenue (collect + distribute + claimMany)'] = claimed.gasUsed
    const total = 4550n
    expect(claimed.distributionTxHashes).toHaveLength(2)
    expect(claimed.claims).toEqual([
      { distributionId: 0n, token: addresses.Ocean, amount: (parseEther('12') * 3000n) / total },
      { distributionId: 1n, token: pool.datatoken, amount: (parseEther('0.97') * 3000n) / total },
    ])
    expect(await getTokenBalance(publicClient, { token: addresses.Ocean, owner: accounts.alice.address })).toBe(before + (parseEther('12') * 3000n) / total)
    // Nothing new: no transaction at all.
    expect(await claimPoolRevenue(wallets.alice, { pool: pool.pool })).toEqual({ claims: [], txHash: undefined, distributionTxHashes: [], gasUsed: 0n })
    const status = await getPool(publicClient, { pool: pool.pool, account: accounts.bob.address })
    expect(status.account?.claimable).toEqual([
      { distributionId: 0n, token: addresses.Ocean, amount: (parseEther('12') * 1000n) / total },
      { distributionId: 1n, token: pool.datatoken, amount: (parseEther('0.97') * 1000n) / total },
    ])
  })
})

describe('leavePool', () => {
  test('default: a member leaves; its datasets leave the job list; what it earned stays claimable', async () => {
    const left = await leavePool(wallets.dave, { pool: pool.pool })
    gas.leavePool = left.gasUsed
    expect(left.sharesBurned).toBe(50n * share)
    expect((await poolMembers(publicClient, { pool: pool.pool })).map(({ member }) => member)).not.toContain(accounts.dave.address)
    const all = await poolMembers(publicClient, { pool: pool.pool, includeInactive: true })
    expect(all.find(({ member }) => member === accounts.dave.address)?.datasets[0]?.status).toBe('withdrawn')
    const { claims } = await claimPoolRevenue(wallets.dave, { pool: pool.pool, collect: false })
    expect(claims.map(({ distributionId }) => distributionId)).toEqual([0n, 1n])
    await expect(leavePool(wallets.dave, { pool: pool.pool })).rejects.toMatchObject({ name: 'ChainTransactionError', reason: 'NotMember' })
  })

  test('behavior: a member withdraws one dataset', async () => {
    const withdrawn = await leavePool(wallets.carol, { pool: pool.pool, datatoken: datasets.carol.datatoken })
    expect(withdrawn.sharesBurned).toBe(500n * share)
    const status = await getPool(publicClient, { pool: pool.pool, account: accounts.carol.address })
    expect(status.account).toMatchObject({ shares: 0n, activeDatasets: 0, pendingDatasets: 0 })
    expect(status.memberCount).toBe(2n)
  })
})
