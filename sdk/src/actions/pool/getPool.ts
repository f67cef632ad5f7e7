import type { Address, BlockNumber, BlockTag, Hex } from 'viem'
import { erc20Abi, zeroAddress, zeroHash } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { dataPoolAbi, erc20TemplateAbi, fixedRateExchangeAbi, poolGovernorAbi, poolRevenueAbi, poolShareTokenAbi, poolTimelockAbi } from '@datavault/contracts/abis'
import type { PoolComputeLimits, PoolContracts, PoolContributionRules } from '@datavault/contracts/pool'
import type { ChainReadError } from '../../chain/errors.ts'
import { read, type ReadClient, readPoolContracts } from '../../pool/internal.ts'
import type { PoolRevenueClaim } from './claimPoolRevenue.ts'

export type GetPoolParameters = {
  /** The DataPool. */
  pool: Address
  /** Also report this account's shares, datasets and claimable revenue. */
  account?: Address | undefined
  /** First block to read approval events from (for the approved trainer and algorithm lists); the chain's first by default. */
  fromBlock?: BlockNumber | BlockTag | undefined
}

/** A pool as the chain says now. */
export type PoolStatus = PoolContracts & {
  /** The pool datatoken's name and symbol. */
  name: string
  symbol: string
  /** False while the deployer may still configure it (`setupAdmin`). */
  setupComplete: boolean
  /** The sale on the FixedRateExchange; undefined before setup completes. */
  sale: { baseToken: Address; baseTokenSymbol: string; baseTokenDecimals: number; price: bigint; active: boolean } | undefined
  shares: { name: string; symbol: string; totalSupply: bigint }
  memberCount: bigint
  datasetCount: bigint
  rules: PoolContributionRules
  limits: PoolComputeLimits
  keyHolders: { addresses: readonly Address[]; threshold: number; epoch: number }
  buyerAllowListEnabled: boolean
  /** keccak256 ids of the approved trainer entries (`poolTrainerId`), from the approval events. */
  approvedTrainers: Hex[]
  /** SHA-256 of the approved custom algorithms, from the approval events. */
  approvedAlgorithms: Hex[]
  governance: {
    votingDelay: bigint
    votingPeriod: bigint
    proposalThreshold: bigint
    quorumPercent: bigint
    timelockDelaySeconds: bigint
  }
  distributionCount: bigint
  account:
    | { address: Address; shares: bigint; activeDatasets: number; pendingDatasets: number; claimable: PoolRevenueClaim[] }
    | undefined
}

export type GetPoolReturnType = PoolStatus

export type GetPoolErrorType = ChainReadError

/**
 * Everything about a pool, read from the chain: its contracts, datatoken sale, shares, members,
 * contribution rules, compute limits, key holders, buyer allow-list, approved trainers and
 * algorithms, governance settings and revenue; with `account`, that member's shares, datasets and
 * what it can claim.
 *
 * @example
 * const status = await getPool(publicClient, { pool, account: me })
 * console.log(status.memberCount, status.sale?.price, status.account?.claimable)
 */
