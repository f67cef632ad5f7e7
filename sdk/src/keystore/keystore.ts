// Web3 Secret Storage v3 (https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage/):
// the keystore format of geth, MetaMask's JSON import, ethers and web3.js. A password-derived key
// (scrypt; PBKDF2-HMAC-SHA256 read too) encrypts the private key with AES-128-CTR; a keccak256 MAC
// over the second half of the derived key and the ciphertext detects a wrong password. Browser-safe:
// the CLI's key files and the extension's wallet are both this code.
import { ctr } from '@noble/ciphers/aes.js'
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { DataVaultError } from '../errors/base.ts'

/** scrypt cost parameters (N, r, p). */
export type ScryptCost = { n: number; r: number; p: number }

/** Why a keystore operation failed. */
export type KeystoreErrorReason = 'invalid' | 'wrong-password' | 'address-mismatch' | 'key-invalid'

const codes = {
  invalid: 'KEYSTORE_INVALID',
  'wrong-password': 'KEYSTORE_WRONG_PASSWORD',
  'address-mismatch': 'KEYSTORE_ADDRESS_MISMATCH',
  'key-invalid': 'KEYSTORE_KEY_INVALID',
} as const

/** A keystore could not be read or written; `reason` says why. Never carries key or password bytes. */
export class KeystoreError extends DataVaultError {
  override name = 'KeystoreError'
  readonly reason: KeystoreErrorReason
  constructor(reason: KeystoreErrorReason, shortMessage: string, { details }: { details?: string | undefined } = {}) {
    super(shortMessage, { code: codes[reason], status: 400, details })
    this.reason = reason
  }
}

const hex = (bytes: number) => z.string().regex(new RegExp(`^(0x)?[0-9a-fA-F]{${bytes * 2}}$`), `must be ${bytes} bytes of hex`)
const hexAny = z.string().regex(/^(0x)?([0-9a-fA-F]{2}){1,1024}$/, 'must be hex')

// Limits keep a hostile file from making the reader spend minutes or gigabytes.
const scryptParams = z.object({
  dklen: z.literal(32),
  n: z.number().int().min(2).max(2 ** 20).refine((n) => (n & (n - 1)) === 0, 'n must be a power of 2'),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  salt: hexAny,
})
const pbkdf2Params = z.object({ dklen: z.literal(32), c: z.number().int().min(1).max(10_000_000), prf: z.literal('hmac-sha256'), salt: hexAny })

const cipherFields = { cipher: z.literal('aes-128-ctr'), cipherparams: z.object({ iv: hex(16) }), ciphertext: hex(32), mac: hex(32) }
const cryptoSchema = z.discriminatedUnion('kdf', [
  z.object({ ...cipherFields, kdf: z.literal('scrypt'), kdfparams: scryptParams }),
  z.object({ ...cipherFields, kdf: z.literal('pbkdf2'), kdfparams: pbkdf2Params }),
])

/** A Web3 Secret Storage v3 document (`crypto`, or `Crypto` as some wallets write it). */
export const keystoreV3Schema = z
  .object({
    version: z.literal(3),
    id: z.string().max(64).optional(),
    address: z.string().regex(/^(0x)?[0-9a-fA-F]{40}$/).optional(),
    crypto: cryptoSchema.optional(),
    Crypto: cryptoSchema.optional(),
  })
  .refine((file) => (file.crypto ?? file.Crypto) !== undefined, { message: 'has no crypto section' })

/** A v3 keystore document. */
export type KeystoreV3 = z.input<typeof keystoreV3Schema>

/** A keystore as `encryptKeystore` writes it: always with `address` and `id`. */
export type WrittenKeystore = KeystoreV3 & { address: string; id: string; version: 3 }

const strip = (value: string) => (value.startsWith('0x') ? value.slice(2) : value)
const bytes = (value: string) => hexToBytes(strip(value))
const passwordBytes = (password: string) => new TextEncoder().encode(password.normalize('NFKD'))
const scrypt = (password: Uint8Array, salt: Uint8Array, { n, r, p }: ScryptCost) =>
  scryptAsync(password, salt, { N: n, r, p, dkLen: 32, maxmem: 128 * n * r * (p + 2) + 1024 })

