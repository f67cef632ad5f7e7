import type { ChunkCipherReply, ChunkCipherRequest } from './chunkCipherPool.ts'

/** One chunk key inside a worker: AES-256-GCM returning ciphertext ‖ tag (or plaintext) as one buffer or as parts in order. */
export type WorkerChunkCipher = {
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array | Uint8Array[] | Promise<Uint8Array | Uint8Array[]>
  /** Fails (throws or rejects) when `sealed` does not authenticate. */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | Promise<Uint8Array>
}

export type ServeChunkCiphersParameters = {
  /** Turns a raw 32-byte chunk key into a cipher; the worker wipes `raw` once this has returned. */
  importKey(raw: Uint8Array): WorkerChunkCipher | Promise<WorkerChunkCipher>
  /** Sends a reply to the pool, transferring the listed buffers. */
  post(reply: ChunkCipherReply, transfer: ArrayBuffer[]): void
}

/**
 * The worker's side of {@link chunkCipherPool}: returns the handler for the pool's messages. Keys
 * are imported as they arrive and forgotten on `drop`; each `seal`/`open` answers with its request's
 * id and its result transferred, so the pool can match replies that finish out of order.
 *
 * @example
 * // cipher-worker.ts
 * const handle = serveChunkCiphers({ importKey: webCryptoWorkerChunkCipher, post: (reply, transfer) => postMessage(reply, transfer) })
 * onmessage = (event) => handle(event.data)
 */
export function serveChunkCiphers({ importKey, post }: ServeChunkCiphersParameters): (request: ChunkCipherRequest) => void {
  const ciphers = new Map<number, Promise<WorkerChunkCipher>>()
  return (request) => {
    if (request.op === 'key') {
      const raw = request.key
      ciphers.set(
        request.keyId,
        (async () => {
          try {
            return await importKey(raw)
          } finally {
            raw.fill(0)
          }
        })(),
      )
      return
    }
    if (request.op === 'drop') {
      ciphers.delete(request.keyId)
      return
    }
    const { id, keyId, nonce, aad, data, op } = request
    void (async () => {
      try {
        const cipher = await ciphers.get(keyId)
        if (!cipher) throw new Error(`no chunk key ${keyId} in this worker`)
        const input = new Uint8Array(data)
        const output = op === 'seal' ? await cipher.seal(nonce, aad, input) : await cipher.open(nonce, aad, input)
        // Transfer buffers the result fills exactly; a view into a larger buffer (a small Node Buffer
        // from the shared slab, a tag) is copied out, since transferring would take the whole slab.
        const parts = (Array.isArray(output) ? output : [output]).map((part) =>
          part.byteOffset === 0 && part.byteLength === part.buffer.byteLength && part.buffer instanceof ArrayBuffer
            ? part.buffer
            : new Uint8Array(part).buffer,
        )
        post({ id, ok: true, parts, input: data }, [...parts, data])
      } catch (error) {
        // Only the kind of failure is sent: an authentication failure carries no data, and nothing here may carry a key.
        post({ id, ok: false, message: op === 'open' ? 'chunk did not authenticate' : error instanceof Error ? error.message : 'seal failed', input: data }, [data])
      }
    })()
  }
}

/**
 * A {@link WorkerChunkCipher} on WebCrypto (`crypto.subtle`), for a browser worker: the key is
 * imported non-extractable.
 */
export async function webCryptoWorkerChunkCipher(raw: Uint8Array): Promise<WorkerChunkCipher> {
  type Bytes = Uint8Array<ArrayBuffer>
  const subtle = globalThis.crypto.subtle
  const key = await subtle.importKey('raw', raw as Bytes, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
  return {
    async seal(iv, additionalData, plaintext) {
      return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: iv as Bytes, additionalData: additionalData as Bytes, tagLength: 128 }, key, plaintext as Bytes))
    },
    async open(iv, additionalData, sealed) {
      return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: iv as Bytes, additionalData: additionalData as Bytes, tagLength: 128 }, key, sealed as Bytes))
    },
  }
}
