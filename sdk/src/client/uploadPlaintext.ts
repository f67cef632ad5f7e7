// Internal to the client actions: the upload step that publishing and key rotation share.
import { uploadCiphertext } from '../actions/vault/uploadCiphertext.ts'
import type { VaultClient } from '../api/transport.ts'
import { createEncryptStream } from '../envelope/createEncryptStream.ts'
import type { EnvelopeCrypto } from '../envelope/crypto.ts'

/** Plaintext an owner gives: a Blob or File, bytes, a string, or a stream. */
export type PlaintextSource = Blob | Uint8Array | string | ReadableStream<Uint8Array>

/**
 * Encrypts `data` under `key` while streaming it to the node (never whole in memory), reporting
 * the plaintext bytes read so far; returns the ciphertext's CID.
 */
export async function uploadPlaintext(
  vault: VaultClient,
  {
    data,
    key,
    crypto,
    signal,
    onBytes,
  }: {
    data: PlaintextSource
    key: Uint8Array
    crypto?: EnvelopeCrypto | undefined
    signal?: AbortSignal | undefined
    onBytes?: ((bytes: number, totalBytes: number | undefined) => void) | undefined
  },
): Promise<{ cid: string }> {
  const totalBytes = data instanceof Blob ? data.size : data instanceof Uint8Array ? data.byteLength : undefined
  const plaintext = data instanceof ReadableStream ? data : data instanceof Blob ? data.stream() : new Blob([data as BlobPart]).stream()
  let bytes = 0
  const counted = plaintext.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        bytes += piece.byteLength
        controller.enqueue(piece)
        onBytes?.(bytes, totalBytes)
      },
    }),
  )
  return uploadCiphertext(vault, { body: counted.pipeThrough(createEncryptStream(key, { crypto })), ...(signal ? { signal } : {}) })
}
