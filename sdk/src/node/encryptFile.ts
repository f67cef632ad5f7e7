import { stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { type EnvelopeCrypto, createEncryptStream, defaultChunkSize } from '../envelope/index.ts'
import { nodeEnvelopeCrypto } from './nodeEnvelopeCrypto.ts'
import { type FileProgress, type TransformFileReturnType, transformFile } from './transformFile.ts'
import { workerPoolEnvelopeCrypto } from './workerPoolEnvelopeCrypto.ts'

// Below this many chunks, starting worker threads (tens of milliseconds) costs more than it saves.
const pooledFromChunks = 16

export type EncryptFileParameters = {
  /** Plaintext bytes per envelope chunk (default 1 MiB). */
  chunkSize?: number | undefined
  /** Called after each read with the plaintext bytes read so far and the file's size. */
  onProgress?: ((progress: FileProgress) => void) | undefined
  /** Aborting stops the work and removes the partial output. */
  signal?: AbortSignal | undefined
  /**
   * Where HKDF and AES-GCM run. By default a file of 16 chunks or more is sealed on a pool of worker
   * threads, one per core (`workerPoolEnvelopeCrypto`, closed when done), a smaller one on this thread
   * ({@link nodeEnvelopeCrypto}). A crypto given here is used as is and not closed.
   */
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
  { chunkSize = defaultChunkSize, onProgress, signal, crypto }: EncryptFileParameters = {},
): Promise<EncryptFileReturnType> {
  const pool =
    crypto === undefined && availableParallelism() > 1 && (await stat(inPath)).size >= pooledFromChunks * chunkSize
      ? workerPoolEnvelopeCrypto()
      : undefined
  try {
    // Reads of exactly one chunk are sealed without a staging copy; the encrypt stream keeps no
    // reference to a piece after its write resolves, so two read buffers are reused in turn.
    return await transformFile({
      inPath,
      outPath,
      transform: createEncryptStream(key, { chunkSize, crypto: crypto ?? pool ?? nodeEnvelopeCrypto }),
      readSize: chunkSize,
      reuseBuffers: true,
      onProgress,
      signal,
    })
  } finally {
    await pool?.close()
  }
}