function macOf(derived: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const input = new Uint8Array(16 + ciphertext.length)
  input.set(derived.subarray(16, 32), 0)
  input.set(ciphertext, 16)
  return keccak_256(input)
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/**
 * Encrypts a private key into a v3 keystore with scrypt at `scrypt`'s cost and AES-128-CTR. The
 * password is taken as UTF-8 bytes, NFKD-normalized (as ethers does).
 *
 * @example
 * const keystore = await encryptKeystore(generatePrivateKey(), password, { scrypt: { n: 2 ** 17, r: 8, p: 1 } })
 */
export async function encryptKeystore(privateKey: `0x${string}`, password: string, { scrypt: cost }: { scrypt: ScryptCost }): Promise<WrittenKeystore> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) throw new KeystoreError('key-invalid', 'A private key is 32 bytes of hex.')
  const secret = bytes(privateKey)
  const address = privateKeyToAccount(privateKey).address.toLowerCase()
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(32))
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(16))
  const derived = await scrypt(passwordBytes(password), salt, cost)
  try {
    const ciphertext = ctr(derived.subarray(0, 16), iv).encrypt(secret)
    return {
      address: strip(address),
      crypto: {
        cipher: 'aes-128-ctr',
        cipherparams: { iv: bytesToHex(iv) },
        ciphertext: bytesToHex(ciphertext),
        kdf: 'scrypt',
        kdfparams: { dklen: 32, n: cost.n, r: cost.r, p: cost.p, salt: bytesToHex(salt) },
        mac: bytesToHex(macOf(derived, ciphertext)),
      },
      id: globalThis.crypto.randomUUID(),
      version: 3,
    }
  } finally {
    derived.fill(0)
    secret.fill(0)
  }
}

/**
 * Decrypts a v3 keystore (scrypt or PBKDF2) and returns its private key. Throws `KeystoreError`:
 * `wrong-password` when the MAC does not match, `invalid` for a document that is not a v3 keystore
 * (or whose scrypt would use more than `maxScryptMemoryBytes`), `address-mismatch` when the key is
 * not the address the file names. Nothing is derived before the document passed its limits.
 *
 * @example
 * const privateKey = await decryptKeystore(JSON.parse(text), password)
 */
export async function decryptKeystore(file: unknown, password: string, { maxScryptMemoryBytes }: { maxScryptMemoryBytes?: number | undefined } = {}): Promise<`0x${string}`> {
  const parsed = keystoreV3Schema.safeParse(file)
  if (!parsed.success) throw new KeystoreError('invalid', 'Not a Web3 Secret Storage v3 keystore.', { details: z.prettifyError(parsed.error) })
  const crypto = (parsed.data.crypto ?? parsed.data.Crypto)!
  if (crypto.kdf === 'scrypt' && maxScryptMemoryBytes !== undefined && 128 * crypto.kdfparams.n * crypto.kdfparams.r > maxScryptMemoryBytes)
    throw new KeystoreError('invalid', 'Not a Web3 Secret Storage v3 keystore.', { details: `scrypt may use at most ${maxScryptMemoryBytes / 1024 ** 2} MiB here` })
  const derived = crypto.kdf === 'scrypt' ? await scrypt(passwordBytes(password), bytes(crypto.kdfparams.salt), crypto.kdfparams) : await pbkdf2Async(sha256, passwordBytes(password), bytes(crypto.kdfparams.salt), { c: crypto.kdfparams.c, dkLen: 32 })
  try {
    const ciphertext = bytes(crypto.ciphertext)
    if (!equal(macOf(derived, ciphertext), bytes(crypto.mac))) throw new KeystoreError('wrong-password', 'Wrong password.')
    const secret = ctr(derived.subarray(0, 16), bytes(crypto.cipherparams.iv)).decrypt(ciphertext)
    const privateKey = `0x${bytesToHex(secret)}` as const
    secret.fill(0)
    const address = parsed.data.address
    if (address !== undefined && privateKeyToAccount(privateKey).address.toLowerCase() !== `0x${strip(address).toLowerCase()}`)
      throw new KeystoreError('address-mismatch', 'The keystore\'s key is not the address it names.')
    return privateKey
  } finally {
    derived.fill(0)
  }
}

/** The address a keystore names (lower-case, 0x-prefixed), without decrypting it. */
export function keystoreAddress(file: WrittenKeystore): `0x${string}` {
  return `0x${strip(file.address).toLowerCase()}`
}
