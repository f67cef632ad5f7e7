import type { VaultClient } from '../api/transport.ts'
import { freeBytes } from '../envelope/freeBytes.ts'
import { DataVaultError } from '../errors/base.ts'
import { abortUploadSession } from './abortUploadSession.ts'
import { randomUploadRef, uploadChunkCount, uploadChunkLength, sha256Hex, uploadCommitment } from './chunks.ts'
import { completeUploadSession } from './completeUploadSession.ts'
import { createUploadSession } from './createUploadSession.ts'
import { getUploadSession } from './getUploadSession.ts'
import { putUploadChunk } from './putUploadChunk.ts'

/** Default chunk size: 4 MiB, a few of which are all an upload holds in memory. */
export const defaultUploadChunkBytes = 4 * 1024 * 1024

export type UploadCiphertextInChunksParameters = {
  /**
   * The ciphertext. A stream is read once, chunk by chunk (a chunk is kept only until the node
   * holds it); a Blob or bytes are sliced, and can be read again to resume in a later call.
   */
  body: ReadableStream<Uint8Array> | Blob | Uint8Array
  /** Exact ciphertext length, bytes (`ciphertextLength(plaintextBytes)` for an envelope). */
  size: number
  /** Default {@link defaultUploadChunkBytes}. */
  chunkBytes?: number | undefined
  /** Chunks in flight at once (default 2). */
  concurrency?: number | undefined
  /** Tries per request when the node cannot be reached or answers 5xx/429 (default 6), with backoff. */
  attempts?: number | undefined
  /** First backoff, ms, doubled each try (default 250). */
  retryDelayMs?: number | undefined
  /** Resume this session (from `onSession` of an earlier call): only the chunks the node lacks are sent. */
  resume?: { session: string } | undefined
  /** Called with the session's id once it is open: keep it to resume after the process stops. */
  onSession?: ((session: string) => void) | undefined
  /** Ciphertext bytes the node holds so far, of `size`. */
  onProgress?: ((bytes: number, size: number) => void) | undefined
  signal?: AbortSignal | undefined
}
export type UploadCiphertextInChunksReturnType = { cid: string; size: number; session: string }
export type UploadCiphertextInChunksErrorType = UploadResumeError | import('../api/response.ts').VaultRequestErrorType

/** The session to resume was opened for another size or chunk size, or the body ended early or ran long. */
export class UploadResumeError extends DataVaultError {
  override name = 'UploadResumeError'
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'UPLOAD_BODY_MISMATCH', status: 400 })
  }
}

// A dropped connection (unreachable), a restarting node (5xx), a quota's "later" (429), a chunk
// still being written (busy) or a completion still running are worth another try; anything else is an answer.
const retryable = (error: unknown) => {
  const { code, status } = error as { code?: unknown; status?: unknown }
  if (code === 'VAULT_UNREACHABLE' || code === 'UPLOAD_SESSION_BUSY' || code === 'UPLOAD_SESSION_COMPLETING') return true
  return typeof status === 'number' && (status >= 500 || status === 429) && code !== 'UPLOAD_CHUNK_CORRUPT' && code !== 'STORAGE_FULL'
}

const wait = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const aborted = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted)
      resolve()
    }, ms)
    signal?.addEventListener('abort', aborted, { once: true })
  })

/**
 * The body as exact chunks, in order; `own` when the chunk is a buffer of this function's (a copy
 * out of a stream or a Blob), which nobody else holds: freed once sent. A view of the caller's
 * Uint8Array body is never its own.
 */
async function* chunksOf(body: UploadCiphertextInChunksParameters['body'], size: number, chunkBytes: number): AsyncGenerator<{ bytes: Uint8Array; own: boolean }> {
  const count = uploadChunkCount(size, chunkBytes)
  if (!(body instanceof ReadableStream)) {
    const length = body instanceof Uint8Array ? body.byteLength : body.size
    if (length !== size) throw new UploadResumeError(`The body is ${length} bytes, not the declared ${size}.`)
    for (let index = 0; index < count; index++) {
      const start = index * chunkBytes
      const end = start + uploadChunkLength({ size, chunkBytes, index })
      yield body instanceof Uint8Array ? { bytes: body.subarray(start, end), own: false } : { bytes: new Uint8Array(await body.slice(start, end).arrayBuffer()), own: true }
    }
    return
  }
  const reader = body.getReader()
  try {
    let index = 0
    let chunk = new Uint8Array(uploadChunkLength({ size, chunkBytes, index }))
    let filled = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      let offset = 0
      while (offset < value.byteLength) {
        if (index >= count) throw new UploadResumeError(`The body is longer than the declared ${size} bytes.`)
        const take = Math.min(chunk.byteLength - filled, value.byteLength - offset)
        chunk.set(value.subarray(offset, offset + take), filled)
        filled += take
        offset += take
        if (filled === chunk.byteLength) {
          yield { bytes: chunk, own: true }
          index++
          filled = 0
          chunk = index < count ? new Uint8Array(uploadChunkLength({ size, chunkBytes, index })) : new Uint8Array(0)
        }
      }
    }
    if (index < count) throw new UploadResumeError(`The body ended before the declared ${size} bytes.`)
  } finally {
    reader.releaseLock()
  }
}

