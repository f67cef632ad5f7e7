import type { Address, Hash } from 'viem'
import { parseEventLogs } from 'viem'
import { dataPoolAbi } from '@datavault/contracts/abis'
import type { ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'

export type LeavePoolParameters = {
  /** The DataPool. */
  pool: Address
  /** Withdraw only this dataset (its datatoken) instead of leaving the pool. */
  datatoken?: Address | undefined
}

export type LeavePoolReturnType = {
  txHash: Hash
  blockNumber: bigint
  gasUsed: bigint
  /** Shares burned. */
  sharesBurned: bigint
}

export type LeavePoolErrorType = ChainTransactionError

/**
 * Leaves a pool: burns all the member's shares, and all its datasets stop being used by new jobs
 * at once. Receipts of past jobs stay, and revenue distributed while the member held shares stays
 * claimable ({@link claimPoolRevenue}). With `datatoken`, withdraws only that dataset (its shares
 * burned). Reverts `NotMember` / `DatasetNotInPool` when there is nothing to leave.
 *
 * @example
 * await leavePool(memberWallet, { pool })
 */
export async function leavePool(client: AccountClient, { pool, datatoken }: LeavePoolParameters): Promise<LeavePoolReturnType> {
  if (datatoken) {
    const receipt = await writeAndConfirm(client, 'removeDataset', { address: pool, abi: dataPoolAbi, functionName: 'removeDataset', args: [datatoken] })
    const removed = parseEventLogs({ abi: dataPoolAbi, eventName: 'DatasetRemoved', logs: receipt.logs })[0]
    return { txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, sharesBurned: removed?.args.sharesBurned ?? 0n }
  }
  const receipt = await writeAndConfirm(client, 'leave', { address: pool, abi: dataPoolAbi, functionName: 'leave', args: [] })
  const left = parseEventLogs({ abi: dataPoolAbi, eventName: 'MemberLeft', logs: receipt.logs })[0]
  return { txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, sharesBurned: left?.args.sharesBurned ?? 0n }
}
