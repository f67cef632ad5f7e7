import { maxChunksInFlight } from './tuning.ts'

/**
 * AES-256-GCM under one chunk key. Results may be returned directly or as promises; a failure to
 * authenticate is a throw or a rejection (its message is never shown to callers).
 */
export type ChunkCipher = {
  /**
   * Encrypts `plaintext`; returns ciphertext ‖ tag, as one array or as several to be written in order.
   * Must have read (or copied) `plaintext` by the time it returns: the caller reuses the buffer.
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array[] | Promise<Uint8Array[]>
  /** Decrypts `sealed` (ciphertext ‖ 16-byte tag), or fails when it does not authenticate. */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | Promise<Uint8Array>
  /** Optional: forget the key once the stream is done with it (a worker pool drops its copies). */
  dispose?(): void
}

/**
 * The two primitives an envelope is made of: HKDF-SHA256 and AES-256-GCM. The format (FORMAT.md)
 * fixes what they compute; an implementation only decides where. {@link webCryptoEnvelopeCrypto}
 * (the default) runs anywhere; `nodeEnvelopeCrypto` from `@datavault/sdk/node` uses `node:crypto`
 * and is about twice as fast on Node, where WebCrypto copies and wipes every buffer it is given.
 */
export type EnvelopeCrypto = {
  /** HKDF-SHA256(ikm, salt, info), `length` bytes. */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array | Promise<Uint8Array>
  /** An AES-256-GCM cipher whose key is HKDF-SHA256(ikm, salt, info, 32); the key need not leave the implementation. */
  hkdfChunkCipher(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): ChunkCipher | Promise<ChunkCipher>
  /**
   * Optional: how many chunks a stream should keep handed to this implementation before it awaits
   * the oldest (default `maxChunksInFlight`, 4). A pool of workers asks for more, so each worker
   * still has chunks queued while the calling thread is busy (a GC pause, the stream's own work).
   */
  chunksInFlight?: number | undefined
}

const subtle = () => globalThis.crypto.subtle
type Bytes = Uint8Array<ArrayBuffer>

/** {@link EnvelopeCrypto} on WebCrypto (`globalThis.crypto.subtle`): browsers, workers, Node, Deno, Bun. The chunk key is non-extractable. */
export const webCryptoEnvelopeCrypto: EnvelopeCrypto = {
  async hkdf(ikm, salt, info, length) {
    const key = await subtle().importKey('raw', ikm as Bytes, 'HKDF', false, ['deriveBits'])
    const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: salt as Bytes, info: info as Bytes }, key, length * 8)
    return new Uint8Array(bits)
  },
  async hkdfChunkCipher(ikm, salt, info) {
    const base = await subtle().importKey('raw', ikm as Bytes, 'HKDF', false, ['deriveKey'])
    const key = await subtle().deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: salt as Bytes, info: info as Bytes },
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    )
    return {
      // WebCrypto copies its inputs before returning, so callers may reuse their buffers at once.
      async seal(iv, additionalData, plaintext) {
        const sealed = await subtle().encrypt({ name: 'AES-GCM', iv: iv as Bytes, additionalData: additionalData as Bytes, tagLength: 128 }, key, plaintext as Bytes)
        return [new Uint8Array(sealed)]
      },
      async open(iv, additionalData, sealed) {
        const plaintext = await subtle().decrypt({ name: 'AES-GCM', iv: iv as Bytes, additionalData: additionalData as Bytes, tagLength: 128 }, key, sealed as Bytes)
        return new Uint8Array(plaintext)
      },
    }
  },
}

/** The in-flight depth a stream uses with `crypto`: its own `chunksInFlight` when that is a whole number from 1 to 64, else {@link maxChunksInFlight}. */
export function chunksInFlight(crypto: EnvelopeCrypto): number {
  const wanted = crypto.chunksInFlight
  return Number.isSafeInteger(wanted) && wanted! >= 1 && wanted! <= 64 ? wanted! : maxChunksInFlight
}

/** Runs `fn` and always answers with a promise: a throw becomes a rejection. */
export function settle<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(error)
  }
}
