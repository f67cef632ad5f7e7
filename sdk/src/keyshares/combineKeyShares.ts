import { combine } from 'shamir-secret-sharing'
import { KeyShareCombineError } from './errors.ts'
import { type KeyEscrowManifest, keyCommitment, shareCommitment } from './format.ts'

export type CombineKeySharesParameters = {
  manifest: Pick<KeyEscrowManifest, 'dataset' | 'threshold' | 'shareCommitments' | 'keyCommitment'>
  /** Shares as released, by holder index. Ones that fail their commitment are left out. */
  shares: { index: number; share: Uint8Array }[]
}

export type CombineKeySharesReturnType = {
  /** The data key. Wipe it (`fill(0)`) when done. */
  key: Uint8Array
  /** Holder indexes whose share did not match the owner's commitment (lying or corrupted holders). */
  rejected: number[]
}

/**
 * Rebuilds a data key from at least `threshold` released shares. Each share is checked against the
 * owner's commitment first, so a holder that lies is named in `rejected` and never mixed in; the
 * result is checked against the key commitment.
 *
 * @example
 * const { key } = await combineKeyShares({ manifest, shares: [{ index: 0, share }, { index: 2, share: other }] })
 */
export async function combineKeyShares({ manifest, shares }: CombineKeySharesParameters): Promise<CombineKeySharesReturnType> {
  const rejected: number[] = []
  const valid: Uint8Array[] = []
  const seen = new Set<number>()
  for (const { index, share } of shares) {
    if (seen.has(index)) continue
    seen.add(index)
    const expected = manifest.shareCommitments[index]
    if (expected && shareCommitment({ dataset: manifest.dataset, index, share }) === expected.toLowerCase()) valid.push(share)
    else rejected.push(index)
  }
  if (valid.length < manifest.threshold)
    throw new KeyShareCombineError(`Only ${valid.length} of the ${manifest.threshold} key shares needed are valid.`, {
      details: rejected.length ? `shares that failed their commitment: holders ${rejected.join(', ')}` : undefined,
    })
  const used = valid.slice(0, manifest.threshold)
  const key = manifest.threshold === 1 ? (used[0] as Uint8Array).slice() : await combine(used)
  if (keyCommitment({ dataset: manifest.dataset, key }) !== manifest.keyCommitment.toLowerCase()) {
    key.fill(0)
    throw new KeyShareCombineError('The key shares combine to a key that does not match the owner\'s commitment.')
  }
  return { key, rejected }
}
