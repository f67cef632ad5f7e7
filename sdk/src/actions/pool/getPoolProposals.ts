import type { Address, BlockNumber, BlockTag, Hash } from 'viem'
import { readContract } from 'viem/actions'
import { dataPoolAbi, poolGovernorAbi } from '@datavault/contracts/abis'
import type { ChainReadError } from '../../chain/errors.ts'
import { type PoolProposalState, read, type ReadClient, readProposals, readProposalState } from '../../pool/internal.ts'
import { type DecodedPoolCall, decodePoolCalls, type PoolCall } from '../../pool/poolActions.ts'

/** A pool proposal and where it stands. */
export type PoolProposal = {
  proposalId: bigint
  proposer: Address
  description: string
  state: PoolProposalState
  /** The snapshot block (shares at it, and before the proposal, count). */
  voteStart: bigint
  /** Last block of the vote. */
  voteEnd: bigint
  votes: { against: bigint; for: bigint; abstain: bigint }
  /** Votes (for + abstain) needed; 0n before the vote starts (the governor fixes it then). */
  quorum: bigint
  calls: PoolCall[]
  /** The calls as DataPool / PoolGovernor functions. */
  decoded: DecodedPoolCall[]
  /** When a queued proposal may run; undefined unless queued or executed. */
  readyAt: Date | undefined
  txHash: Hash
  blockNumber: bigint
}

export type GetPoolProposalsParameters = {
  /** The DataPool. */
  pool: Address
  /** Only this proposal. */
  proposalId?: bigint | undefined
  /** First block to read `ProposalCreated` events from; the chain's first by default. */
  fromBlock?: BlockNumber | BlockTag | undefined
}

export type GetPoolProposalsReturnType = PoolProposal[]

export type GetPoolProposalsErrorType = ChainReadError

/**
 * A pool's proposals, oldest first, each with its state, tally, quorum, calls (decoded) and, once
 * queued, when it may run.
 *
 * @example
 * const open = (await getPoolProposals(publicClient, { pool })).filter((p) => p.state === 'active')
 */
export async function getPoolProposals(client: ReadClient, { pool, proposalId, fromBlock }: GetPoolProposalsParameters): Promise<GetPoolProposalsReturnType> {
  const doing = `reading the proposals of ${pool}`
  const governor = await read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'governor' }))
  const records = (await readProposals(client, governor, fromBlock)).filter((record) => proposalId === undefined || record.proposalId === proposalId)
  return Promise.all(
    records.map(async (record): Promise<PoolProposal> => {
      const [state, [against, forVotes, abstain], eta] = await Promise.all([
        readProposalState(client, governor, record.proposalId),
        read(doing, readContract(client, { address: governor, abi: poolGovernorAbi, functionName: 'proposalVotes', args: [record.proposalId] })),
        read(doing, readContract(client, { address: governor, abi: poolGovernorAbi, functionName: 'proposalEta', args: [record.proposalId] })),
      ])
      // The governor fixes a proposal's quorum when its vote starts (asking earlier reverts): 0n
      // for one whose vote has not started (pending, or cancelled before it). Any other failure
      // to read it is a failure, not a quorum of 0.
      const quorum = await read(doing, readContract(client, { address: governor, abi: poolGovernorAbi, functionName: 'quorum', args: [record.voteStart] })).catch((error: unknown) => {
        if (state === 'pending' || state === 'canceled') return 0n
        throw error
      })
      const calls = record.targets.map((target, index) => ({ target, value: record.values[index] ?? 0n, data: record.calldatas[index] ?? '0x' }))
      return {
        proposalId: record.proposalId,
        proposer: record.proposer,
        description: record.description,
        state,
        voteStart: record.voteStart,
        voteEnd: record.voteEnd,
        votes: { against, for: forVotes, abstain },
        quorum,
        calls,
        decoded: decodePoolCalls({ pool, governor }, calls),
        readyAt: eta === 0n ? undefined : new Date(Number(eta) * 1000),
        txHash: record.txHash,
        blockNumber: record.blockNumber,
      }
    }),
  )
}
