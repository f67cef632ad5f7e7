// Encrypts the owner's plaintext into the SDK's envelope format (AES-256-GCM chunks under a fresh
// data key, STREAM construction) and gathers the ciphertext into a Blob. A Blob, not a stream,
// is what goes to the node: Chromium sends streamed request bodies only over HTTP/2, and a vault
// node on 127.0.0.1 speaks HTTP/1.1.
import { type EnvelopeCrypto, createEncryptStream } from '@datavault/sdk'

/** Ciphertext is handed to the Blob store in pieces of this size, so it never sits twice in memory whole. */
const segmentBytes = 32 * 1024 ** 2

export type EncryptToBlobParameters = {
  plaintext: Blob
  /** The 32-byte data key. */
  key: Uint8Array
  /** Plaintext bytes encrypted so far, of `plaintext.size`. */
  onProgress?: ((bytes: number, total: number) => void) | undefined
  /** Where the chunks are sealed: a pool of cipher workers (app/cipher-pool.ts), or WebCrypto on this thread by default. */
  crypto?: EnvelopeCrypto | undefined
}

/**
 * Encrypts `plaintext` with `key` into a Blob of the envelope (`application/octet-stream`).
 *
 * @example
 * const ciphertext = await encryptToBlob({ plaintext: file, key: generateDataKey() })
 */
export async function encryptToBlob({ plaintext, key, onProgress, crypto }: EncryptToBlobParameters): Promise<Blob> {
  let bytes = 0
  const counted = plaintext.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        bytes += piece.byteLength
        controller.enqueue(piece)
        onProgress?.(bytes, plaintext.size)
      },
    }),
  )
  const reader = counted.pipeThrough(createEncryptStream(key, { crypto })).getReader()
  const segments: Blob[] = []
  let parts: Uint8Array<ArrayBuffer>[] = []
  let pending = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    parts.push(value as Uint8Array<ArrayBuffer>)
    pending += value.byteLength
    if (pending >= segmentBytes) {
      segments.push(new Blob(parts))
      parts = []
      pending = 0
    }
  }
  segments.push(new Blob(parts))
  onProgress?.(plaintext.size, plaintext.size)
  return new Blob(segments, { type: 'application/octet-stream' })
}
