import { type EnvelopeCrypto, createDecryptStream, envelopeHeaderLength, maxChunkSize, minChunkSize } from '../envelope/index.ts'
import { nodeEnvelopeCrypto } from './nodeEnvelopeCrypto.ts'
import { type FileProgress, type TransformFileReturnType, transformFile } from './transformFile.ts'

export type DecryptFileParameters = {
  /** Called after each read with the envelope bytes read so far and the envelope file's size. */
  onProgress?: ((progress: FileProgress) => void) | undefined
  /** Aborting stops the work and removes the partial output. */
  signal?: AbortSignal | undefined
  /** Where HKDF and AES-GCM run; defaults to {@link nodeEnvelopeCrypto}. */
  crypto?: EnvelopeCrypto | undefined
}

/** Bytes of envelope read and bytes of plaintext written. */
export type DecryptFileReturnType = TransformFileReturnType

// A frame is a 4-byte word, the chunk and a 16-byte tag; reads of one frame decrypt without a copy.
function frameSize(header: Uint8Array): number {
  const chunkSize = header.length >= 10 ? new DataView(header.buffer, header.byteOffset).getUint32(6) : 0
  return chunkSize >= minChunkSize && chunkSize <= maxChunkSize ? chunkSize + 20 : 1024 * 1024
}

/**
 * Decrypts a datavault envelope file, streaming with constant memory. Plaintext is written (mode
 * 0600) to a temporary file beside `outPath` and renamed into place only after every chunk
 * authenticated, so a wrong key, tampering or truncation leaves no output at all; the envelope
 * errors (`EnvelopeWrongKeyError`, `EnvelopeTamperedError`, …) are thrown as they are.
 *
 * @example
 * await decryptFile('heart-rate.csv.dve', 'heart-rate.csv', key)
 */
export async function decryptFile(
  inPath: string,
  outPath: string,
  key: Uint8Array,
  { onProgress, signal, crypto = nodeEnvelopeCrypto }: DecryptFileParameters = {},
): Promise<DecryptFileReturnType> {
  return transformFile({
    inPath,
    outPath,
    transform: createDecryptStream(key, { crypto }),
    headSize: envelopeHeaderLength,
    readSize: frameSize,
    // Each envelope chunk is freed once written, not left to V8's next full collection.
    freeWritten: true,
    onProgress,
    signal,
  })
}
