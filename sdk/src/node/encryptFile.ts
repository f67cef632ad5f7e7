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
  /**
   * Where HKDF and AES-GCM run: {@link nodeEnvelopeCrypto} on this thread by default. A pool of
   * worker threads (`workerPoolEnvelopeCrypto`) may be passed and is used as is (not closed). Since
   * each chunk is freed once written (2026-12-07), one thread costs about 0.13 ms of CPU per MB
   * (several GB/s, faster than the disks it reads and writes); a pool costs more CPU per MB (each
   * chunk is copied into a worker) and stays off by default (scripts/bench/encryption.ts).
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
  // Reads of exactly one chunk are sealed without a staging copy; the encrypt stream keeps no
  // reference to a piece after its write resolves, so two read buffers are reused in turn.
  return await transformFile({
    inPath,
    outPath,
    transform: createEncryptStream(key, { chunkSize, crypto: crypto ?? nodeEnvelopeCrypto }),
    readSize: chunkSize,
    reuseBuffers: true,
    // Each envelope chunk is freed once written, not left to V8's next full collection.
    freeWritten: true,
    onProgress,
    signal,
  })
}
