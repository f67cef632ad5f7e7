import type { Address, Hash } from 'viem'
import { parseEventLogs } from 'viem'
import { readContract } from 'viem/actions'
import { dataPoolAbi, poolGovernorAbi } from '@datavault/contracts/abis'
import { ChainEventNotFoundError, type ChainReadError, type ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'
import { read } from '../../pool/internal.ts'

/** How a member votes. Abstentions count toward quorum, not toward the outcome. */
export type PoolVoteSupport = 'against' | 'for' | 'abstain'

export type VotePoolParameters = {
  /** The DataPool. */
  pool: Address
  proposalId: bigint
  support: PoolVoteSupport
  /** Why, recorded on chain with the vote. */
  reason?: string | undefined
}

export type VotePoolReturnType = {
  txHash: Hash
  blockNumber: bigint
  gasUsed: bigint
  /** The vote's weight: the least of the voter's shares before the proposal, at its snapshot and now. */
  weight: bigint
}

export type VotePoolErrorType = ChainTransactionError | ChainReadError | ChainEventNotFoundError

const supportValue = { against: 0, for: 1, abstain: 2 } as const

/**
 * Votes on a pool proposal while its vote is open. Shares gained after the proposal do not count,
 * and a member who left has none: such a vote reverts `PoolGovernorNoVotingPower`; a second vote
 * reverts `GovernorAlreadyCastVote`.
 *
 * @example
 * const { weight } = await votePool(memberWallet, { pool, proposalId, support: 'for' })
 */
export async function votePool(client: AccountClient, { pool, proposalId, support, reason }: VotePoolParameters): Promise<VotePoolReturnType> {
  const governor = await read(`reading the data pool ${pool}`, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'governor' }))
  const receipt =
    reason === undefined
      ? await writeAndConfirm(client, 'castVote', { address: governor, abi: poolGovernorAbi, functionName: 'castVote', args: [proposalId, supportValue[support]] })
      : await writeAndConfirm(client, 'castVote', { address: governor, abi: poolGovernorAbi, functionName: 'castVoteWithReason', args: [proposalId, supportValue[support], reason] })
  const cast = parseEventLogs({ abi: poolGovernorAbi, eventName: 'VoteCast', logs: receipt.logs })[0]
  if (!cast) throw new ChainEventNotFoundError({ action: 'castVote', event: 'VoteCast', txHash: receipt.transactionHash })
  return { txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, weight: cast.args.weight }
}
