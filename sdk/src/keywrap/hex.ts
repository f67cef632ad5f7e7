import type { Hex } from 'viem'
import { KeyWrapArgumentError } from './errors.ts'
import { isBytes, x25519KeyLength } from './format.ts'
import { type KeyPair, derivePublicKey } from './generateKeyPair.ts'

function toHex(bytes: Uint8Array): Hex {
  let hex = '0x'
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex as Hex
}

function keyFromHex(hex: string, what: 'public' | 'private'): Uint8Array {
  const digits = typeof hex === 'string' && hex.startsWith('0x') ? hex.slice(2) : hex
  if (typeof digits !== 'string' || !/^[0-9a-fA-F]{64}$/.test(digits))
    throw new KeyWrapArgumentError(`An X25519 ${what} key in hex must be ${x25519KeyLength * 2} hex digits (0x optional).`)
  const key = new Uint8Array(x25519KeyLength)
  for (let i = 0; i < key.length; i++) key[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16)
  return key
}

/**
 * Both keys of a pair as 0x-prefixed lowercase hex, e.g. for a config file or a key service record.
 *
 * @example
 * const { publicKey } = keyPairToHex(generateKeyPair()) // '0x…' (64 hex digits)
 */
export function keyPairToHex({ privateKey, publicKey }: KeyPair): { privateKey: Hex; publicKey: Hex } {
  return { privateKey: toHex(privateKey), publicKey: toHex(publicKey) }
}

/**
 * Rebuilds a key pair from its private key in hex (the public key is derived).
 *
 * @example
 * const holder = keyPairFromHex(process.env.KEY_HOLDER_PRIVATE_KEY!)
 */
export function keyPairFromHex(privateKey: string): KeyPair {
  const bytes = keyFromHex(privateKey, 'private')
  return { privateKey: bytes, publicKey: derivePublicKey(bytes) }
}

/**
 * A public key from hex (0x optional).
 *
 * @example
 * sealToPublicKey(publicKeyFromHex(holder.publicKey), dataKey, { context })
 */
export function publicKeyFromHex(publicKey: string): Uint8Array {
  return keyFromHex(publicKey, 'public')
}

/**
 * A public key as 0x-prefixed lowercase hex.
 *
 * @example
 * publicKeyToHex(generateKeyPair().publicKey)
 */
export function publicKeyToHex(publicKey: Uint8Array): Hex {
  if (!isBytes(publicKey) || publicKey.length !== x25519KeyLength)
    throw new KeyWrapArgumentError(`An X25519 public key must be ${x25519KeyLength} bytes.`)
  return toHex(publicKey)
}
