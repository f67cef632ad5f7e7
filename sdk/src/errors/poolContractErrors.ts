// The custom errors of datavault's pool contracts (DataPool, PoolRevenue) and of OpenZeppelin's
// Governor as PoolGovernor raises them, in words for the people who hit them. A failed transaction's
// `reason` (ChainTransactionError, PoolDeployError) is one of these names when a pool refused it.
// Shared by the CLI and the extension, so that both say the same thing.

/** A sentence for each pool contract error, by the name viem decodes. */
export const poolContractErrorMessages = {
  NotDatasetOwner: "Your wallet does not own this dataset's data NFT: only its owner can add it to a pool.",
  DatasetAlreadyAdded: 'This dataset is in the pool already (or waiting to be accepted).',
  DatasetRemovedByGovernance: "The pool's members removed this dataset; it cannot be added again.",
  DatasetNotPending: 'That dataset is not waiting to be accepted.',
  NotOceanDatatoken: "That is not a datatoken made by this chain's Ocean factory.",
  SharesOverCap: "The pool's share caps would be exceeded (per contribution or in all).",
  ZeroShares: 'That contribution would earn no shares (declare its rows).',
  InvalidContribution: 'The pool refused the contribution (CID, key escrow or rows).',
  ConsentExpired: 'The consent expired.',
  InvalidConsent: 'The consent is not valid (wrong signer, or used already).',
  NotMember: 'Your wallet is not a member of this pool.',
  DatasetNotInPool: 'That dataset is not in this pool as one of yours.',
  PoolGovernorNoVotingPower:
    'Your wallet has no voting power on this proposal: it held no shares of the pool just before the proposal was made (shares gained later, or after leaving, do not count).',
  GovernorAlreadyCastVote: 'Your wallet has voted on this proposal already.',
  GovernorInsufficientProposerVotes: "Your wallet holds fewer shares than the pool's proposal threshold (held before this block).",
  GovernorUnexpectedProposalState: 'The proposal is not in a state that allows this (its vote is not open, or it was decided already).',
  GovernorNonexistentProposal: 'This pool has no such proposal.',
  GovernorRestrictedProposer: 'This proposal may only be made by the address its description names.',
  AlreadyClaimed: 'Your wallet claimed that distribution already.',
  NothingToClaim: 'Nothing to claim from that distribution for your wallet.',
  NoShares: 'Your wallet held no shares when that distribution was made.',
  UnknownDistribution: 'This pool has no such distribution.',
  NothingToDistribute: 'There is nothing new to distribute.',
  InvalidKeyHolders: 'The key holders are not valid (1 to 16 distinct addresses, threshold 1 to their number).',
  NoMembers: 'A closed pool needs founding members: pass --dataset with a dataset of yours, or --open.',
} as const satisfies Record<string, string>

/** The name of a pool contract error this table knows. */
export type PoolContractErrorName = keyof typeof poolContractErrorMessages

/** True when `reason` (a decoded custom error name) is one of the pool contracts' errors. */
export function isPoolContractError(reason: unknown): reason is PoolContractErrorName {
  return typeof reason === 'string' && Object.hasOwn(poolContractErrorMessages, reason)
}

/**
 * What a pool contract's refusal means, in one sentence, or undefined for a name this table does
 * not know (then show the name itself).
 *
 * @example
 * describePoolContractError('NotMember') // 'Your wallet is not a member of this pool.'
 */
export function describePoolContractError(reason: unknown): string | undefined {
  return isPoolContractError(reason) ? poolContractErrorMessages[reason] : undefined
}