export async function getPool(client: ReadClient, { pool, account, fromBlock = 'earliest' }: GetPoolParameters): Promise<GetPoolReturnType> {
  const doing = `reading the data pool ${pool}`
  const contracts = await readPoolContracts(client, pool)
  const onPool = <T>(functionName: string, args: readonly unknown[] = []) => read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName, args } as never) as Promise<T>)
  const [setupAdmin, memberCount, datasetCount, rules, limits, holders, threshold, epoch, allowList, exchange] = await Promise.all([
    onPool<Address>('setupAdmin'),
    onPool<bigint>('memberCount'),
    onPool<bigint>('datasetCount'),
    onPool<PoolContributionRules>('contributionRules'),
    onPool<PoolComputeLimits>('computeLimits'),
    onPool<readonly Address[]>('keyHolders'),
    onPool<number>('keyHolderThreshold'),
    onPool<number>('keyHoldersEpoch'),
    onPool<boolean>('buyerAllowListEnabled'),
    onPool<Address>('fixedRateExchange'),
  ])
  const { shareToken, governor, timelock, datatoken, exchangeId, revenue } = contracts
  const [shareName, shareSymbol, totalSupply] = await Promise.all([
    read(doing, readContract(client, { address: shareToken, abi: poolShareTokenAbi, functionName: 'name' })),
    read(doing, readContract(client, { address: shareToken, abi: poolShareTokenAbi, functionName: 'symbol' })),
    read(doing, readContract(client, { address: shareToken, abi: poolShareTokenAbi, functionName: 'totalSupply' })),
  ])
  const setupComplete = setupAdmin === zeroAddress

  let name = ''
  let symbol = ''
  let sale: PoolStatus['sale']
  if (datatoken !== zeroAddress) {
    ;[name, symbol] = await Promise.all([
      read(doing, readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'name' })),
      read(doing, readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'symbol' })),
    ])
    if (exchangeId !== zeroHash) {
      const [, , , baseToken, btDecimals, rate, active] = await read(doing, readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] }))
      const baseTokenSymbol = await read(doing, readContract(client, { address: baseToken, abi: erc20Abi, functionName: 'symbol' }))
      const baseTokenDecimals = Number(btDecimals)
      sale = { baseToken, baseTokenSymbol, baseTokenDecimals, price: rate / 10n ** BigInt(18 - baseTokenDecimals), active }
    }
  }

  let governance: PoolStatus['governance'] = { votingDelay: 0n, votingPeriod: 0n, proposalThreshold: 0n, quorumPercent: 0n, timelockDelaySeconds: 0n }
  if (governor !== zeroAddress) {
    const onGovernor = (functionName: 'votingDelay' | 'votingPeriod' | 'proposalThreshold' | 'quorumNumerator') =>
      read(doing, readContract(client, { address: governor, abi: poolGovernorAbi, functionName }))
    const [votingDelay, votingPeriod, proposalThreshold, quorumPercent, timelockDelaySeconds] = await Promise.all([
      onGovernor('votingDelay'),
      onGovernor('votingPeriod'),
      onGovernor('proposalThreshold'),
      onGovernor('quorumNumerator'),
      read(doing, readContract(client, { address: timelock, abi: poolTimelockAbi, functionName: 'getMinDelay' })),
    ])
    governance = { votingDelay, votingPeriod, proposalThreshold, quorumPercent, timelockDelaySeconds }
  }

  const [trainerEvents, algorithmEvents] = await Promise.all([
    read(doing, getContractEvents(client, { address: pool, abi: dataPoolAbi, eventName: 'TrainerApproval', fromBlock, toBlock: 'latest', strict: true })),
    read(doing, getContractEvents(client, { address: pool, abi: dataPoolAbi, eventName: 'AlgorithmApproval', fromBlock, toBlock: 'latest', strict: true })),
  ])
  const latest = (events: readonly { args: { approved: boolean } & Record<string, unknown> }[], key: string) => {
    const approved = new Map<Hex, boolean>()
    for (const { args } of events) approved.set(args[key] as Hex, args.approved)
    return [...approved].filter(([, on]) => on).map(([id]) => id)
  }

  const distributionCount = revenue === zeroAddress ? 0n : await read(doing, readContract(client, { address: revenue, abi: poolRevenueAbi, functionName: 'distributionCount' }))
  let accountStatus: PoolStatus['account']
  if (account) {
    const [shares, [activeDatasets, pendingDatasets]] = await Promise.all([
      read(doing, readContract(client, { address: shareToken, abi: poolShareTokenAbi, functionName: 'balanceOf', args: [account] })),
      read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'getMember', args: [account] })),
    ])
    const ids = Array.from({ length: Number(distributionCount) }, (_, index) => BigInt(index))
    const claims = await Promise.all(
      ids.map(async (distributionId) => {
        const amount = await read(doing, readContract(client, { address: revenue, abi: poolRevenueAbi, functionName: 'claimable', args: [distributionId, account] }))
        if (amount === 0n) return undefined
        const { token } = await read(doing, readContract(client, { address: revenue, abi: poolRevenueAbi, functionName: 'distribution', args: [distributionId] }))
        return { distributionId, token, amount }
      }),
    )
    accountStatus = { address: account, shares, activeDatasets, pendingDatasets, claimable: claims.filter((claim) => claim !== undefined) }
  }

  return {
    ...contracts,
    name,
    symbol,
    setupComplete,
    sale,
    shares: { name: shareName, symbol: shareSymbol, totalSupply },
    memberCount,
    datasetCount,
    rules,
    limits,
    keyHolders: { addresses: holders, threshold, epoch },
    buyerAllowListEnabled: allowList,
    approvedTrainers: latest(trainerEvents, 'trainer'),
    approvedAlgorithms: latest(algorithmEvents, 'algorithmHash'),
    governance,
    distributionCount,
    account: accountStatus,
  }
}
