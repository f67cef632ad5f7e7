import { dataKeyLength } from './format.ts'

/**
 * A fresh random 256-bit data key (DEK) from the platform CSPRNG. Use one per file/dataset:
 * each envelope also draws its own nonce prefix, but a DEK is meant to protect one thing.
 *
 * @example
 * const key = generateDataKey()
 * const ciphertext = await encryptBytes(key, plaintext)
 */
export function generateDataKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(dataKeyLength))
}
