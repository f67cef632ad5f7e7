import { DataVaultError } from '../errors/base.ts'
import type { PoolProposalState } from './internal.ts'

/** No `ProposalCreated` event of the pool's governor has that id (wrong pool, or `fromBlock` too late). */
export class PoolProposalNotFoundError extends DataVaultError {
  override name = 'PoolProposalNotFoundError'
  readonly proposalId: bigint
  constructor(proposalId: bigint) {
    super(`Proposal ${proposalId} was not found on this pool's governor.`, { code: 'POOL_PROPOSAL_NOT_FOUND', status: 404, details: 'check the pool address, or read events from an earlier block', kind: 'refused' })
    this.proposalId = proposalId
  }
}

/** The proposal is in a state the action cannot act on (e.g. executing one that was defeated). */
export class PoolProposalStateError extends DataVaultError {
  override name = 'PoolProposalStateError'
  readonly proposalId: bigint
  readonly state: PoolProposalState
  constructor(proposalId: bigint, state: PoolProposalState, action: string) {
    super(`Proposal ${proposalId} is ${state}; it cannot be ${action}.`, { code: 'POOL_PROPOSAL_STATE', status: 409, kind: 'refused' })
    this.proposalId = proposalId
    this.state = state
  }
}

/** The proposal is queued in the timelock and may run only from `readyAt`. */
export class PoolProposalNotReadyError extends DataVaultError {
  override name = 'PoolProposalNotReadyError'
  readonly proposalId: bigint
  /** When the timelock lets it run. */
  readonly readyAt: Date
  constructor(proposalId: bigint, readyAt: Date) {
    super(`Proposal ${proposalId} is queued and can run from ${readyAt.toISOString()}.`, { code: 'POOL_PROPOSAL_NOT_READY', status: 409, kind: 'refused' })
    this.proposalId = proposalId
    this.readyAt = readyAt
  }
}
