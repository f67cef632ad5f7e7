import type { Address, Hash } from 'viem'
import { erc20Abi, parseEventLogs } from 'viem'
import { readContract } from 'viem/actions'
import { dataPoolAbi, fixedRateExchangeAbi, poolRevenueAbi } from '@datavault/contracts/abis'
import type { ChainReadError, ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'
import { read } from '../../pool/internal.ts'

export type ClaimPoolRevenueParameters = {
  /** The DataPool. */
  pool: Address
  /** Collect the pool's exchange first (its base token becomes a new distribution); default true. */
  collect?: boolean | undefined
  /** Also distribute what PoolRevenue holds of these tokens beyond what it owes (e.g. the pool datatoken from orders). */
  distribute?: readonly Address[] | undefined
  /** Claim exactly these distributions; by default every one with something for the account. */
  distributionIds?: readonly bigint[] | undefined
  /** Look for claimable distributions from this id on (default 0). */
  fromDistribution?: bigint | undefined
}

/** One distribution paid to the account. */
export type PoolRevenueClaim = { distributionId: bigint; token: Address; amount: bigint }

export type ClaimPoolRevenueReturnType = {
  /** What was paid (empty when nothing was due: then no claim was sent). */
  claims: PoolRevenueClaim[]
  /** The claim transaction, when one was sent. */
  txHash: Hash | undefined
  /** Transactions that recorded new distributions first (`collect`, `distribute`). */
  distributionTxHashes: Hash[]
  /** Gas of everything sent. */
  gasUsed: bigint
}

export type ClaimPoolRevenueErrorType = ChainTransactionError | ChainReadError

/**
 * Pulls the account's share of a pool's revenue: first, by default, collects what buyers paid on
 * the pool's exchange into PoolRevenue (a new distribution against the shares of the previous
 * block), then claims every distribution that owes the account something, in one transaction.
 * Each member's part is amount × its shares / all shares at the distribution's block; each is paid
 * once. A member who left still claims what was distributed while it held shares.
 *
 * @example
 * const { claims } = await claimPoolRevenue(memberWallet, { pool })
 */
export async function claimPoolRevenue(client: AccountClient, parameters: ClaimPoolRevenueParameters): Promise<ClaimPoolRevenueReturnType> {
  const { pool, collect = true, distribute = [], fromDistribution = 0n } = parameters
  const account = client.account.address
  const doing = `reading the revenue of ${pool}`
  const revenue = await read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'revenue' }))
  const distributionTxHashes: Hash[] = []
  let gasUsed = 0n

  if (collect) {
    const [exchange, exchangeId] = await Promise.all([
      read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'fixedRateExchange' })),
      read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'exchangeId' })),
    ])
    const [, , , , , , , , , , btBalance] = await read(doing, readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] }))
    if (btBalance > 0n) {
      const receipt = await writeAndConfirm(client, 'collect', { address: revenue, abi: poolRevenueAbi, functionName: 'collect', args: [] })
      distributionTxHashes.push(receipt.transactionHash)
      gasUsed += receipt.gasUsed
    }
  }
  for (const token of distribute) {
    const [held, owed] = await Promise.all([
      read(doing, readContract(client, { address: token, abi: erc20Abi, functionName: 'balanceOf', args: [revenue] })),
      read(doing, readContract(client, { address: revenue, abi: poolRevenueAbi, functionName: 'owed', args: [token] })),
    ])
    if (held > owed) {
      const receipt = await writeAndConfirm(client, 'distribute', { address: revenue, abi: poolRevenueAbi, functionName: 'distribute', args: [token] })
      distributionTxHashes.push(receipt.transactionHash)
      gasUsed += receipt.gasUsed
    }
  }

  let ids = parameters.distributionIds
  if (!ids) {
    const count = await read(doing, readContract(client, { address: revenue, abi: poolRevenueAbi, functionName: 'distributionCount' }))
    const candidates: bigint[] = []
    for (let id = fromDistribution; id < count; id++) candidates.push(id)
    const due = await Promise.all(candidates.map((id) => read(doing, readContract(client, { address: revenue, abi: poolRevenueAbi, functionName: 'claimable', args: [id, account] }))))
    ids = candidates.filter((_, index) => (due[index] ?? 0n) > 0n)
  }
  if (ids.length === 0) return { claims: [], txHash: undefined, distributionTxHashes, gasUsed }
  const receipt =
    ids.length === 1
      ? await writeAndConfirm(client, 'claim', { address: revenue, abi: poolRevenueAbi, functionName: 'claim', args: [ids[0] as bigint] })
      : await writeAndConfirm(client, 'claimMany', { address: revenue, abi: poolRevenueAbi, functionName: 'claimMany', args: [[...ids]] })
  const claims = parseEventLogs({ abi: poolRevenueAbi, eventName: 'RevenueClaimed', logs: receipt.logs }).map(({ args }) => ({
    distributionId: args.distributionId,
    token: args.token,
    amount: args.amount,
  }))
  return { claims, txHash: receipt.transactionHash, distributionTxHashes, gasUsed: gasUsed + receipt.gasUsed }
}
