import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { LocalAccount } from 'viem'
import { hexToBytes } from 'viem'
import type { KeyPair } from '../keywrap/generateKeyPair.ts'

/**
 * The message a wallet signs (EIP-191) to derive its owner log key. Fixed, so that the same wallet
 * derives the same key on any device; a site that gets this signature can open the wallet's logs,
 * which the message says.
 */
export const ownerLogKeyMessage =
  'datavault owner log key v1\n\nSigning this derives the key that opens the program logs of jobs on your datasets. Sign it only in a datavault app.'

/**
 * The X25519 key pair a dataset owner's program logs are sealed to, derived from the wallet's
 * signature of {@link ownerLogKeyMessage}: HKDF-SHA256 over the 65-byte signature, salted with the
 * address. Needs a signer that signs deterministically (RFC 6979: viem local accounts, the CLI's
 * keystore and the extension's wallet do); the node only ever sees the public key.
 *
 * @example
 * const { publicKey } = await deriveOwnerLogKey(owner.account)
 */
export async function deriveOwnerLogKey(account: Pick<LocalAccount, 'address' | 'signMessage'>): Promise<KeyPair> {
  const signature = hexToBytes(await account.signMessage({ message: ownerLogKeyMessage }))
  const privateKey = hkdf(sha256, signature, new TextEncoder().encode(account.address.toLowerCase()), new TextEncoder().encode('datavault owner log key v1 x25519'), 32)
  signature.fill(0)
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) }
}
