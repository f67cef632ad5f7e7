// Byte layout of a version-1 sealed box. FORMAT.md is the prose version of this file.
import { gcm } from '@noble/ciphers/aes.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { KeyWrapArgumentError } from './errors.ts'

/** `DVKW`: the first four bytes of every sealed box. */
export const sealedBoxMagic: Uint8Array = new Uint8Array([0x44, 0x56, 0x4b, 0x57])
/** Sealed box format version this SDK writes and reads. */
export const sealedBoxVersion = 1
/** X25519 key length, private and public. */
export const x25519KeyLength = 32
/** Bytes before the ciphertext: magic 4, version 1, ephemeral public key 32. */
export const sealedBoxHeaderLength = 4 + 1 + x25519KeyLength
/** AES-GCM tag length. */
export const sealedBoxTagLength = 16
/** Bytes a sealed box adds to its plaintext. */
export const sealedBoxOverhead = sealedBoxHeaderLength + sealedBoxTagLength
/** Largest secret a sealed box carries: it wraps keys and key shares, not data. */
export const maxSealedPlaintextLength = 4096

/** HKDF info label of version-1 boxes (followed by the ephemeral and recipient public keys). */
export const kdfInfoLabel = new TextEncoder().encode('datavault keywrap v1 x25519-hkdf-sha256-aes-256-gcm')

/** A Uint8Array from any realm (an iframe, a vm context, a Node Buffer). */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor?.name === 'Uint8Array')
}

export function assertKey(key: Uint8Array, what: 'public' | 'private'): void {
  if (!isBytes(key) || key.length !== x25519KeyLength)
    throw new KeyWrapArgumentError(`An X25519 ${what} key must be ${x25519KeyLength} bytes.`, {
      details: `Got ${isBytes(key) ? `${key.length} bytes` : typeof key}.`,
    })
}

/** The context as bytes; it must name what the secret is for, so an empty one is refused. */
export function contextBytes(context: string | Uint8Array): Uint8Array {
  const bytes = typeof context === 'string' ? new TextEncoder().encode(context) : context
  if (!isBytes(bytes) || bytes.length === 0)
    throw new KeyWrapArgumentError('A sealed box needs a non-empty context (for example the dataset id) to bind it to.')
  return bytes
}

/** The box header: magic, version, ephemeral public key. */
export function encodeHeader(ephemeralPublicKey: Uint8Array): Uint8Array {
  const header = new Uint8Array(sealedBoxHeaderLength)
  header.set(sealedBoxMagic, 0)
  header[4] = sealedBoxVersion
  header.set(ephemeralPublicKey, 5)
  return header
}

/**
 * AES-256-GCM keyed from the X25519 shared secret: HKDF-SHA256 with no salt and
 * info = label ‖ ephemeral public key ‖ recipient public key gives the key (32) and nonce (12).
 * Each ephemeral key seals exactly one box, so the derived nonce is never reused with its key.
 * AAD = header ‖ context, so the box is bound to its context and to its own header bytes.
 */
export function boxCipher({
  sharedSecret,
  ephemeralPublicKey,
  recipientPublicKey,
  header,
  context,
}: {
  sharedSecret: Uint8Array
  ephemeralPublicKey: Uint8Array
  recipientPublicKey: Uint8Array
  header: Uint8Array
  context: Uint8Array
}) {
  const info = new Uint8Array(kdfInfoLabel.length + 2 * x25519KeyLength)
  info.set(kdfInfoLabel, 0)
  info.set(ephemeralPublicKey, kdfInfoLabel.length)
  info.set(recipientPublicKey, kdfInfoLabel.length + x25519KeyLength)
  const okm = hkdf(sha256, sharedSecret, undefined, info, 32 + 12)
  const aad = new Uint8Array(header.length + context.length)
  aad.set(header, 0)
  aad.set(context, header.length)
  const cipher = gcm(okm.subarray(0, 32), okm.subarray(32), aad)
  return { cipher, wipe: () => okm.fill(0) }
}
