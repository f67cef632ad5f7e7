// The EIP-712 consent a data owner signs to add a dataset to a DataPool, and the ids the pool keys
// trainer approvals by. Browser-safe (viem only).
import type { Address, Hex } from 'viem'
import { keccak256, stringToBytes } from 'viem'

/** A dataset offered to a pool: its datatoken (the dataset id), ciphertext CID, key escrow digest and rows. */
export type PoolContribution = {
  /** The dataset's Ocean datatoken; its data NFT's owner is the one who consents. */
  datatoken: Address
  /** CID of the dataset's ciphertext on IPFS (at most 256 bytes). */
  cid: string
  /** Digest of the key escrow the owner made to the pool's key holders (non-zero). */
  keyEscrow: Hex
  /** Rows the owner declares; the pool's rules turn them into shares. */
  rows: bigint
}

/** EIP-712 domain name and version of every DataPool. */
export const dataPoolDomain = { name: 'DataVault DataPool', version: '1' } as const

/** EIP-712 types of a contribution consent (`DataPool.contributeWithConsent`). */
export const contributionConsentTypes = {
  Contribution: [
    { name: 'datatoken', type: 'address' },
    { name: 'cid', type: 'string' },
    { name: 'keyEscrow', type: 'bytes32' },
    { name: 'rows', type: 'uint64' },
    { name: 'member', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const

export type ContributionConsentTypedDataParameters = {
  chainId: number
  /** The DataPool the consent is for (the EIP-712 verifying contract). */
  pool: Address
  contribution: PoolContribution
  /** The data NFT's owner, who signs and receives the shares. */
  member: Address
  /** `DataPool.nonces(member)`: each consent is usable once. */
  nonce: bigint
  /** Unix seconds after which the pool refuses the consent. */
  deadline: bigint
}

/**
 * The typed data a data owner signs (viem `signTypedData`) to consent to adding a dataset to a
 * pool; anyone may then relay it with `DataPool.contributeWithConsent`.
 *
 * @example
 * const signature = await owner.signTypedData(contributionConsentTypedData({ chainId, pool, contribution, member: owner.address, nonce, deadline }))
 */
export function contributionConsentTypedData({ chainId, pool, contribution, member, nonce, deadline }: ContributionConsentTypedDataParameters) {
  return {
    domain: { ...dataPoolDomain, chainId, verifyingContract: pool },
    types: contributionConsentTypes,
    primaryType: 'Contribution',
    message: { ...contribution, member, nonce, deadline },
  } as const
}

/**
 * The id a pool approves a trainer under: keccak256 of its compute-policy entry, e.g.
 * `logistic-regression` or `logistic-regression@<sha256>`. Custom algorithms are approved by their
 * SHA-256 itself (`setAlgorithmApproval`).
 *
 * @example
 * poolTrainerId('logistic-regression') // 0x…
 */
export function poolTrainerId(entry: string): Hex {
  return keccak256(stringToBytes(entry))
}
