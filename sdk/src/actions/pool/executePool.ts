import type { Address, BlockNumber, BlockTag, Hash } from 'viem'
import { keccak256, stringToHex } from 'viem'
import { getBlock, readContract } from 'viem/actions'
import { dataPoolAbi, poolGovernorAbi } from '@datavault/contracts/abis'
import type { ChainReadError, ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'
import { PoolProposalNotReadyError, type PoolProposalNotFoundError, PoolProposalStateError } from '../../pool/errors.ts'
import { type ProposalRecord, read, readProposal, readProposalState } from '../../pool/internal.ts'

export type ExecutePoolParameters = {
  /** The DataPool. */
  pool: Address
  proposalId: bigint
  /** First block to look for the proposal's `ProposalCreated` event in; the chain's first by default. */
  fromBlock?: BlockNumber | BlockTag | undefined
}

export type ExecutePoolReturnType = {
  /** `queued`: it passed and now waits out the timelock delay (call again from `readyAt`); `executed`: its calls ran. */
  status: 'queued' | 'executed'
  /** The last transaction sent. */
  txHash: Hash
  /** Gas of every transaction sent (queue and, when due, execute). */
  gasUsed: bigint
  /** When the timelock lets it run. */
  readyAt: Date
}

export type ExecutePoolErrorType = ChainTransactionError | ChainReadError | PoolProposalNotFoundError | PoolProposalStateError | PoolProposalNotReadyError

/**
 * Moves a passed pool proposal on, whoever calls: a succeeded proposal is queued in the pool's
 * timelock (and run at once when the delay is already over); a queued one whose delay is over is
 * executed. The proposal's calls come from its `ProposalCreated` event. A proposal that is still
 * open, was defeated, expired or already ran is a {@link PoolProposalStateError}; one that waits
 * out the delay is a {@link PoolProposalNotReadyError} (with `readyAt`).
 *
 * @example
 * const first = await executePool(wallet, { pool, proposalId }) // queued
 * // … after the timelock delay …
 * const done = await executePool(wallet, { pool, proposalId }) // executed
 */
export async function executePool(client: AccountClient, { pool, proposalId, fromBlock }: ExecutePoolParameters): Promise<ExecutePoolReturnType> {
  const governor = await read(`reading the data pool ${pool}`, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'governor' }))
  const state = await readProposalState(client, governor, proposalId)
  if (state !== 'succeeded' && state !== 'queued') throw new PoolProposalStateError(proposalId, state, 'executed')
  const proposal = await readProposal(client, governor, proposalId, fromBlock)
  const args = operationArgs(proposal)
  let gasUsed = 0n
  let txHash: Hash | undefined
  if (state === 'succeeded') {
    const queued = await writeAndConfirm(client, 'queue', { address: governor, abi: poolGovernorAbi, functionName: 'queue', args })
    gasUsed += queued.gasUsed
    txHash = queued.transactionHash
  }
  const eta = await read(`reading proposal ${proposalId}`, readContract(client, { address: governor, abi: poolGovernorAbi, functionName: 'proposalEta', args: [proposalId] }))
  const readyAt = new Date(Number(eta) * 1000)
  const now = (await read('reading the latest block', getBlock(client))).timestamp
  if (eta > now) {
    if (txHash) return { status: 'queued', txHash, gasUsed, readyAt }
    throw new PoolProposalNotReadyError(proposalId, readyAt)
  }
  const executed = await writeAndConfirm(client, 'execute', { address: governor, abi: poolGovernorAbi, functionName: 'execute', args })
  return { status: 'executed', txHash: executed.transactionHash, gasUsed: gasUsed + executed.gasUsed, readyAt }
}

function operationArgs(proposal: ProposalRecord) {
  return [proposal.targets, proposal.values, proposal.calldatas, keccak256(stringToHex(proposal.description))] as const
}
