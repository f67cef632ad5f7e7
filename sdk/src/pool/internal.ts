// Helpers shared by the pool actions (not exported from the SDK).
import type { Address, BlockNumber, BlockTag, Chain, Client, Hash, Hex, Transport } from 'viem'
import { BaseError, ContractFunctionRevertedError, zeroAddress, zeroHash } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { dataPoolAbi, erc20TemplateAbi, poolGovernorAbi } from '@datavault/contracts/abis'
import type { PoolContracts } from '@datavault/contracts/pool'
import { ChainReadError, type ChainTransactionError } from '../chain/errors.ts'
import { PoolProposalNotFoundError } from './errors.ts'

/** Any viem client that can read the chain. */
export type ReadClient = Client<Transport, Chain | undefined>

/** A proposal's state, as OpenZeppelin's Governor names it (lower case). */
export type PoolProposalState = 'pending' | 'active' | 'canceled' | 'defeated' | 'succeeded' | 'queued' | 'expired' | 'executed'

/** Governor's `ProposalState` enum, in order. */
export const proposalStates: readonly PoolProposalState[] = ['pending', 'active', 'canceled', 'defeated', 'succeeded', 'queued', 'expired', 'executed']

/** Runs a read, turning any failure into a ChainReadError that says what was being read. */
export async function read<T>(action: string, promise: Promise<T>): Promise<T> {
  try {
    return await promise
  } catch (error) {
    throw ChainReadError.from(action, error) as ChainReadError | ChainTransactionError
  }
}

/** The addresses of a pool's contracts, read from the DataPool. */
export async function readPoolContracts(client: ReadClient, pool: Address): Promise<PoolContracts> {
  const doing = `reading the data pool ${pool}`
  const get = <T>(functionName: 'shareToken' | 'revenue' | 'governor' | 'timelock' | 'datatoken' | 'exchangeId') =>
    read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName }) as Promise<T>)
  const [shareToken, revenue, governor, timelock, datatoken, exchangeId] = await Promise.all([
    get<Address>('shareToken'),
    get<Address>('revenue'),
    get<Address>('governor'),
    get<Address>('timelock'),
    get<Address>('datatoken'),
    get<Hex>('exchangeId'),
  ])
  const nft = datatoken === zeroAddress ? zeroAddress : await read(doing, readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getERC721Address' }))
  return { pool, shareToken, revenue, governor, timelock, nft, datatoken, exchangeId: exchangeId ?? zeroHash }
}

/** A proposal as its `ProposalCreated` event tells it. */
export type ProposalRecord = {
  proposalId: bigint
  proposer: Address
  targets: readonly Address[]
  values: readonly bigint[]
  calldatas: readonly Hex[]
  description: string
  voteStart: bigint
  voteEnd: bigint
  txHash: Hash
  blockNumber: bigint
}

/** Every proposal of a governor, from its `ProposalCreated` events. */
export async function readProposals(client: ReadClient, governor: Address, fromBlock: BlockNumber | BlockTag = 'earliest'): Promise<ProposalRecord[]> {
  const events = await read(
    `reading the proposals of ${governor}`,
    getContractEvents(client, { address: governor, abi: poolGovernorAbi, eventName: 'ProposalCreated', fromBlock, toBlock: 'latest', strict: true }),
  )
  // Mined logs (toBlock 'latest') always carry their transaction and block.
  return events.map(({ args, transactionHash, blockNumber }) => ({
    proposalId: args.proposalId,
    proposer: args.proposer,
    targets: args.targets,
    values: args.values,
    calldatas: args.calldatas,
    description: args.description,
    voteStart: args.voteStart,
    voteEnd: args.voteEnd,
    txHash: transactionHash as Hash,
    blockNumber: blockNumber as bigint,
  }))
}

/** One proposal's record; PoolProposalNotFoundError when the governor never emitted it. */
export async function readProposal(client: ReadClient, governor: Address, proposalId: bigint, fromBlock?: BlockNumber | BlockTag): Promise<ProposalRecord> {
  const found = (await readProposals(client, governor, fromBlock)).find((proposal) => proposal.proposalId === proposalId)
  if (!found) throw new PoolProposalNotFoundError(proposalId)
  return found
}

/** A proposal's current state. */
export async function readProposalState(client: ReadClient, governor: Address, proposalId: bigint): Promise<PoolProposalState> {
  let state: number
  try {
    state = await readContract(client, { address: governor, abi: poolGovernorAbi, functionName: 'state', args: [proposalId] })
  } catch (error) {
    if (revertedWith(error) === 'GovernorNonexistentProposal') throw new PoolProposalNotFoundError(proposalId)
    throw ChainReadError.from(`reading the state of proposal ${proposalId}`, error)
  }
  return proposalStates[state] ?? 'pending'
}

/** The custom error a contract call reverted with, if viem decoded one. */
export function revertedWith(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined
  const reverted = error.walk((inner) => inner instanceof ContractFunctionRevertedError)
  return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined
}
