import { type EnvelopeCrypto, createEncryptStream, defaultChunkSize } from '../envelope/index.ts'
import { nodeEnvelopeCrypto } from './nodeEnvelopeCrypto.ts'
import { type FileProgress, type TransformFileReturnType, transformFile } from './transformFile.ts'

export type EncryptFileParameters = {
  /** Plaintext bytes per envelope chunk (default 1 MiB). */
  chunkSize?: number | undefined
  /** Called after each read with the plaintext bytes read so far and the file's size. */
  onProgress?: ((progress: FileProgress) => void) | undefined
  /** Aborting stops the work and removes the partial output. */
  signal?: AbortSignal | undefined
  /** Where HKDF and AES-GCM run; defaults to {@link nodeEnvelopeCrypto}. */
  crypto?: EnvelopeCrypto | undefined
}

/** Bytes of plaintext read and bytes of envelope written. */
export type EncryptFileReturnType = TransformFileReturnType

/**
 * Encrypts a file into a datavault envelope, streaming with constant memory. The envelope is written
 * to a temporary file beside `outPath` and renamed into place only on success, so a failure leaves no
 * partial output (an existing `outPath` is replaced only on success).
 *
 * @example
 * const key = generateDataKey()
 * await encryptFile('heart-rate.csv', 'heart-rate.csv.dve', key, {
 *   onProgress: ({ bytesDone, bytesTotal }) => console.log(`${Math.round((100 * bytesDone) / bytesTotal)}%`),
 * })
 */
export async function encryptFile(
  inPath: string,
  outPath: string,
  key: Uint8Array,
  { chunkSize = defaultChunkSize, onProgress, signal, crypto = nodeEnvelopeCrypto }: EncryptFileParameters = {},
): Promise<EncryptFileReturnType> {
  // Reads of exactly one chunk are sealed without a staging copy; the encrypt stream keeps no
  // reference to a piece after its write resolves, so two read buffers are reused in turn.
  return transformFile({
    inPath,
    outPath,
    transform: createEncryptStream(key, { chunkSize, crypto }),
    readSize: chunkSize,
    reuseBuffers: true,
    onProgress,
    signal,
  })
}
