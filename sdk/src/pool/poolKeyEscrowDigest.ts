import { type Address, type Hex, encodeAbiParameters, keccak256 } from 'viem'

export type PoolKeyEscrowDigestParameters = { dataset: Address; cid: string; holders: readonly Address[]; threshold: number }

/**
 * What a pool records as a member dataset's key escrow (`Contribution.keyEscrow`): a digest naming
 * the dataset, its ciphertext and the key holders (t of n) its key is escrowed with. Anyone holding
 * the owner's signed escrow manifest can recompute it.
 *
 * @example
 * const keyEscrow = poolKeyEscrowDigest({ dataset, cid, holders: manifest.holders, threshold: manifest.threshold })
 */
export function poolKeyEscrowDigest({ dataset, cid, holders, threshold }: PoolKeyEscrowDigestParameters): Hex {
  const sorted = holders.map((holder) => holder.toLowerCase() as Address).sort()
  return keccak256(
    encodeAbiParameters(
      [{ type: 'string' }, { type: 'address' }, { type: 'string' }, { type: 'address[]' }, { type: 'uint8' }],
      ['datavault/pool-key-escrow/v1', dataset, cid, sorted, threshold],
    ),
  )
}
