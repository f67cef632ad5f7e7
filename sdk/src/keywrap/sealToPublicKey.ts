import { x25519 } from '@noble/curves/ed25519.js'
import { KeyWrapArgumentError } from './errors.ts'
import { assertKey, boxCipher, contextBytes, encodeHeader, isBytes, maxSealedPlaintextLength } from './format.ts'

export type SealToPublicKeyParameters = {
  /** What the secret is for (e.g. the dataset id); the same context is needed to open the box. */
  context: string | Uint8Array
}

/**
 * Seals a small secret (a data key, a key share) so that only the holder of the private key for
 * `publicKey` can open it, and only under the same `context`. Ephemeral X25519, HKDF-SHA256 with both
 * public keys in the info, AES-256-GCM with the header and context as associated data (FORMAT.md).
 * The result is 53 bytes longer than the secret.
 *
 * @example
 * const box = sealToPublicKey(keyHolder.publicKey, dataKey, { context: `dataset:${datasetId}` })
 */
export function sealToPublicKey(
  publicKey: Uint8Array,
  plaintext: Uint8Array,
  { context }: SealToPublicKeyParameters,
): Uint8Array {
  assertKey(publicKey, 'public')
  const contextAsBytes = contextBytes(context)
  if (!isBytes(plaintext) || plaintext.length > maxSealedPlaintextLength)
    throw new KeyWrapArgumentError(`A sealed box carries a Uint8Array of at most ${maxSealedPlaintextLength} bytes.`)

  const ephemeralPrivateKey = x25519.utils.randomSecretKey()
  const ephemeralPublicKey = x25519.getPublicKey(ephemeralPrivateKey)
  let sharedSecret: Uint8Array
  try {
    sharedSecret = x25519.getSharedSecret(ephemeralPrivateKey, publicKey)
  } catch (cause) {
    // noble refuses low-order points, whose shared secret would be all zeros.
    throw new KeyWrapArgumentError('The public key is not a usable X25519 key (low-order point).', { details: String(cause) })
  } finally {
    ephemeralPrivateKey.fill(0)
  }
  const header = encodeHeader(ephemeralPublicKey)
  const { cipher, wipe } = boxCipher({ sharedSecret, ephemeralPublicKey, recipientPublicKey: publicKey, header, context: contextAsBytes })
  sharedSecret.fill(0)
  try {
    const sealed = cipher.encrypt(plaintext)
    const box = new Uint8Array(header.length + sealed.length)
    box.set(header, 0)
    box.set(sealed, header.length)
    return box
  } finally {
    wipe()
  }
}
