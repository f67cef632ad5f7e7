import type { Address, Hash } from 'viem'
import { parseEventLogs } from 'viem'
import { readContract } from 'viem/actions'
import { dataPoolAbi, fixedRateExchangeAbi, poolGovernorAbi } from '@datavault/contracts/abis'
import { ChainArgumentError, ChainEventNotFoundError, type ChainReadError, type ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'
import { read } from '../../pool/internal.ts'
import { encodePoolActions, type PoolAction, type PoolCall } from '../../pool/poolActions.ts'

export type ProposePoolParameters = {
  /** The DataPool. */
  pool: Address
  /** What the proposal does, run in order by the timelock if it passes. */
  actions: readonly PoolAction[]
  /** Why; shown to voters and part of the proposal's id (the same actions need a new description). */
  description: string
}

export type ProposePoolReturnType = {
  proposalId: bigint
  txHash: Hash
  blockNumber: bigint
  gasUsed: bigint
  /** The calls proposed. */
  calls: PoolCall[]
  /** Block whose shares count (the snapshot); voting opens after it. */
  voteStart: bigint
  /** Last block of the vote. */
  voteEnd: bigint
}

export type ProposePoolErrorType = ChainTransactionError | ChainReadError | ChainArgumentError | ChainEventNotFoundError

/**
 * Proposes changes to a pool, as a member (the proposer needs the governor's proposal threshold in
 * shares, held before this block): trainer and algorithm approvals, price and sale, compute
 * limits, contribution rules, buyers, key holders, datasets, quorum and voting settings. Members
 * then vote ({@link votePool}) and anyone runs it when it passed ({@link executePool}).
 *
 * @example
 * const { proposalId } = await proposePool(memberWallet, {
 *   pool, description: 'Allow the MLP, price 12 OCEAN',
 *   actions: [{ type: 'approveTrainer', trainer: 'mlp-classifier' }, { type: 'setPrice', price: parseEther('12') }],
 * })
 */
export async function proposePool(client: AccountClient, { pool, actions, description }: ProposePoolParameters): Promise<ProposePoolReturnType> {
  if (description.trim() === '') throw new ChainArgumentError('A proposal needs a description.')
  const doing = `reading the data pool ${pool}`
  const governor = await read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'governor' }))
  let baseTokenDecimals: number | undefined
  if (actions.some((action) => action.type === 'setPrice')) {
    const [exchange, exchangeId] = await Promise.all([
      read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'fixedRateExchange' })),
      read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'exchangeId' })),
    ])
    const [, , , , btDecimals] = await read(doing, readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] }))
    baseTokenDecimals = Number(btDecimals)
  }
  const calls = encodePoolActions({ pool, governor, baseTokenDecimals }, actions)
  const receipt = await writeAndConfirm(client, 'propose', {
    address: governor,
    abi: poolGovernorAbi,
    functionName: 'propose',
    args: [calls.map((call) => call.target), calls.map((call) => call.value), calls.map((call) => call.data), description],
  })
  const created = parseEventLogs({ abi: poolGovernorAbi, eventName: 'ProposalCreated', logs: receipt.logs })[0]
  if (!created) throw new ChainEventNotFoundError({ action: 'propose', event: 'ProposalCreated', txHash: receipt.transactionHash })
  return {
    proposalId: created.args.proposalId,
    txHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    calls,
    voteStart: created.args.voteStart,
    voteEnd: created.args.voteEnd,
  }
}
