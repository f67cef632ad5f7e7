// DAO data pools: create, join, leave, propose, vote, execute, claim revenue, and the readers the
// node and key holders use. Browser-safe (viem and @datavault/contracts' browser-safe entries).
export { type ClaimPoolRevenueErrorType, type ClaimPoolRevenueParameters, type ClaimPoolRevenueReturnType, claimPoolRevenue, type PoolRevenueClaim } from '../actions/pool/claimPoolRevenue.ts'
export { type CreatePoolErrorType, type CreatePoolParameters, type CreatePoolReturnType, createPool } from '../actions/pool/createPool.ts'
export { PoolProposalNotFoundError, PoolProposalNotReadyError, PoolProposalStateError } from './errors.ts'
export { type ExecutePoolErrorType, type ExecutePoolParameters, type ExecutePoolReturnType, executePool } from '../actions/pool/executePool.ts'
export { type GetPoolErrorType, type GetPoolParameters, type GetPoolReturnType, getPool, type PoolStatus } from '../actions/pool/getPool.ts'
export {
  type GetPoolProposalsErrorType,
  type GetPoolProposalsParameters,
  type GetPoolProposalsReturnType,
  getPoolProposals,
  type PoolProposal,
} from '../actions/pool/getPoolProposals.ts'
export type { PoolProposalState } from './internal.ts'
export { type IsPoolBuyerAllowedErrorType, type IsPoolBuyerAllowedParameters, type IsPoolBuyerAllowedReturnType, isPoolBuyerAllowed } from '../actions/pool/isPoolBuyerAllowed.ts'
export {
  type IsPoolTrainerApprovedErrorType,
  type IsPoolTrainerApprovedParameters,
  type IsPoolTrainerApprovedReturnType,
  isPoolTrainerApproved,
} from '../actions/pool/isPoolTrainerApproved.ts'
export { type JoinPoolErrorType, type JoinPoolParameters, type JoinPoolReturnType, joinPool } from '../actions/pool/joinPool.ts'
export { type LeavePoolErrorType, type LeavePoolParameters, type LeavePoolReturnType, leavePool } from '../actions/pool/leavePool.ts'
export {
  type DecodedPoolCall,
  decodePoolCalls,
  type EncodePoolActionsParameters,
  encodePoolActions,
  type PoolAction,
  type PoolCall,
} from './poolActions.ts'
export {
  type PoolDataset,
  type PoolDatasetStatus,
  type PoolMember,
  type PoolMembersErrorType,
  type PoolMembersParameters,
  type PoolMembersReturnType,
  poolMembers,
} from '../actions/pool/poolMembers.ts'
export { type PoolKeyEscrowDigestParameters, poolKeyEscrowDigest } from './poolKeyEscrowDigest.ts'
export { type PoolEarnings, type PoolEarningsErrorType, type PoolEarningsParameters, type PoolEarningsReturnType, poolEarnings } from '../actions/pool/poolEarnings.ts'
export { computePolicyFromPoolLimits, type PoolComputePolicyLimits, poolComputeLimitsFromPolicy } from './poolPolicy.ts'
export { type ProposePoolErrorType, type ProposePoolParameters, type ProposePoolReturnType, proposePool } from '../actions/pool/proposePool.ts'
export { type PoolConsent, type SignPoolConsentErrorType, type SignPoolConsentParameters, type SignPoolConsentReturnType, signPoolConsent } from '../actions/pool/signPoolConsent.ts'
export { type PoolVoteSupport, type VotePoolErrorType, type VotePoolParameters, type VotePoolReturnType, votePool } from '../actions/pool/votePool.ts'
// The contracts' pool types and helpers the actions take, so callers need not import them separately.
export {
  type PoolComputeLimits,
  type PoolContracts,
  type PoolContribution,
  type PoolContributionRules,
  type PoolGovernanceSettings,
  type PoolFounder,
  PoolDeployError,
  PoolParameterError,
  poolTrainerId,
} from '@datavault/contracts/pool'
