import { secp256k1 } from '@noble/curves/secp256k1.js'
import { type Address, type Hex, type TypedData, type TypedDataDefinition, hashTypedData, hexToBytes } from 'viem'
import { addressOfPoint, parseRecoverableSignature } from './recoverTypedDataSigner.ts'

type Point = InstanceType<typeof secp256k1.Point>
const { Point: CurvePoint } = secp256k1
const Fn = CurvePoint.Fn

/** Options of {@link knownSignerRecovery}. */
export type KnownSignerRecoveryParameters = {
  /** How many signers' keys to keep (least recently seen dropped first). */
  maxSigners?: number
}

/** What {@link knownSignerRecovery} returns. */
export type KnownSignerRecovery = {
  /**
   * The address that signed EIP-712 typed data: always the answer `recoverTypedDataSigner` (and
   * viem's `recoverTypedDataAddress`) gives. Throws as `recoverTypedDataSigner` does.
   */
  recover<const types extends TypedData | Record<string, unknown>, primaryType extends keyof types | 'EIP712Domain'>(
    parameters: TypedDataDefinition<types, primaryType> & { signature: Hex },
    options: KnownSignerRecoveryOptions,
  ): Address
  /**
   * The same for a digest already computed (e.g. by {@link typedDataHasher}): the address
   * `recoverTypedDataSigner` gives for typed data with that digest. Throws as it does.
   */
  recoverDigest(parameters: { digest: Hex; signature: Hex }, options: KnownSignerRecoveryOptions): Address
}

/** Options of {@link KnownSignerRecovery.recover}. */
export type KnownSignerRecoveryOptions = {
  /** Whether to remember a signer found by full recovery (one expected to sign again, e.g. a dataset's compute node). */
  remember: (signer: Address) => boolean
}

/**
 * Signer recovery that remembers the public keys of signers it will see again. Recovering a key
 * from a signature means lifting `r` to a point and multiplying it (nothing about it can be
 * precomputed); once a signer's key is known, the same answer comes from the verification equation
 * with that key's multiples precomputed: `R' = (h/s)·G + (r/s)·Q`, and `Q` is the key recovery would
 * give exactly when `R'` is the point recovery lifts, that is `x(R') = r` and the parity of `y(R')`
 * is the signature's `v`. So `v` is checked too, and the answer is the same for every signature,
 * valid or not, at about a third of recovery's CPU. A signature no remembered key matches is
 * recovered in full. `recoverDigest` takes a digest computed by the caller (a ticket's, by
 * `typedDataHasher`, is much cheaper than viem's `hashTypedData`).
 *
 * @example
 * const signers = knownSignerRecovery()
 * const signer = signers.recover(
 *   { domain, types: jobTicketTypes, primaryType: 'JobTicket', message: ticket, signature },
 *   { remember: (signer) => computeNodes.includes(signer.toLowerCase()) },
 * )
 */
export function knownSignerRecovery({ maxSigners = 8 }: KnownSignerRecoveryParameters = {}): KnownSignerRecovery {
  // Most recently seen last; a Map keeps insertion order.
  const known = new Map<Address, Point>()
  const seen = (address: Address, point: Point) => {
    known.delete(address)
    known.set(address, point)
    if (known.size > maxSigners) known.delete(known.keys().next().value!)
  }
  const recoverDigest: KnownSignerRecovery['recoverDigest'] = ({ digest, signature }, { remember }) => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(digest)) throw new TypeError('A digest is 32 bytes as hex.')
    const parsed = parseRecoverableSignature(signature)
    if (known.size > 0) {
      // The digest as recovery reads it: big-endian, reduced modulo the group order.
      const w = Fn.inv(parsed.s)
      const u1 = Fn.mul(Fn.create(BigInt(digest)), w)
      const u2 = Fn.mul(parsed.r, w)
      const base = CurvePoint.BASE.multiplyUnsafe(u1)
      for (const [address, key] of [...known].reverse()) {
        const candidate = base.add(key.multiplyUnsafe(u2))
        if (candidate.is0()) continue
        const { x, y } = candidate.toAffine()
        if (x === parsed.r && Number(y & 1n) === parsed.recovery) {
          seen(address, key)
          return address
        }
      }
    }
    const point = parsed.recoverPublicKey(hexToBytes(digest))
    const address = addressOfPoint(point)
    if (remember(address)) {
      point.precompute(8)
      seen(address, point)
    }
    return address
  }
  return {
    recover(parameters, options) {
      const { signature, ...typed } = parameters
      return recoverDigest({ digest: hashTypedData(typed as unknown as TypedDataDefinition), signature }, options)
    },
    recoverDigest,
  }
}
