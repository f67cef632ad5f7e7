// deployPool against the real chain: what it wires, the setup hand-over and its on-chain checks.
import { type Address, parseEther, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { erc20TemplateAbi } from '@datavault/contracts/abis'
import { erc721TemplateAbi } from '@datavault/contracts/abis'
import { fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { poolGovernorAbi } from '@datavault/contracts/abis'
import { poolRevenueAbi } from '@datavault/contracts/abis'
import { poolShareTokenAbi } from '@datavault/contracts/abis'
import { poolTimelockAbi } from '@datavault/contracts/abis'
import { poolTrainerId } from '@datavault/contracts/pool'
import { completePoolSetup, type DeployPoolParameters, type DeployPoolReturnType, deployPool, poolTimelockRoles } from '@datavault/contracts/pool'
import { contributionFor, type PoolTestChain, poolWrite, printGasTable, publishMemberDataset, revertName, startPoolTestChain } from './pool-fixture.ts'

let t: PoolTestChain
let deployed: DeployPoolReturnType
let base: DeployPoolParameters
let aliceDataset: { datatoken: Address }

beforeAll(async () => {
  t = await startPoolTestChain()
  aliceDataset = await publishMemberDataset(t, t.wallets.alice)
  base = {
    addresses: t.addresses,
    name: 'Heart-rate pool',
    symbol: 'DV-HRP',
    price: parseEther('10'),
    keyHolders: { addresses: [t.accounts.keyHolder.address, t.accounts.node.address], threshold: 2 },
    trainers: ['logistic-regression'],
    algorithms: [`0x${'ab'.repeat(32)}`],
    allowedBuyers: [t.accounts.buyer.address],
    governance: { votingDelay: 1, votingPeriod: 10, quorumPercent: 20, timelockDelaySeconds: 60n },
  }
  deployed = await deployPool(t.wallets.deployer, { ...base, founders: [{ client: t.wallets.alice, contribution: contributionFor(aliceDataset.datatoken, 1500n) }] })
})

afterAll(async () => {
  if (deployed) {
    console.info(`deployPool ${deployed.durationMs} ms, ${Object.values(deployed.gasUsed).reduce((sum, used) => sum + used, 0n)} gas in all`)
    printGasTable('deployPool steps', deployed.gasUsed)
  }
  await t?.stop()
})

const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[] = []): Promise<T> =>
  t.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>

describe('deployPool', () => {
  test('default', async () => {
    const { pool, shareToken, revenue, governor, timelock, nft, datatoken, exchangeId } = deployed
    expect(deployed.setupComplete).toBe(true)
    expect(deployed.chainId).toBe(8996)
    expect(await read(pool, dataPoolAbi, 'setupComplete')).toBe(true)
    expect(await read(pool, dataPoolAbi, 'setupAdmin')).toBe(zeroAddress)
    expect(await read(pool, dataPoolAbi, 'shareToken')).toBe(shareToken)
    expect(await read(pool, dataPoolAbi, 'revenue')).toBe(revenue)
    expect(await read(pool, dataPoolAbi, 'governor')).toBe(governor)
    expect(await read(pool, dataPoolAbi, 'timelock')).toBe(timelock)
    expect(await read(pool, dataPoolAbi, 'datatoken')).toBe(datatoken)
    expect(await read(pool, dataPoolAbi, 'exchangeId')).toBe(exchangeId)
    expect(await read(shareToken, poolShareTokenAbi, 'pool')).toBe(pool)
    expect(await read(shareToken, poolShareTokenAbi, 'symbol')).toBe('DV-HRP-SH')
    expect(await read(revenue, poolRevenueAbi, 'pool')).toBe(pool)
    expect(await read(governor, poolGovernorAbi, 'token')).toBe(shareToken)
    expect(await read(governor, poolGovernorAbi, 'timelock')).toBe(timelock)
    expect(await read(governor, poolGovernorAbi, 'name')).toBe('Heart-rate pool')
  })

  test('behavior: the pool owns the data NFT, PoolRevenue collects, the exchange sells at the price', async () => {
    const { pool, revenue, nft, datatoken, exchangeId } = deployed
    expect(await read(nft, erc721TemplateAbi, 'ownerOf', [1n])).toBe(pool)
    expect(await read(datatoken, erc20TemplateAbi, 'getERC721Address')).toBe(nft)
    expect(await read(datatoken, erc20TemplateAbi, 'getPaymentCollector')).toBe(revenue)
    const exchange = await read<readonly unknown[]>(t.addresses.FixedPrice, fixedRateExchangeAbi, 'getExchange', [exchangeId])
    expect(exchange[0]).toBe(pool) // exchange owner
    expect(exchange[1]).toBe(datatoken)
    expect(exchange[3]).toBe(t.addresses.Ocean)
    expect(exchange[5]).toBe(parseEther('10')) // rate, 18-decimal base token
    expect(exchange[6]).toBe(true) // active
    expect(exchange[11]).toBe(true) // withMint
  })

  test('behavior: only the governor proposes, cancels and executes; nobody else administers the timelock', async () => {
    const { timelock, governor } = deployed
    const hasRole = (role: `0x${string}`, account: Address) => read<boolean>(timelock, poolTimelockAbi, 'hasRole', [role, account])
    expect(await hasRole(poolTimelockRoles.proposer, governor)).toBe(true)
    expect(await hasRole(poolTimelockRoles.canceller, governor)).toBe(true)
    expect(await hasRole(poolTimelockRoles.executor, governor)).toBe(true)
    expect(await hasRole(poolTimelockRoles.admin, t.accounts.deployer.address)).toBe(false)
    expect(await hasRole(poolTimelockRoles.proposer, t.accounts.deployer.address)).toBe(false)
    expect(await hasRole(poolTimelockRoles.executor, zeroAddress)).toBe(false) // not open to anyone
    expect(await hasRole(poolTimelockRoles.admin, timelock)).toBe(true)
    expect(await read(timelock, poolTimelockAbi, 'getMinDelay')).toBe(60n)
  })

  test('behavior: governance settings, policy and key holders as given', async () => {
    const { pool, governor } = deployed
    expect(await read(governor, poolGovernorAbi, 'votingDelay')).toBe(1n)
    expect(await read(governor, poolGovernorAbi, 'votingPeriod')).toBe(10n)
    expect(await read(governor, poolGovernorAbi, 'quorumNumerator')).toBe(20n)
    expect(await read(governor, poolGovernorAbi, 'proposalThreshold')).toBe(1n)
    expect(await read(governor, poolGovernorAbi, 'CLOCK_MODE')).toBe('mode=blocknumber&from=default')
    expect(await read(pool, dataPoolAbi, 'isTrainerApproved', [poolTrainerId('logistic-regression')])).toBe(true)
    expect(await read(pool, dataPoolAbi, 'isTrainerApproved', [poolTrainerId('mlp-classifier')])).toBe(false)
    expect(await read(pool, dataPoolAbi, 'isAlgorithmApproved', [`0x${'ab'.repeat(32)}`])).toBe(true)
    expect(await read(pool, dataPoolAbi, 'buyerAllowListEnabled')).toBe(true)
    expect(await read(pool, dataPoolAbi, 'isBuyerAllowed', [t.accounts.buyer.address])).toBe(true)
    expect(await read(pool, dataPoolAbi, 'isBuyerAllowed', [t.accounts.mallory.address])).toBe(false)
    expect(await read(pool, dataPoolAbi, 'keyHolders')).toEqual([t.accounts.keyHolder.address, t.accounts.node.address])
    expect(await read(pool, dataPoolAbi, 'keyHolderThreshold')).toBe(2)
    expect(await read(pool, dataPoolAbi, 'keyHoldersEpoch')).toBe(1)
    expect(await read(pool, dataPoolAbi, 'computeLimits')).toMatchObject({ maxEpochs: 200, maxWallTimeSeconds: 600, maxMemoryMb: 1024, epsilonMicros: 0n })
    expect(await read(pool, dataPoolAbi, 'contributionRules')).toMatchObject({ sharesPerRow: 10n ** 18n, openAdmission: false })
  })

  test('behavior: the founder is a member with shares by rows, votes equal to them', async () => {
    const { pool, shareToken } = deployed
    expect(deployed.founders).toEqual([{ datatoken: aliceDataset.datatoken, member: t.accounts.alice.address, shares: 1500n * 10n ** 18n }])
    expect(await read(shareToken, poolShareTokenAbi, 'balanceOf', [t.accounts.alice.address])).toBe(1500n * 10n ** 18n)
    expect(await read(shareToken, poolShareTokenAbi, 'getVotes', [t.accounts.alice.address])).toBe(1500n * 10n ** 18n)
    expect(await read(shareToken, poolShareTokenAbi, 'delegates', [t.accounts.alice.address])).toBe(t.accounts.alice.address)
    expect(await read(pool, dataPoolAbi, 'memberCount')).toBe(1n)
    expect(await read(pool, dataPoolAbi, 'isDatasetActive', [aliceDataset.datatoken])).toBe(true)
  })

  test('behavior: with completeSetup false the deployer configures and accepts founders, then hands over', async () => {
    const bobDataset = await publishMemberDataset(t, t.wallets.bob)
    const open = await deployPool(t.wallets.deployer, { ...base, name: 'Open later', symbol: 'DV-OL', completeSetup: false })
    expect(open.setupComplete).toBe(false)
    expect(await read(open.pool, dataPoolAbi, 'setupAdmin')).toBe(t.accounts.deployer.address)
    await poolWrite(t, t.wallets.deployer, open.pool, 'setTrainerApproval', [poolTrainerId('mlp-classifier'), true])
    await poolWrite(t, t.wallets.bob, open.pool, 'contribute', [contributionFor(bobDataset.datatoken, 10n)])
    await poolWrite(t, t.wallets.deployer, open.pool, 'acceptDataset', [bobDataset.datatoken, 5n * 10n ** 18n])
    const { gasUsed } = await completePoolSetup(t.wallets.deployer, open)
    expect(gasUsed).toBeGreaterThan(0n)
    expect(await read(open.pool, dataPoolAbi, 'isTrainerApproved', [poolTrainerId('mlp-classifier')])).toBe(true)
    expect(await read(open.shareToken, poolShareTokenAbi, 'balanceOf', [t.accounts.bob.address])).toBe(5n * 10n ** 18n)
    // The deployer's powers end with the setup.
    expect(await revertName(poolWrite(t, t.wallets.deployer, open.pool, 'setTrainerApproval', [poolTrainerId('mlp-classifier'), false]))).toBe('NotGovernance')
    await expect(completePoolSetup(t.wallets.deployer, open)).rejects.toMatchObject({ name: 'PoolDeployError', code: 'POOL_DEPLOY_FAILED', step: 'DataPool.completeSetup', reason: 'NotSetupAdmin' })
  })

  test('behavior: an open-admission pool needs no founder', async () => {
    const open = await deployPool(t.wallets.deployer, { ...base, name: 'Open pool', symbol: 'DV-OP', contributionRules: { openAdmission: true } })
    expect(open.setupComplete).toBe(true)
    expect(await read(open.shareToken, poolShareTokenAbi, 'totalSupply')).toBe(0n)
  })

  test('error: a closed pool without members cannot complete its setup', async () => {
    const empty = await deployPool(t.wallets.deployer, { ...base, name: 'Empty', symbol: 'DV-E', completeSetup: false })
    const error = await completePoolSetup(t.wallets.deployer, empty).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'PoolDeployError', code: 'POOL_DEPLOY_FAILED', step: 'DataPool.completeSetup', reason: 'NoMembers' })
  })

  test('error: completeSetup checks the datatoken, the revenue contract and the governor on chain', async () => {
    const carolDataset = await publishMemberDataset(t, t.wallets.carol)
    const half = await deployPool(t.wallets.deployer, { ...base, name: 'Half', symbol: 'DV-H', completeSetup: false, contributionRules: { openAdmission: true } })
    const attempt = (overrides: Partial<typeof half>) => revertName(poolWrite(t, t.wallets.deployer, half.pool, 'completeSetup', [overrides.governor ?? half.governor, overrides.revenue ?? half.revenue, overrides.datatoken ?? half.datatoken, overrides.exchangeId ?? half.exchangeId]))
    // Someone else's datatoken: the pool does not own its data NFT.
    expect(await attempt({ datatoken: carolDataset.datatoken })).toBe('PoolNotNftOwner')
    // Another pool's revenue contract, or another pool's governor.
    expect(await attempt({ revenue: deployed.revenue })).toBe('RevenueMismatch')
    expect(await attempt({ governor: deployed.governor })).toBe('GovernorMismatch')
    // An exchange that sells another datatoken.
    expect(await attempt({ exchangeId: deployed.exchangeId })).toBe('ExchangeMismatch')
    // Not the setup admin.
    expect(await revertName(poolWrite(t, t.wallets.mallory, half.pool, 'completeSetup', [half.governor, half.revenue, half.datatoken, half.exchangeId]))).toBe('NotSetupAdmin')
    expect(await attempt({})).toBe('no revert')
  })

  test('error: parameters that cannot make a pool send nothing', async () => {
    const before = await t.publicClient.getTransactionCount({ address: t.accounts.deployer.address })
    await expect(deployPool(t.wallets.deployer, { ...base, price: 0n })).rejects.toMatchObject({ name: 'PoolParameterError', code: 'POOL_INVALID_PARAMETERS' })
    await expect(deployPool(t.wallets.deployer, { ...base, keyHolders: { addresses: [t.accounts.node.address], threshold: 2 } })).rejects.toMatchObject({ name: 'PoolParameterError' })
    await expect(deployPool(t.wallets.deployer, { ...base, governance: { votingPeriod: 0 } })).rejects.toMatchObject({ name: 'PoolParameterError' })
    expect(await t.publicClient.getTransactionCount({ address: t.accounts.deployer.address })).toBe(before)
  })

  test('error: rules the contract refuses name the failing step', async () => {
    const error = await deployPool(t.wallets.deployer, { ...base, contributionRules: { maxSharesPerContribution: 10n, maxTotalShares: 1n } }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'PoolDeployError', code: 'POOL_DEPLOY_FAILED', step: 'DataPool', reason: 'InvalidContributionRules' })
  })
})
