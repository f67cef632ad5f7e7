// How an upload session cuts ciphertext into chunks, and the commitment the owner declares over
// them. One definition for the node and every client.
import { DataVaultError } from '../errors/base.ts'

/** Number of chunks of a `size`-byte upload sent in `chunkBytes` pieces. */
export function uploadChunkCount(size: number, chunkBytes: number): number {
  return Math.ceil(size / chunkBytes)
}

/**
 * Exact length of chunk `index`: `chunkBytes`, except the last, which holds what is left.
 *
 * @example
 * uploadChunkLength({ size: 10, chunkBytes: 4, index: 2 }) // 2
 */
export function uploadChunkLength({ size, chunkBytes, index }: { size: number; chunkBytes: number; index: number }): number {
  return Math.min(chunkBytes, size - index * chunkBytes)
}

const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')

/** SHA-256 of `bytes` as lower-case hex (WebCrypto: the browser's and Node's native digest). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)))
}

/**
 * A fresh random reference for opening an upload session (`clientRef`): 16 random bytes as 32
 * lower-case hex digits, from the platform's CSPRNG.
 *
 * @example
 * const session = await createUploadSession(client, { size, chunkBytes, clientRef: randomUploadRef() })
 */
export function randomUploadRef(): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(16)))
}

/**
 * The commitment an owner declares when completing an upload session: SHA-256 of the chunks'
 * SHA-256 digests (hex in, 32 bytes each) concatenated in order. A client computes each chunk's
 * digest as it sends it, so it never hashes the whole ciphertext in one pass (WebCrypto has no
 * incremental digest); the node checks every chunk against its digest and this list against it.
 *
 * @example
 * const commitment = await uploadCommitment([await sha256Hex(chunk0), await sha256Hex(chunk1)])
 */
export async function uploadCommitment(chunkDigests: readonly string[]): Promise<string> {
  const joined = new Uint8Array(chunkDigests.length * 32)
  chunkDigests.forEach((digest, index) => {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new DataVaultError(`The chunk digest ${index} is not 64 lower-case hex digits.`, { code: 'UPLOAD_DIGEST_INVALID', status: 400 })
    for (let byte = 0; byte < 32; byte++) joined[index * 32 + byte] = Number.parseInt(digest.slice(byte * 2, byte * 2 + 2), 16)
  })
  return await sha256Hex(joined)
}
