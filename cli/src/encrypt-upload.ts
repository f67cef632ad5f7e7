// The upload of `datavault publish`: the file encrypted here as it streams to the node, read into
// two buffers in turn, each ciphertext chunk freed as soon as the socket has sent it.
import { type VaultClient, createEncryptStream, freeBytes, readResponse } from '@datavault/sdk'
import { nodeEnvelopeCrypto } from '@datavault/sdk/node'
import { z } from 'zod'
import { postStream } from './post-stream.ts'

/** What {@link encryptAndUpload} takes. */
export type EncryptAndUploadParameters = {
  /** The 32-byte data key (the caller wipes it). */
  key: Uint8Array
  /**
   * The plaintext, in pieces. Each is written to the encrypt stream, and the write awaited, before
   * the next is asked for: a source may fill a piece's buffer again once it is asked for the next
   * (as `readFilePieces` does). A ReadableStream is read as it is consumed.
   */
  pieces: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>
  signal?: AbortSignal | undefined
  /** Plaintext bytes encrypted so far, after each piece. */
  onBytes?: ((bytes: number) => void) | undefined
}

/**
 * Encrypts `pieces` under `key` (the envelope format, node:crypto) while streaming the ciphertext
 * to the node, which adds it to IPFS; returns its CID and size. Never whole in memory, and no
 * fresh buffer per read: `createEncryptStream` keeps no reference to a piece once its write() has
 * resolved, so the reader's two buffers serve the whole file (a fresh 1 MiB buffer per read is
 * fresh memory to fault in, and V8 runs a full collection every ~64 MiB of them dropped). Each
 * chunk's ciphertext is freed once the socket has sent it ({@link postStream}, `freeBytes`),
 * so the dead ones do not pile up until V8's next full collection either.
 *
 * @example
 * const { cid } = await encryptAndUpload(client.vault, { key, pieces: readFilePieces('big.csv') })
 */
export async function encryptAndUpload(vault: VaultClient, { key, pieces, signal, onBytes }: EncryptAndUploadParameters): Promise<{ cid: string; size: number }> {
  const encrypt = createEncryptStream(key, { crypto: nodeEnvelopeCrypto })
  const writer = encrypt.writable.getWriter()
  const writing = (async () => {
    let bytes = 0
    // Node's ReadableStream is async iterable (the DOM types lack it).
    for await (const piece of pieces as AsyncIterable<Uint8Array>) {
      await writer.write(piece)
      bytes += piece.byteLength
      onBytes?.(bytes)
    }
    await writer.close()
  })()
  const uploading = (async () => {
    const response = await postStream(vault, {
      path: '/v1/uploads',
      doing: 'uploading ciphertext',
      body: encrypt.readable as unknown as AsyncIterable<Uint8Array>,
      onWritten: freeBytes,
      signal,
    })
    return await readResponse(response, z.looseObject({ cid: z.string(), size: z.number() }), 'uploading ciphertext')
  })()
  try {
    const [uploaded] = await Promise.all([uploading, writing])
    return { cid: uploaded.cid, size: uploaded.size }
  } catch (error) {
    // Whichever side failed first: the other stops (a write waiting on the upload, or the upload's body).
    writer.abort(error).catch(() => undefined)
    // A write refused because the upload stopped reading (the node refused it, say) fails only
    // as a consequence: the upload's own error says why.
    throw (await uploading.then(() => undefined, (failure: unknown) => failure)) ?? error
  }
}
