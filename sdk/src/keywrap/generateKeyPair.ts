import { x25519 } from '@noble/curves/ed25519.js'
import { assertKey } from './format.ts'

/** An X25519 key pair for receiving sealed boxes. */
export type KeyPair = {
  /** 32 bytes; keep it secret. */
  privateKey: Uint8Array
  /** 32 bytes; share it with anyone who should seal secrets to you. */
  publicKey: Uint8Array
}

/**
 * A fresh X25519 key pair from the platform CSPRNG.
 *
 * @example
 * const holder = generateKeyPair()
 * const box = sealToPublicKey(holder.publicKey, dataKey, { context: datasetId })
 */
export function generateKeyPair(): KeyPair {
  const privateKey = x25519.utils.randomSecretKey()
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) }
}

/**
 * The public key of an X25519 private key.
 *
 * @example
 * derivePublicKey(holder.privateKey) // equals holder.publicKey
 */
export function derivePublicKey(privateKey: Uint8Array): Uint8Array {
  assertKey(privateKey, 'private')
  return x25519.getPublicKey(privateKey)
}
