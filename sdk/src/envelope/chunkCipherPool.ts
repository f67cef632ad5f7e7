import type { ChunkCipher, EnvelopeCrypto } from './crypto.ts'
import { EnvelopeArgumentError, EnvelopeWorkerError } from './errors.ts'
import { poolChunksInFlightPerWorker } from './tuning.ts'

/** What the pool sends a worker (see {@link serveChunkCiphers}, the worker's side). */
export type ChunkCipherRequest =
  | { op: 'key'; keyId: number; key: Uint8Array }
  | { op: 'drop'; keyId: number }
  | { op: 'seal' | 'open'; id: number; keyId: number; nonce: Uint8Array; aad: Uint8Array; data: ArrayBuffer }

/** What a worker answers to a `seal` or `open`: the result as transferred buffers in order, or a failure. */
export type ChunkCipherReply = ({ id: number; ok: true; parts: ArrayBuffer[] } | { id: number; ok: false; message: string }) & {
  /** The request's input buffer, handed back so the pool can reuse it (a fresh 1 MiB buffer per chunk costs more than the cipher). */
  input?: ArrayBuffer | undefined
}

/** One worker, whatever starts it (Node's worker_threads, a browser Worker). */
export type PoolWorker = {
  postMessage(message: ChunkCipherRequest, transfer: ArrayBuffer[]): void
  /** Ends the worker; may return a promise. */
  terminate(): unknown
  /** Node only: whether the worker keeps the process alive. The pool holds it only while a chunk is pending. */
  ref?(): void
  unref?(): void
}

/** How the pool hears from a worker it spawned. */
export type PoolWorkerListeners = {
  message(reply: ChunkCipherReply): void
  /** The worker failed or exited: everything pending on it fails, and so does the pool from then on. */
  fail(reason: string): void
}

export type ChunkCipherPoolInit = {
  /** Starts one worker and wires its events to `listeners`. */
  spawn(listeners: PoolWorkerListeners): PoolWorker
  /** Number of workers (at least 1). */
  size: number
  /** HKDF for the commitment and the raw chunk key, run on the calling thread (it is one call per envelope). */
  hkdf: EnvelopeCrypto['hkdf']
}

/** An {@link EnvelopeCrypto} whose chunks are sealed and opened on worker threads; `close()` ends the workers. */
export type ChunkCipherPool = EnvelopeCrypto & {
  /** Ends every worker; chunks still pending fail with `EnvelopeWorkerError`. Safe to call twice. */
  close(): Promise<void>
}

type Pending = { resolve(parts: Uint8Array[]): void; reject(error: unknown): void; worker: Slot }
type Slot = { worker: PoolWorker; inFlight: number }

/**
 * A pool of workers that run AES-256-GCM on envelope chunks: the STREAM chunks are independent once
 * their nonces are fixed, so `createEncryptStream` (which keeps several chunks in flight and awaits
 * them in order) seals them on every core. Each chunk's plaintext is copied once into a buffer that
 * is transferred to the worker (the caller may reuse its own at once, as {@link ChunkCipher} asks);
 * the result comes back transferred. The chunk key is derived here and sent to each worker; a worker
 * keeps it until the stream that asked for it ends (`dispose`).
 *
 * Workers start lazily on the first chunk. A worker that fails or exits fails every chunk pending on
 * it and the pool (`EnvelopeWorkerError`) rather than leaving a stream waiting. On Node, idle workers
 * do not keep the process alive.
 *
 * Browser-safe: the Node pool is `workerPoolEnvelopeCrypto` in `@datavault/sdk/node`; a page or
 * extension spawns its own Worker script that calls {@link serveChunkCiphers}.
 *
 * @example
 * const pool = chunkCipherPool({ size: 2, hkdf: webCryptoEnvelopeCrypto.hkdf, spawn: ({ message, fail }) => {
 *   const worker = new Worker(new URL('./cipher-worker.ts', import.meta.url), { type: 'module' })
 *   worker.onmessage = (event) => message(event.data)
 *   worker.onerror = (event) => fail(event.message)
 *   return worker
 * } })
 * try { await file.stream().pipeThrough(createEncryptStream(key, { crypto: pool })).pipeTo(sink) } finally { await pool.close() }
 */
