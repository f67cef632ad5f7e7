import { split } from 'shamir-secret-sharing'
import type { Address, Hex } from 'viem'
import { KeyShareArgumentError } from './errors.ts'
import { keyCommitment, maxKeyHolders, shareCommitment } from './format.ts'

export type SplitDataKeyParameters = {
  /** The dataset id (its datatoken address); bound into the commitments. */
  dataset: Address
  /** The 32-byte data key. */
  key: Uint8Array
  /** How many shares are needed to rebuild the key (1 ≤ threshold ≤ holders). */
  threshold: number
  /** How many holders get a share (share `i` is for holder `i`). */
  holders: number
}

export type SplitDataKeyReturnType = {
  /** One share per holder. With a threshold of 1 every share is the key itself. Wipe after use. */
  shares: Uint8Array[]
  shareCommitments: Hex[]
  keyCommitment: Hex
}

/**
 * Splits a data key with Shamir's secret sharing (`shamir-secret-sharing`, audited, GF(2^8)) so
 * that any `threshold` of the `holders` shares rebuild it and fewer reveal nothing, and commits to
 * every share and to the key so a wrong share is detected before it is combined.
 *
 * @example
 * const { shares, shareCommitments } = await splitDataKey({ dataset, key, threshold: 2, holders: 3 })
 */
export async function splitDataKey({ dataset, key, threshold, holders }: SplitDataKeyParameters): Promise<SplitDataKeyReturnType> {
  if (!(key instanceof Uint8Array) || key.byteLength !== 32) throw new KeyShareArgumentError('A data key is 32 bytes.')
  if (!Number.isInteger(holders) || holders < 1 || holders > maxKeyHolders)
    throw new KeyShareArgumentError(`The number of key holders must be between 1 and ${maxKeyHolders}.`)
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > holders)
    throw new KeyShareArgumentError('The threshold must be at least 1 and at most the number of key holders.', { details: `threshold ${threshold}, holders ${holders}` })
  // Shamir needs t ≥ 2; with t = 1 any single holder can give the key, so each holds it whole.
  const shares = threshold === 1 ? Array.from({ length: holders }, () => key.slice()) : await split(key, holders, threshold)
  return {
    shares,
    shareCommitments: shares.map((share, index) => shareCommitment({ dataset, index, share })),
    keyCommitment: keyCommitment({ dataset, key }),
  }
}
