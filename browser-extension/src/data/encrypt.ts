// Encrypts the owner's plaintext into the SDK's envelope format (AES-256-GCM chunks under a fresh
// data key, STREAM construction) as a stream that is read as it is uploaded: the upload goes in
// chunks (an upload session), because Chromium streams a request body only over HTTP/2 and a vault
// node on 127.0.0.1 speaks HTTP/1.1. So only a few chunks are ever in memory, whatever the size.
import { type EnvelopeCrypto, createEncryptStream } from '@datavault/sdk'

/**
 * Plaintext bytes per envelope chunk in the extension: 512 KiB, half the SDK's default. Each chunk
 * is one `crypto.subtle.encrypt` in a cipher worker, whose input copy and output are fresh buffers
 * of the chunk's size, and one ciphertext piece cloned to the page. From about 1 MiB on, Chromium
 * maps each such buffer from the kernel and unmaps it again (PartitionAlloc's direct maps), page by
 * page, on every chunk; below, it reuses its own. Measured in Debian's Chromium 156
 * (`node scripts/bench/extension-encryption.ts`): the cipher workers fed 512 KiB chunks spend about
 * a third of the CPU per MB that 1 MiB chunks cost them. The envelope records its chunk size, so
 * every reader (the SDK, the vault node) opens it as any other; size it with
 * `ciphertextLength(bytes, extensionChunkSize)`.
 */
export const extensionChunkSize = 512 * 1024

export type EncryptToStreamParameters = {
  plaintext: Blob
  /** The 32-byte data key. */
  key: Uint8Array
  /**
   * Applied to the plaintext before encryption: a table's kept columns (`keepColumnsStream`), so
   * the excluded ones are cut out as the file is read, never held whole.
   */
  cut?: TransformStream<Uint8Array, Uint8Array> | undefined
  /** Plaintext bytes read so far, of `plaintext.size`. */
  onProgress?: ((bytes: number, total: number) => void) | undefined
  /** Where the chunks are sealed: a pool of cipher workers (app/cipher-pool.ts), or WebCrypto on this thread by default. */
  crypto?: EnvelopeCrypto | undefined
  /** Called once when the stream ends, fails or is cancelled: wipe the key, close the pool. */
  onEnd?: (() => void | Promise<void>) | undefined
}

/**
 * Encrypts `plaintext` with `key` into a stream of the envelope ({@link extensionChunkSize} chunks),
 * encrypting only as fast as it is read (no queue ahead of the reader).
 *
 * @example
 * const ciphertext = encryptToStream({ plaintext: file, key: generateDataKey() })
 */
export function encryptToStream({ plaintext, key, cut, onProgress, crypto, onEnd }: EncryptToStreamParameters): ReadableStream<Uint8Array> {
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
  const reader = (cut ? counted.pipeThrough(cut) : counted).pipeThrough(createEncryptStream(key, { chunkSize: extensionChunkSize, crypto })).getReader()
  let ended = false
  const end = async () => {
    if (ended) return
    ended = true
    await onEnd?.()
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read()
          if (!done) return controller.enqueue(value)
          await end()
          onProgress?.(plaintext.size, plaintext.size)
          controller.close()
        } catch (error) {
          await end()
          controller.error(error)
        }
      },
      async cancel(reason) {
        try {
          await reader.cancel(reason)
        } finally {
          await end()
        }
      },
    },
    { highWaterMark: 0 },
  )
}