/**
 * Uploads ciphertext in chunks through an upload session, resuming by itself after a dropped
 * connection: a failed request is retried with backoff, and before a chunk is sent again the node
 * is asked which chunks it holds, so only missing ones go. Memory stays at a few chunks
 * (`concurrency` + 1) whatever the size. The node checks every chunk's SHA-256 and the commitment
 * over them before it adds the ciphertext to IPFS. On a refusal (not a dropped connection) the
 * session is aborted; when the node stays unreachable it is kept, and `resume` continues it.
 *
 * @example
 * const { cid } = await uploadCiphertextInChunks(client, {
 *   body: file.stream().pipeThrough(createEncryptStream(key)),
 *   size: ciphertextLength(file.size),
 * })
 */
export async function uploadCiphertextInChunks(client: VaultClient, parameters: UploadCiphertextInChunksParameters): Promise<UploadCiphertextInChunksReturnType> {
  const { body, size, chunkBytes = defaultUploadChunkBytes, concurrency = 2, attempts = 6, retryDelayMs = 250, resume, onSession, onProgress, signal } = parameters
  const retrying = async <value>(action: () => Promise<value>, recover?: () => Promise<value | undefined>): Promise<value> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await action()
      } catch (error) {
        if (signal?.aborted || !retryable(error) || attempt >= attempts) throw error
        await wait(retryDelayMs * 2 ** (attempt - 1), signal)
        // After a failure the request may have reached the node: ask before doing it again.
        const done = await recover?.().catch((again: unknown) => {
          if (retryable(again)) return undefined
          throw again
        })
        if (done !== undefined) return done
      }
    }
  }

  let held = new Set<number>()
  let id: string
  if (resume) {
    const session = await retrying(() => getUploadSession(client, { session: resume.session, signal }))
    if (session.size !== size || session.chunkBytes !== chunkBytes)
      throw new UploadResumeError(`Session ${resume.session} is for ${session.size} bytes in ${session.chunkBytes}-byte chunks, not ${size} in ${chunkBytes}.`)
    if (session.state === 'complete' && session.cid) return { cid: session.cid, size, session: session.id }
    held = new Set(session.received)
    id = session.id
  } else {
    // One reference for every try: a try whose answer was lost opened the session the next one gets back.
    const clientRef = randomUploadRef()
    id = (await retrying(() => createUploadSession(client, { size, chunkBytes, clientRef, signal }))).id
  }
  onSession?.(id)

  const heldNow = async (index: number) => {
    const session = await getUploadSession(client, { session: id, signal })
    return session.received.includes(index) ? true : undefined
  }
  try {
    const digests: string[] = []
    const inFlight = new Set<Promise<void>>()
    let failure: unknown
    let sent = [...held].reduce((sum, index) => sum + uploadChunkLength({ size, chunkBytes, index }), 0)
    onProgress?.(sent, size)
    let index = 0
    for await (const { bytes: chunk, own } of chunksOf(body, size, chunkBytes)) {
      const current = index++
      const length = chunk.byteLength
      // A chunk of our own is freed as soon as the node holds it, not at V8's next full collection.
      const release = () => own && freeBytes(chunk)
      const digest = await sha256Hex(chunk)
      digests.push(digest)
      if (held.has(current)) {
        release()
        continue
      }
      const sending: Promise<void> = retrying(
        () => putUploadChunk(client, { session: id, index: current, bytes: chunk, sha256: digest, signal }).then(() => true as const),
        () => heldNow(current),
      ).then(
        () => {
          inFlight.delete(sending)
          release()
          sent += length
          onProgress?.(sent, size)
        },
        (error: unknown) => {
          inFlight.delete(sending)
          failure ??= error
        },
      )
      inFlight.add(sending)
      while (inFlight.size >= concurrency) await Promise.race(inFlight)
      if (failure !== undefined) throw failure
    }
    await Promise.all(inFlight)
    if (failure !== undefined) throw failure
    const sha256 = await uploadCommitment(digests)
    const stored = await retrying(
      () => completeUploadSession(client, { session: id, sha256, signal }),
      async () => {
        const session = await getUploadSession(client, { session: id, signal })
        return session.state === 'complete' && session.cid ? { cid: session.cid, size: session.size } : undefined
      },
    )
    return { ...stored, session: id }
  } catch (error) {
    // A refusal will not change on a retry: free the node's room now. A node out of reach keeps it for `resume`.
    if (!retryable(error) && !signal?.aborted) await abortUploadSession(client, { session: id }).catch(() => undefined)
    throw error
  }
}
