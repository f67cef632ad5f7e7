// Web3 Secret Storage v3 (https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage/):
// the keystore format of geth, MetaMask's JSON import, ethers and web3.js. A password-derived key
// (scrypt; PBKDF2-HMAC-SHA256 read too) encrypts the private key with AES-128-CTR; a keccak256
// MAC over the second half of the derived key and the ciphertext detects a wrong password.
import { ctr } from '@noble/ciphers/aes.js'
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { CliWalletError } from './errors.ts'

/** scrypt cost of new keys: geth's "standard" (N = 2^18, r = 8, p = 1; about a second). */
export const standardScrypt = { n: 262_144, r: 8, p: 1 } as const
/** geth's `--lightkdf` (N = 2^12, r = 8, p = 6): for tests and throwaway keys only. */
export const lightScrypt = { n: 4096, r: 8, p: 6 } as const

const hex = (bytes: number) => z.string().regex(new RegExp(`^(0x)?[0-9a-fA-F]{${bytes * 2}}$`), `must be ${bytes} bytes of hex`)
const hexAny = z.string().regex(/^(0x)?([0-9a-fA-F]{2})+$/, 'must be hex')

// Limits keep a hostile file from making the CLI spend minutes or gigabytes.
const scryptParams = z.object({
  dklen: z.literal(32),
  n: z.number().int().min(2).max(2 ** 20).refine((n) => (n & (n - 1)) === 0, 'n must be a power of 2'),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  salt: hexAny,
})
const pbkdf2Params = z.object({ dklen: z.literal(32), c: z.number().int().min(1).max(10_000_000), prf: z.literal('hmac-sha256'), salt: hexAny })

const cryptoSchema = z.discriminatedUnion('kdf', [
  z.object({
    cipher: z.literal('aes-128-ctr'),
    cipherparams: z.object({ iv: hex(16) }),
    ciphertext: hexAny,
    kdf: z.literal('scrypt'),
    kdfparams: scryptParams,
    mac: hex(32),
  }),
  z.object({
    cipher: z.literal('aes-128-ctr'),
    cipherparams: z.object({ iv: hex(16) }),
    ciphertext: hexAny,
    kdf: z.literal('pbkdf2'),
    kdfparams: pbkdf2Params,
    mac: hex(32),
  }),
])

/** A Web3 Secret Storage v3 document (`crypto`, or `Crypto` as some wallets write it). */
export const keystoreV3Schema = z
  .object({
    version: z.literal(3),
    id: z.string().optional(),
    address: z.string().regex(/^(0x)?[0-9a-fA-F]{40}$/).optional(),
    crypto: cryptoSchema.optional(),
    Crypto: cryptoSchema.optional(),
  })
  .refine((file) => (file.crypto ?? file.Crypto) !== undefined, { message: 'has no crypto section' })

/** A parsed v3 keystore document. */
export type KeystoreV3 = z.input<typeof keystoreV3Schema>

const strip = (value: string) => (value.startsWith('0x') ? value.slice(2) : value)
const bytes = (value: string) => hexToBytes(`0x${strip(value)}`)

async function deriveKey(crypto: z.output<typeof cryptoSchema>, password: Uint8Array): Promise<Uint8Array> {
  if (crypto.kdf === 'scrypt') {
    const { n, r, p, dklen, salt } = crypto.kdfparams
    return scryptAsync(password, bytes(salt), { N: n, r, p, dkLen: dklen, maxmem: 128 * n * r * (p + 2) + 1024 })
  }
  const { c, dklen, salt } = crypto.kdfparams
  return pbkdf2Async(sha256, password, bytes(salt), { c, dkLen: dklen })
}

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

/** A random RFC 4122 version 4 UUID, as v3 files carry in `id`. */
function uuidV4(): string {
  return globalThis.crypto.randomUUID()
}

/**
 * Encrypts a private key into a v3 keystore document with scrypt (geth's standard cost unless
 * `scrypt` says otherwise) and AES-128-CTR. The password is taken as UTF-8 bytes (NFKD
 * normalized, as ethers does).
 *
 * @example
 * const file = await encryptKeystore(privateKey, 'correct horse battery staple')
 */
export async function encryptKeystore(
  privateKey: `0x${string}`,
  password: string,
  { scrypt = standardScrypt }: { scrypt?: { n: number; r: number; p: number } } = {},
): Promise<KeystoreV3 & { address: string; id: string }> {
  const secret = bytes(privateKey)
  if (secret.length !== 32) throw new CliWalletError('A private key is 32 bytes.', { code: 'KEY_INVALID' })
  const account = privateKeyToAccount(privateKey)
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(32))
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(16))
  const kdfparams = { dklen: 32 as const, n: scrypt.n, r: scrypt.r, p: scrypt.p, salt: strip(bytesToHex(salt)) }
  const derived = await scryptAsync(passwordBytes(password), salt, { N: scrypt.n, r: scrypt.r, p: scrypt.p, dkLen: 32, maxmem: 128 * scrypt.n * scrypt.r * (scrypt.p + 2) + 1024 })
  const ciphertext = ctr(derived.subarray(0, 16), iv).encrypt(secret)
  const mac = macOf(derived, ciphertext)
  derived.fill(0)
  secret.fill(0)
  return {
    address: strip(account.address.toLowerCase()),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: strip(bytesToHex(iv)) },
      ciphertext: strip(bytesToHex(ciphertext)),
      kdf: 'scrypt',
      kdfparams,
      mac: strip(bytesToHex(mac)),
    },
    id: uuidV4(),
    version: 3,
  }
}

function passwordBytes(password: string): Uint8Array {
  return new TextEncoder().encode(password.normalize('NFKD'))
}

/**
 * Decrypts a v3 keystore document (scrypt or PBKDF2) and returns the private key. Throws
 * `CliWalletError` with code `KEYSTORE_WRONG_PASSWORD` when the MAC does not match,
 * `KEYSTORE_INVALID` for a malformed file, `KEYSTORE_ADDRESS_MISMATCH` when the key is not the
 * address the file names.
 *
 * @example
 * const privateKey = await decryptKeystore(JSON.parse(text), password)
 */
export async function decryptKeystore(file: unknown, password: string): Promise<`0x${string}`> {
  const parsed = keystoreV3Schema.safeParse(file)
  if (!parsed.success)
    throw new CliWalletError('The keystore file is not a Web3 Secret Storage v3 file datavault can read.', {
      code: 'KEYSTORE_INVALID',
      details: z.prettifyError(parsed.error),
    })
  const crypto = (parsed.data.crypto ?? parsed.data.Crypto)!
  const derived = await deriveKey(crypto, passwordBytes(password))
  const ciphertext = bytes(crypto.ciphertext)
  try {
    if (!equal(macOf(derived, ciphertext), bytes(crypto.mac))) throw new CliWalletError('Wrong password for this key.', { code: 'KEYSTORE_WRONG_PASSWORD' })
    const secret = ctr(derived.subarray(0, 16), bytes(crypto.cipherparams.iv)).decrypt(ciphertext)
    if (secret.length !== 32) throw new CliWalletError('The keystore holds no 32-byte private key.', { code: 'KEYSTORE_INVALID' })
    const privateKey = bytesToHex(secret)
    secret.fill(0)
    const address = parsed.data.address
    if (address !== undefined && privateKeyToAccount(privateKey).address.toLowerCase() !== `0x${strip(address).toLowerCase()}`)
      throw new CliWalletError('The keystore\'s key is not the address it names.', { code: 'KEYSTORE_ADDRESS_MISMATCH' })
    return privateKey
  } finally {
    derived.fill(0)
  }
}
