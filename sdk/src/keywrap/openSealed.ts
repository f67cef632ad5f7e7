import { x25519 } from '@noble/curves/ed25519.js'
import { SealedBoxError } from './errors.ts'
import {
  assertKey,
  boxCipher,
  contextBytes,
  isBytes,
  maxSealedPlaintextLength,
  sealedBoxHeaderLength,
  sealedBoxMagic,
  sealedBoxOverhead,
  sealedBoxVersion,
  x25519KeyLength,
} from './format.ts'

export type OpenSealedParameters = {
  /** The context the box was sealed under. */
  context: string | Uint8Array
}

/**
 * Opens a box made by {@link sealToPublicKey} with the recipient's private key and the same context.
 * Throws `SealedBoxError` (one message for every cause) when the box is malformed, was sealed to
 * another key or context, or was altered.
 *
 * @example
 * const dataKey = openSealed(keyHolder.privateKey, box, { context: `dataset:${datasetId}` })
 */
export function openSealed(privateKey: Uint8Array, sealed: Uint8Array, { context }: OpenSealedParameters): Uint8Array {
  assertKey(privateKey, 'private')
  const contextAsBytes = contextBytes(context)
  if (
    !isBytes(sealed) ||
    sealed.length < sealedBoxOverhead ||
    sealed.length > sealedBoxOverhead + maxSealedPlaintextLength ||
    sealed[4] !== sealedBoxVersion ||
    sealedBoxMagic.some((byte, i) => sealed[i] !== byte)
  )
    throw new SealedBoxError()

  const header = sealed.subarray(0, sealedBoxHeaderLength)
  const ephemeralPublicKey = sealed.subarray(5, 5 + x25519KeyLength)
  let sharedSecret: Uint8Array
  try {
    sharedSecret = x25519.getSharedSecret(privateKey, ephemeralPublicKey)
  } catch (cause) {
    throw new SealedBoxError({ cause })
  }
  const recipientPublicKey = x25519.getPublicKey(privateKey)
  const { cipher, wipe } = boxCipher({ sharedSecret, ephemeralPublicKey, recipientPublicKey, header, context: contextAsBytes })
  sharedSecret.fill(0)
  try {
    return cipher.decrypt(sealed.subarray(sealedBoxHeaderLength))
  } catch (cause) {
    throw new SealedBoxError({ cause })
  } finally {
    wipe()
  }
}
