// Web3 Secret Storage v3 (https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage/),
// the keystore format of geth, MetaMask's JSON import, ethers and the `datavault` CLI: a
// password-derived key (scrypt; PBKDF2-HMAC-SHA256 read too) encrypts the private key with
// AES-128-CTR; a keccak256 MAC over the second half of the derived key and the ciphertext tells a
// wrong password. The extension keeps its wallet in this format, so its encrypted backup opens in
// the CLI and other wallets, and their files import here.
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { privateKeyToAccount } from 'viem/accounts'
import * as z from 'zod/v4'
import { WalletError } from '../errors.ts'

/** scrypt cost parameters (N, r, p). */
export type ScryptCost = { n: number; r: number; p: number }

/**
 * scrypt cost of the extension's wallet: N = 2^17, r = 8, p = 1 (128 MiB, about a second), the
 * minimum OWASP's Password Storage Cheat Sheet recommends for scrypt.
 */
export const defaultScryptCost: ScryptCost = { n: 2 ** 17, r: 8, p: 1 }

/** Most memory a keystore file may make scrypt use (128·N·r bytes): a hostile file cannot take the browser's memory. */
export const maxScryptMemoryBytes = 512 * 1024 ** 2

const hex = (bytes: number) => z.string().regex(new RegExp(`^(0x)?[0-9a-fA-F]{${bytes * 2}}$`), `must be ${bytes} bytes of hex`)
const hexAny = z.string().regex(/^(0x)?([0-9a-fA-F]{2}){1,1024}$/, 'must be hex')

const scryptParams = z
  .object({
    dklen: z.literal(32),
    n: z.number().int().min(2).max(2 ** 20).refine((n) => (n & (n - 1)) === 0, 'n must be a power of 2'),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: hexAny,
  })
  .refine(({ n, r }) => 128 * n * r <= maxScryptMemoryBytes, `scrypt may use at most ${maxScryptMemoryBytes / 1024 ** 2} MiB here`)
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

/** A keystore as the extension writes it: always with `address` and `id`. */
export type WrittenKeystore = KeystoreV3 & { address: string; id: string; version: 3 }

const strip = (value: string) => (value.startsWith('0x') ? value.slice(2) : value)
const bytes = (value: string) => hexToBytes(strip(value))
type Bytes = Uint8Array<ArrayBuffer>

function passwordBytes(password: string): Uint8Array {
  return new TextEncoder().encode(password.normalize('NFKD'))
}

function scrypt(password: Uint8Array, salt: Uint8Array, { n, r, p }: ScryptCost): Promise<Uint8Array> {
  return scryptAsync(password, salt, { N: n, r, p, dkLen: 32, maxmem: 128 * n * r * (p + 2) + 1024 })
}

async function deriveKey(crypto: z.output<typeof cryptoSchema>, password: Uint8Array): Promise<Uint8Array> {
  if (crypto.kdf === 'scrypt') return scrypt(password, bytes(crypto.kdfparams.salt), crypto.kdfparams)
  const { c, salt } = crypto.kdfparams
  return pbkdf2Async(sha256, password, bytes(salt), { c, dkLen: 32 })
}

/** AES-128-CTR with the whole 16-byte IV as the counter block, as v3 specifies (WebCrypto: counter length 128). */
async function aes128Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await globalThis.crypto.subtle.importKey('raw', key.slice() as Bytes, 'AES-CTR', false, ['encrypt'])
  return new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-CTR', counter: iv.slice() as Bytes, length: 128 }, cryptoKey, data.slice() as Bytes))
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

/**
 * Encrypts a private key into a v3 keystore with scrypt ({@link defaultScryptCost} unless `scrypt`
 * says otherwise) and AES-128-CTR. The password is taken as UTF-8 bytes, NFKD-normalized (as
 * ethers and the datavault CLI do).
 *
 * @example
 * const keystore = await encryptKeystore(generatePrivateKey(), password)
 */
export async function encryptKeystore(privateKey: `0x${string}`, password: string, { scrypt: cost = defaultScryptCost }: { scrypt?: ScryptCost } = {}): Promise<WrittenKeystore> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) throw new WalletError('A private key is 32 bytes of hex.', { code: 'WALLET_KEY_INVALID' })
  const secret = bytes(privateKey)
  const address = privateKeyToAccount(privateKey).address.toLowerCase()
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(32))
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(16))
  const derived = await scrypt(passwordBytes(password), salt, cost)
  try {
    const ciphertext = await aes128Ctr(derived.subarray(0, 16), iv, secret)
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
 * Decrypts a v3 keystore (scrypt or PBKDF2) and returns its private key. Throws `WalletError`:
 * `WALLET_WRONG_PASSWORD` when the MAC does not match, `KEYSTORE_INVALID` for a document that is
 * not a v3 keystore (or asks for more than {@link maxScryptMemoryBytes}), `KEYSTORE_ADDRESS_MISMATCH`
 * when the key is not the address the file names.
 *
 * @example
 * const privateKey = await decryptKeystore(JSON.parse(text), password)
 */
export async function decryptKeystore(file: unknown, password: string): Promise<`0x${string}`> {
  const parsed = keystoreV3Schema.safeParse(file)
  if (!parsed.success)
    throw new WalletError('This is not a wallet file the extension can read (Web3 Secret Storage v3).', { code: 'KEYSTORE_INVALID', details: z.prettifyError(parsed.error) })
  const crypto = (parsed.data.crypto ?? parsed.data.Crypto)!
  const derived = await deriveKey(crypto, passwordBytes(password))
  try {
    const ciphertext = bytes(crypto.ciphertext)
    if (!equal(macOf(derived, ciphertext), bytes(crypto.mac))) throw new WalletError('Wrong password.', { code: 'WALLET_WRONG_PASSWORD' })
    const secret = await aes128Ctr(derived.subarray(0, 16), bytes(crypto.cipherparams.iv), ciphertext)
    const privateKey = `0x${bytesToHex(secret)}` as const
    secret.fill(0)
    const address = parsed.data.address
    if (address !== undefined && privateKeyToAccount(privateKey).address.toLowerCase() !== `0x${strip(address).toLowerCase()}`)
      throw new WalletError('The wallet file\'s key is not the address it names.', { code: 'KEYSTORE_ADDRESS_MISMATCH' })
    return privateKey
  } finally {
    derived.fill(0)
  }
}

/** The address a keystore names (lower-case, 0x-prefixed), without decrypting it. */
export function keystoreAddress(file: WrittenKeystore): `0x${string}` {
  return `0x${strip(file.address).toLowerCase()}`
}
