// PoolRevenue against the real chain: a buyer buys and orders the pool's datatoken, the revenue is
// collected and shared pro rata to the shares at the time of payment, members pull their part once;
// plus the hostile paths (double claims, re-entrancy through a malicious token and a contract member).
import { type Address, decodeErrorResult, encodeFunctionData, getAddress, parseEther, parseEventLogs, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { erc20TemplateAbi } from '@datavault/contracts/abis'
import { erc721FactoryAbi } from '@datavault/contracts/abis'
import { fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { oceanTokenAbi } from '@datavault/contracts/abis'
import { poolRevenueAbi } from '@datavault/contracts/abis'
import { reentrantMemberAbi, reentrantMemberBytecode } from '../abis/test/reentrant-member.ts'
import { reentrantTokenAbi, reentrantTokenBytecode } from '../abis/test/reentrant-token.ts'
import { type DeployPoolReturnType, deployPool } from '@datavault/contracts/pool'
import {
  buyAndOrder,
  confirm,
  contributionFor,
  type PoolTestChain,
  poolWrite,
  printGasTable,
  publishMemberDataset,
  revertName,
  startPoolTestChain,
  type Wallet,
} from './pool-fixture.ts'

const share = 10n ** 18n
let t: PoolTestChain
/** Open admission; Alice 3000 rows, Bob 1000 rows: 75 % / 25 %. */
let pool: DeployPoolReturnType
const gas: Record<string, bigint> = {}

beforeAll(async () => {
  t = await startPoolTestChain()
  const alices = await publishMemberDataset(t, t.wallets.alice)
  const bobs = await publishMemberDataset(t, t.wallets.bob)
  pool = await deployPool(t.wallets.deployer, {
    addresses: t.addresses,
    name: 'Revenue pool',
    symbol: 'DV-RP',
    price: parseEther('8'),
    keyHolders: { addresses: [t.accounts.keyHolder.address], threshold: 1 },
    contributionRules: { openAdmission: true },
    founders: [
      { client: t.wallets.alice, contribution: contributionFor(alices.datatoken, 3000n) },
      { client: t.wallets.bob, contribution: contributionFor(bobs.datatoken, 1000n) },
    ],
  })
})

afterAll(async () => {
  printGasTable('PoolRevenue', gas)
  await t?.stop()
})

const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[] = []): Promise<T> =>
  t.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>
const revenueWrite = (wallet: Wallet, functionName: string, args: readonly unknown[] = []) =>
  confirm(t.publicClient, wallet.writeContract({ address: pool.revenue, abi: poolRevenueAbi, functionName, args, chain: null } as never))
const balance = (token: Address, account: Address) => read<bigint>(token, oceanTokenAbi, 'balanceOf', [account])
const exchangeBalance = async () => (await read<readonly bigint[]>(t.addresses.FixedPrice, fixedRateExchangeAbi, 'getExchange', [pool.exchangeId]))[10] as bigint

describe('PoolRevenue', () => {
  let first: bigint
  let revenueFromSale: bigint

  test('default: a sale is collected and each member claims its share of it', async () => {
    const { buyGas, orderGas } = await buyAndOrder(t, pool)
    Object.assign(gas, { 'buyDT (pool datatoken)': buyGas, 'startOrder (pool datatoken)': orderGas })
    revenueFromSale = await exchangeBalance()
    expect(revenueFromSale).toBe(parseEther('8'))
    const collected = await revenueWrite(t.wallets.buyer, 'collect') // anyone may collect
    gas['collect (collectBT + distribute)'] = collected.gasUsed
    const [distributed] = parseEventLogs({ abi: poolRevenueAbi, eventName: 'RevenueDistributed', logs: collected.logs })
    first = distributed!.args.distributionId
    expect(distributed?.args).toMatchObject({ token: t.addresses.Ocean, amount: revenueFromSale, totalShares: 4000n * share })
    expect(await exchangeBalance()).toBe(0n)
    expect(await balance(t.addresses.Ocean, pool.revenue)).toBe(revenueFromSale)
    expect(await read(pool.revenue, poolRevenueAbi, 'owed', [t.addresses.Ocean])).toBe(revenueFromSale)

    expect(await read(pool.revenue, poolRevenueAbi, 'claimable', [first, t.accounts.alice.address])).toBe(parseEther('6'))
    const aliceBefore = await balance(t.addresses.Ocean, t.accounts.alice.address)
    const claimed = await revenueWrite(t.wallets.alice, 'claim', [first])
    gas.claim = claimed.gasUsed
    expect(await balance(t.addresses.Ocean, t.accounts.alice.address)).toBe(aliceBefore + parseEther('6'))
    await revenueWrite(t.wallets.bob, 'claim', [first])
    expect(await balance(t.addresses.Ocean, pool.revenue)).toBe(0n)
    expect(await read(pool.revenue, poolRevenueAbi, 'owed', [t.addresses.Ocean])).toBe(0n)
  })

  test('error: hostile — a second claim, a non-member, an unknown distribution, nothing new to distribute', async () => {
    expect(await revertName(revenueWrite(t.wallets.alice, 'claim', [first]))).toBe('AlreadyClaimed')
    expect(await read(pool.revenue, poolRevenueAbi, 'isClaimed', [first, t.accounts.alice.address])).toBe(true)
    expect(await read(pool.revenue, poolRevenueAbi, 'claimable', [first, t.accounts.alice.address])).toBe(0n)
    expect(await revertName(revenueWrite(t.wallets.mallory, 'claim', [first]))).toBe('NothingToClaim')
    expect(await revertName(revenueWrite(t.wallets.alice, 'claim', [999n]))).toBe('UnknownDistribution')
    expect(await revertName(revenueWrite(t.wallets.alice, 'distribute', [t.addresses.Ocean]))).toBe('NothingToDistribute')
  })

  test('behavior: the datatokens spent on orders are revenue too', async () => {
    const datatokens = await read<bigint>(pool.datatoken, erc20TemplateAbi, 'balanceOf', [pool.revenue])
    expect(datatokens).toBe(parseEther('0.97')) // one order: 0.97 to the payment collector, 0.03 to Ocean
    const receipt = await revenueWrite(t.wallets.bob, 'distribute', [pool.datatoken])
    gas.distribute = receipt.gasUsed
    const [distributed] = parseEventLogs({ abi: poolRevenueAbi, eventName: 'RevenueDistributed', logs: receipt.logs })
    await revenueWrite(t.wallets.bob, 'claim', [distributed!.args.distributionId])
    expect(await read(pool.datatoken, erc20TemplateAbi, 'balanceOf', [t.accounts.bob.address])).toBe(parseEther('0.2425'))
  })

  test('behavior: shares at the time of payment count — a later member gets nothing of earlier revenue, a leaver keeps what was paid before', async () => {
    // Carol joins after the first sale was distributed: nothing of it is hers.
    const carols = await publishMemberDataset(t, t.wallets.carol)
    await poolWrite(t, t.wallets.carol, pool.pool, 'contribute', [contributionFor(carols.datatoken, 4000n)])
    expect(await read(pool.revenue, poolRevenueAbi, 'claimable', [first, t.accounts.carol.address])).toBe(0n)
    expect(await revertName(revenueWrite(t.wallets.carol, 'claim', [first]))).toBe('NothingToClaim')
    // A second sale: Alice 3000, Bob 1000, Carol 4000 of 8000 shares.
    await buyAndOrder(t, pool)
    const second = parseEventLogs({ abi: poolRevenueAbi, eventName: 'RevenueDistributed', logs: (await revenueWrite(t.wallets.carol, 'collect')).logs })[0]!.args.distributionId
    // Alice leaves before claiming; what was paid while she was a member stays hers.
    await poolWrite(t, t.wallets.alice, pool.pool, 'leave', [])
    await buyAndOrder(t, pool)
    const third = parseEventLogs({ abi: poolRevenueAbi, eventName: 'RevenueDistributed', logs: (await revenueWrite(t.wallets.carol, 'collect')).logs })[0]!.args.distributionId
    expect(await read(pool.revenue, poolRevenueAbi, 'claimable', [second, t.accounts.alice.address])).toBe(parseEther('3'))
    expect(await read(pool.revenue, poolRevenueAbi, 'claimable', [third, t.accounts.alice.address])).toBe(0n)
    const aliceBefore = await balance(t.addresses.Ocean, t.accounts.alice.address)
    await revenueWrite(t.wallets.alice, 'claim', [second])
    expect(await balance(t.addresses.Ocean, t.accounts.alice.address)).toBe(aliceBefore + parseEther('3'))
    expect(await revertName(revenueWrite(t.wallets.alice, 'claim', [third]))).toBe('NothingToClaim')
    // Carol pulls both at once: 4/8 of the second, 4/5 of the third.
    const carolBefore = await balance(t.addresses.Ocean, t.accounts.carol.address)
    const many = await revenueWrite(t.wallets.carol, 'claimMany', [[second, third]])
    gas['claimMany (2 distributions)'] = many.gasUsed
    expect(await balance(t.addresses.Ocean, t.accounts.carol.address)).toBe(carolBefore + parseEther('4') + parseEther('6.4'))
    expect(await read(pool.revenue, poolRevenueAbi, 'distributionCount')).toBe(third + 1n)
    expect(await read(pool.revenue, poolRevenueAbi, 'distribution', [third])).toMatchObject({ token: t.addresses.Ocean, amount: parseEther('8'), totalShares: 5000n * share })
  })

  test('error: a pool with no shares has no one to pay', async () => {
    const empty = await deployPool(t.wallets.deployer, {
      addresses: t.addresses,
      name: 'Empty',
      symbol: 'DV-EM',
      price: parseEther('1'),
      keyHolders: { addresses: [t.accounts.keyHolder.address], threshold: 1 },
      contributionRules: { openAdmission: true },
    })
    await confirm(t.publicClient, t.wallets.buyer.writeContract({ address: t.addresses.Ocean, abi: oceanTokenAbi, functionName: 'transfer', args: [empty.revenue, 1n], chain: null }))
    const attempt = confirm(t.publicClient, t.wallets.buyer.writeContract({ address: empty.revenue, abi: poolRevenueAbi, functionName: 'distribute', args: [t.addresses.Ocean], chain: null }))
    expect(await revertName(attempt)).toBe('NoShares')
  })

  test('error: hostile — re-entrancy through a malicious token and a contract member pays once', async () => {
    // A contract that owns a data NFT, joins the pool, and re-enters PoolRevenue whenever the
    // hostile token hands it control in the middle of a transfer.
    const member = await deploy(t.wallets.mallory, reentrantMemberAbi, reentrantMemberBytecode)
    const token = await deploy(t.wallets.mallory, reentrantTokenAbi, reentrantTokenBytecode)
    // The member bubbles the pool's reverts up; decode them with the pool's errors.
    const memberAbi = [...reentrantMemberAbi, ...poolRevenueAbi.filter((item) => item.type === 'error'), ...dataPoolAbi.filter((item) => item.type === 'error')]
    const as = (target: Address, data: `0x${string}`) =>
      confirm(t.publicClient, t.wallets.mallory.writeContract({ address: member, abi: memberAbi, functionName: 'execute', args: [target, data], chain: null }))
    const created = await as(
      t.addresses.ERC721Factory,
      encodeFunctionData({
        abi: erc721FactoryAbi,
        functionName: 'createNftWithErc20',
        args: [
          { name: 'Hostile', symbol: 'HST', templateIndex: 1n, tokenURI: '', transferable: true, owner: member },
          { templateIndex: 1n, strings: ['Hostile', 'HST'], addresses: [member, member, zeroAddress, zeroAddress], uints: [10n ** 30n, 0n], bytess: [] },
        ],
      }),
    )
    const datatoken = parseEventLogs({ abi: erc721FactoryAbi, eventName: 'TokenCreated', logs: created.logs })[0]!.args.newTokenAddress
    await as(pool.pool, encodeFunctionData({ abi: dataPoolAbi, functionName: 'contribute', args: [contributionFor(datatoken, 2000n)] }))
    const memberShares = 2000n * share
    await t.testClient.mine({ blocks: 1 })

    const send = (functionName: string, args: readonly unknown[]) =>
      confirm(t.publicClient, t.wallets.mallory.writeContract({ address: token, abi: reentrantTokenAbi, functionName, args, chain: null } as never))
    await send('setPool', [pool.revenue])
    await send('mint', [pool.revenue, parseEther('100')])
    const receipt = await revenueWrite(t.wallets.mallory, 'distribute', [token])
    const [distributed] = parseEventLogs({ abi: poolRevenueAbi, eventName: 'RevenueDistributed', logs: receipt.logs })
    const id = distributed!.args.distributionId
    const totalShares = distributed!.args.totalShares
    const due = (parseEther('100') * memberShares) / totalShares

    const setReentry = (data: `0x${string}`) =>
      confirm(t.publicClient, t.wallets.mallory.writeContract({ address: member, abi: reentrantMemberAbi, functionName: 'setReentry', args: [pool.revenue, data], chain: null }))
    const claimAsMember = (distributionId: bigint) => as(pool.revenue, encodeFunctionData({ abi: poolRevenueAbi, functionName: 'claim', args: [distributionId] }))
    const expectReentryRefused = async () => {
      expect(await read(member, reentrantMemberAbi, 'reentrySucceeded')).toBe(false)
      const error = await read<`0x${string}`>(member, reentrantMemberAbi, 'reentryError')
      expect(decodeErrorResult({ abi: poolRevenueAbi, data: error }).errorName).toBe('ReentrancyGuardReentrantCall')
    }

    // 1. Mid-payout, the member claims the same distribution again.
    await setReentry(encodeFunctionData({ abi: poolRevenueAbi, functionName: 'claim', args: [id] }))
    await claimAsMember(id)
    await expectReentryRefused()
    // 2. Mid-payout of another distribution, it tries to record a new one.
    await send('mint', [pool.revenue, parseEther('10')])
    const next = parseEventLogs({ abi: poolRevenueAbi, eventName: 'RevenueDistributed', logs: (await revenueWrite(t.wallets.mallory, 'distribute', [token])).logs })[0]!.args.distributionId
    await setReentry(encodeFunctionData({ abi: poolRevenueAbi, functionName: 'distribute', args: [token] }))
    await claimAsMember(next)
    await expectReentryRefused()

    expect(await read(member, reentrantMemberAbi, 'reentryAttempts')).toBe(2n)
    // Paid exactly its two shares, once each.
    expect(await read(token, reentrantTokenAbi, 'balanceOf', [member])).toBe(due + (parseEther('10') * memberShares) / totalShares)
    expect(await read(pool.revenue, poolRevenueAbi, 'isClaimed', [id, member])).toBe(true)
    expect(await revertName(as(pool.revenue, encodeFunctionData({ abi: poolRevenueAbi, functionName: 'claim', args: [id] })))).toBe('AlreadyClaimed')
    // The hostile token's accounting is its own: Ocean revenue owed to members is untouched.
    expect(await read(pool.revenue, poolRevenueAbi, 'owed', [t.addresses.Ocean])).toBe(await balance(t.addresses.Ocean, pool.revenue))
  })
})

async function deploy(wallet: Wallet, abi: readonly unknown[], bytecode: `0x${string}`): Promise<Address> {
  const receipt = await confirm(t.publicClient, wallet.deployContract({ abi, bytecode, args: [], chain: null } as never))
  return getAddress(receipt.contractAddress!)
}