export function chunkCipherPool({ spawn, size, hkdf }: ChunkCipherPoolInit): ChunkCipherPool {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new EnvelopeArgumentError('A chunk cipher pool needs at least one worker.', { details: `Got ${String(size)}.` })
  const slots: Slot[] = []
  const pending = new Map<number, Pending>()
  const keys = new Map<number, Uint8Array>() // raw chunk keys of live streams, for workers started later
  const spare: ArrayBuffer[] = [] // input buffers the workers handed back, reused for the next chunks
  const maxSpare = 16
  let nextId = 1
  let nextKeyId = 1
  let failure: EnvelopeWorkerError | undefined
  let closed = false

  const hold = (slot: Slot) => {
    if (slot.inFlight++ === 0) slot.worker.ref?.()
  }
  const release = (slot: Slot) => {
    if (--slot.inFlight === 0) slot.worker.unref?.()
  }

  function failAll(error: EnvelopeWorkerError): void {
    failure ??= error
    for (const [id, entry] of pending) {
      pending.delete(id)
      release(entry.worker)
      entry.reject(error)
    }
  }

  function start(): void {
    while (slots.length < size) {
      const slot: Slot = { worker: undefined as unknown as PoolWorker, inFlight: 0 }
      slot.worker = spawn({
        message(reply) {
          if (reply.input && !closed && spare.length < maxSpare) spare.push(reply.input)
          const entry = pending.get(reply.id)
          if (!entry) return
          pending.delete(reply.id)
          release(entry.worker)
          if (reply.ok) entry.resolve(reply.parts.map((part) => new Uint8Array(part)))
          else entry.reject(new Error(reply.message))
        },
        fail(reason) {
          if (!closed) failAll(new EnvelopeWorkerError({ details: reason }))
        },
      })
      slot.worker.unref?.()
      for (const [keyId, key] of keys) slot.worker.postMessage({ op: 'key', keyId, key: key.slice() }, [])
      slots.push(slot)
    }
  }

  function run(op: 'seal' | 'open', keyId: number, nonce: Uint8Array, aad: Uint8Array, input: Uint8Array): Promise<Uint8Array[]> {
    if (failure) return Promise.reject(failure)
    if (closed) return Promise.reject(new EnvelopeWorkerError({ details: 'The pool was closed.' }))
    start()
    let slot = slots[0]!
    for (const candidate of slots) if (candidate.inFlight < slot.inFlight) slot = candidate
    const id = nextId++
    // A copy the worker owns (transferred, not cloned): the caller may reuse `input` as soon as we return.
    const index = spare.findIndex((buffer) => buffer.byteLength === input.length)
    const data = index >= 0 ? spare.splice(index, 1)[0]! : new ArrayBuffer(input.length)
    new Uint8Array(data).set(input)
    return new Promise<Uint8Array[]>((resolve, reject) => {
      pending.set(id, { resolve, reject, worker: slot })
      hold(slot)
      slot.worker.postMessage({ op, id, keyId, nonce: new Uint8Array(nonce), aad: new Uint8Array(aad), data }, [data])
    })
  }

  return {
    hkdf,
    // Enough queued per worker to ride out the caller's pauses; at most 16 MiB of 1 MiB chunks.
    chunksInFlight: Math.min(poolChunksInFlightPerWorker * size, 16),
    async hkdfChunkCipher(ikm, salt, info): Promise<ChunkCipher> {
      const raw = await hkdf(ikm, salt, info, 32)
      const keyId = nextKeyId++
      keys.set(keyId, raw)
      for (const slot of slots) slot.worker.postMessage({ op: 'key', keyId, key: raw.slice() }, [])
      let disposed = false
      return {
        seal: (nonce, aad, plaintext) => run('seal', keyId, nonce, aad, plaintext),
        open: async (nonce, aad, sealed) => {
          const parts = await run('open', keyId, nonce, aad, sealed)
          return parts.length === 1 ? parts[0]! : concat(parts)
        },
        dispose() {
          if (disposed) return
          disposed = true
          keys.get(keyId)?.fill(0)
          keys.delete(keyId)
          if (!closed) for (const slot of slots) slot.worker.postMessage({ op: 'drop', keyId }, [])
        },
      }
    },
    async close() {
      if (closed) return
      closed = true
      failAll(new EnvelopeWorkerError({ details: 'The pool was closed while a chunk was pending.' }))
      for (const key of keys.values()) key.fill(0)
      keys.clear()
      for (const buffer of spare.splice(0)) new Uint8Array(buffer).fill(0) // they held plaintext
      await Promise.all(slots.splice(0).map((slot) => slot.worker.terminate()))
    },
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
