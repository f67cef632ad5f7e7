// Chunked, resumable uploads of ciphertext: a session is declared (size, chunk size), its chunks
// arrive in any order and any number of times, each checked against the SHA-256 its signed request
// names and kept on disk under the node's data dir; completing checks that every chunk is there and
// that the owner's commitment matches them, and only then streams them into IPFS, each chunk
// checked again as it is read back. Nothing of a session is visible as content until it completes.
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Writable } from 'node:stream'
import { uploadChunkCount, uploadChunkLength, uploadCommitment, type UploadSessionView } from '@datavault/sdk'
import type { Logger } from '../logger.ts'
import type { UploadQuota, UploadAllowance } from '../db/upload-quota.ts'
import { StorageFullError, isDiskFull, type Storage } from '../storage/storage.ts'
import {
  UploadChunkCorruptError,
  UploadChunkHashError,
  UploadChunkSizeError,
  UploadIncompleteError,
  UploadSessionConflictError,
  UploadSessionExpiredError,
  UploadSessionInvalidError,
  UploadSessionLimitError,
  UploadSessionNotFoundError,
} from './errors.ts'

/** Options of {@link uploadSessions}. */
export type UploadSessionsInit = {
  /** Where chunks are kept, one folder per session; emptied at start (sessions do not outlive the node). */
  dir: string
  /** A session with no chunk for this long expires and its chunks are deleted (default 30 minutes). */
  idleSeconds?: number
  /** Open sessions one wallet may hold (default 2). */
  perWalletSessions?: number
  /** Open sessions on the node, all wallets together (default 32). */
  nodeSessions?: number
  /** Most chunks of one session (default 65,536). */
  maxChunks?: number
  /** Clock, milliseconds since the epoch. */
  now?: () => number
}

/** What the sessions use of the node. */
export type UploadSessionsComponents = {
  storage: Pick<Storage, 'add'>
  uploadQuota: UploadQuota
  logger: Logger
}

/** Upload sessions of one node. Every method takes the signing wallet and acts only on its sessions. */
export type UploadSessions = {
  /**
   * Opens a session for `size` bytes in `chunkBytes` pieces; reserves the wallet's upload allowance
   * until it ends. With a `clientRef` the wallet already used for a live session, answers that
   * session instead (a repeated open whose first answer was lost), or refuses if it was declared
   * with another size or chunk size.
   */
  create(wallet: string, declared: { size: number; chunkBytes: number; clientRef?: string | undefined }): Promise<UploadSessionView>
  /** The session's state and the chunks it holds. */
  status(wallet: string, id: string): UploadSessionView
  /** Stores chunk `index` from `body` if it has exactly the expected length and SHA-256 `sha256`; idempotent for the same bytes. */
  putChunk(wallet: string, id: string, chunk: { index: number; sha256: string; body: AsyncIterable<Uint8Array> }): Promise<{ index: number; size: number }>
  /** Checks every chunk and the declared commitment, then adds the ciphertext to IPFS; answers the same again if asked twice. */
  complete(wallet: string, id: string, declared: { sha256: string }, options?: { signal?: AbortSignal }): Promise<{ cid: string; size: number }>
  /** Ends a session and deletes its chunks. */
  abort(wallet: string, id: string): Promise<void>
  /** Deletes expired sessions; returns how many. */
  sweep(): Promise<number>
  /** Stops the sweep timer and deletes every session's chunks. */
  stop(): Promise<void>
}

type Session = {
  id: string
  wallet: string
  size: number
  chunkBytes: number
  chunks: number
  /** Digest (hex) of every chunk held, by index. */
  received: Map<number, string>
  /** Chunks being written now: completing waits for none. */
  writing: number
  state: 'open' | 'completing' | 'complete'
  expiresAt: number
  allowance: UploadAllowance | undefined
  result?: { cid: string; size: number }
  /** The client's reference for this session, if it gave one. */
  clientRef?: string | undefined
}

const idPattern = /^[0-9a-f]{32}$/

/**
 * The node's upload sessions: chunks on disk under `dir`, expired sessions swept every minute.
 *
 * @example
 * const sessions = await uploadSessions({ dir: join(dataDir, 'upload-sessions') })({ storage, uploadQuota, logger })
 * const session = await sessions.create(wallet, { size, chunkBytes: 4 * 1024 ** 2 })
 */
export function uploadSessions({ dir, idleSeconds = 1800, perWalletSessions = 2, nodeSessions = 32, maxChunks = 65_536, now = Date.now }: UploadSessionsInit) {
  return async ({ storage, uploadQuota, logger }: UploadSessionsComponents): Promise<UploadSessions> => {
    const log = logger.child({ component: 'vault:uploads' })
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const sessions = new Map<string, Session>()
    const folder = (session: Session) => join(dir, session.id)

    const view = (session: Session): UploadSessionView => ({
      id: session.id,
      state: session.state,
      size: session.size,
      chunkBytes: session.chunkBytes,
      chunks: session.chunks,
      received: [...session.received.keys()].sort((a, b) => a - b),
      expiresAt: new Date(session.expiresAt).toISOString(),
      ...(session.result ? { cid: session.result.cid } : {}),
    })

    const end = async (session: Session) => {
      sessions.delete(session.id)
      session.allowance?.end()
      session.allowance = undefined
      await rm(folder(session), { recursive: true, force: true })
    }

    // The wallet's own session, live: another wallet's is "not found", an expired one is ended here.
    const find = async (wallet: string, id: string): Promise<Session> => {
      const session = idPattern.test(id) ? sessions.get(id) : undefined
      if (!session || session.wallet !== wallet.toLowerCase()) throw new UploadSessionNotFoundError()
      if (session.state !== 'completing' && session.writing === 0 && now() > session.expiresAt) {
        await end(session)
        throw new UploadSessionExpiredError()
      }
      return session
    }
    const touch = (session: Session) => {
      session.expiresAt = Math.max(session.expiresAt, now() + idleSeconds * 1000)
    }

    const sweep = async () => {
      let swept = 0
      for (const session of [...sessions.values()]) {
        if (session.state === 'completing' || session.writing > 0 || now() <= session.expiresAt) continue
        await end(session)
        swept++
      }
      if (swept > 0) log.info({ swept }, 'expired upload sessions deleted')
      return swept
    }
    const timer = setInterval(() => void sweep().catch((error: unknown) => log.warn({ err: { name: (error as Error)?.name } }, 'upload session sweep failed')), 60_000)
    timer.unref()

    // Opens a new session (the limits, the allowance, its folder).
    const open = async (wallet: string, { size, chunkBytes, clientRef }: { size: number; chunkBytes: number; clientRef?: string | undefined }) => {
      await sweep()
      const chunks = uploadChunkCount(size, chunkBytes)
      if (chunks > maxChunks) throw new UploadSessionInvalidError(`An upload may have at most ${maxChunks} chunks; use larger chunks.`)
      const live = [...sessions.values()].filter((session) => session.state !== 'complete')
      if (live.length >= nodeSessions) throw new UploadSessionLimitError('This node has as many upload sessions open as it allows; try again later.')
      if (live.filter((session) => session.wallet === wallet).length >= perWalletSessions)
        throw new UploadSessionLimitError(`A wallet may have at most ${perWalletSessions} upload sessions open; complete or abort one first.`)
      // The session holds its declared size of the wallet's upload allowance (quota, hourly rate) until it ends.
      const allowance = uploadQuota.begin(wallet, undefined, size)
      if (size > allowance.maxBytes) {
        allowance.end()
        throw new UploadSessionInvalidError(`The upload is larger than the ${allowance.maxBytes} bytes this wallet may upload now.`)
      }
      const session: Session = { id: randomBytes(16).toString('hex'), wallet, size, chunkBytes, chunks, received: new Map(), writing: 0, state: 'open', expiresAt: now() + idleSeconds * 1000, allowance, clientRef }
      try {
        await mkdir(folder(session), { mode: 0o700 })
      } catch (error) {
        allowance.end()
        throw isDiskFull(error) ? new StorageFullError({ cause: error }) : error
      }
      sessions.set(session.id, session)
      log.info({ session: session.id, size, chunks }, 'upload session opened')
      return view(session)
    }
    // Opens being answered now, by wallet and client reference: a repeat waits for the same one.
    const opening = new Map<string, Promise<UploadSessionView>>()

    return {
      async create(walletAddress, declared) {
        const wallet = walletAddress.toLowerCase()
        const { size, chunkBytes, clientRef } = declared
        if (clientRef === undefined) return await open(wallet, declared)
        // A repeated open (the client's first answer was lost, or is still on its way): the same session, never a second one.
        const key = `${wallet}:${clientRef}`
        const live = [...sessions.values()].find(
          (session) => session.wallet === wallet && session.clientRef === clientRef && !(session.state === 'open' && session.writing === 0 && now() > session.expiresAt),
        )
        const pending = opening.get(key)
        const answer = live ? view(live) : pending ? await pending.catch(() => undefined) : undefined
        if (answer && (answer.size !== size || answer.chunkBytes !== chunkBytes))
          throw new UploadSessionConflictError(`An upload session with this clientRef was opened for ${answer.size} bytes in ${answer.chunkBytes}-byte chunks.`)
        if (answer) return answer
        const opened = open(wallet, declared)
        opening.set(key, opened)
        try {
          return await opened
        } finally {
          if (opening.get(key) === opened) opening.delete(key)
        }
      },

      status(wallet, id) {
        const session = idPattern.test(id) ? sessions.get(id) : undefined
        if (!session || session.wallet !== wallet.toLowerCase()) throw new UploadSessionNotFoundError()
        if (session.state === 'open' && session.writing === 0 && now() > session.expiresAt) throw new UploadSessionExpiredError()
        return view(session)
      },

      async putChunk(wallet, id, { index, sha256, body }) {
        const session = await find(wallet, id)
        if (session.state !== 'open') throw new UploadSessionConflictError(`The upload session is ${session.state}; it takes no more chunks.`)
        if (!Number.isInteger(index) || index < 0 || index >= session.chunks) throw new UploadChunkSizeError(`This session has chunks 0 to ${session.chunks - 1}.`)
        const expected = uploadChunkLength({ size: session.size, chunkBytes: session.chunkBytes, index })
        const part = join(folder(session), `${index}.${randomBytes(6).toString('hex')}.part`)
        session.writing++
        touch(session)
        try {
          const hash = createHash('sha256')
          let length = 0
          try {
            await pipeline(
              body,
              async function* (source: AsyncIterable<Uint8Array>) {
                for await (const piece of source) {
                  length += piece.byteLength
                  if (length > expected) throw new UploadChunkSizeError(`Chunk ${index} must be ${expected} bytes; more arrived.`)
                  hash.update(piece)
                  yield piece
                }
              },
              createWriteStream(part, { mode: 0o600 }) as Writable,
            )
          } catch (error) {
            await rm(part, { force: true })
            throw isDiskFull(error) ? new StorageFullError({ cause: error }) : error
          }
          if (length !== expected) {
            await rm(part, { force: true })
            throw new UploadChunkSizeError(`Chunk ${index} must be ${expected} bytes; ${length} arrived.`)
          }
          const digest = hash.digest('hex')
          if (digest !== sha256) {
            await rm(part, { force: true })
            throw new UploadChunkHashError(index)
          }
          const held = session.received.get(index)
          if (held !== undefined) {
            await rm(part, { force: true })
            if (held !== digest) throw new UploadSessionConflictError(`Chunk ${index} is already held with other bytes.`, 'UPLOAD_CHUNK_CONFLICT')
            return { index, size: length }
          }
          // Claimed before the rename so a concurrent copy of the same chunk sees it.
          session.received.set(index, digest)
          try {
            await rename(part, join(folder(session), String(index)))
          } catch (error) {
            session.received.delete(index)
            await rm(part, { force: true })
            throw error
          }
          return { index, size: length }
        } finally {
          session.writing--
          touch(session)
        }
      },

      async complete(wallet, id, { sha256 }, { signal } = {}) {
        const session = await find(wallet, id)
        if (session.state === 'complete' && session.result) return session.result
        if (session.state === 'completing') throw new UploadSessionConflictError('The upload session is being completed already; ask for it again shortly.', 'UPLOAD_SESSION_COMPLETING')
        if (session.writing > 0) throw new UploadSessionConflictError('Chunks of this session are still arriving; complete it once they are stored.', 'UPLOAD_SESSION_BUSY')
        const missing: number[] = []
        for (let index = 0; index < session.chunks && missing.length < 10; index++) if (!session.received.has(index)) missing.push(index)
        if (missing.length > 0) throw new UploadIncompleteError(`Chunks are missing (first: ${missing.join(', ')}).`, 'UPLOAD_CHUNKS_MISSING')
        const digests = Array.from({ length: session.chunks }, (_, index) => session.received.get(index) as string)
        // Claimed before the first await: a second completion (or a chunk) arriving meanwhile is refused.
        session.state = 'completing'
        if ((await uploadCommitment(digests)) !== sha256) {
          session.state = 'open'
          throw new UploadIncompleteError('The declared SHA-256 commitment does not match the chunks the node holds.', 'UPLOAD_COMMITMENT_MISMATCH')
        }
        const source = async function* () {
          for (let index = 0; index < session.chunks; index++) {
            // One chunk in memory at a time, checked before any of it goes on.
            const bytes = await readFile(join(folder(session), String(index)))
            if (bytes.byteLength !== uploadChunkLength({ size: session.size, chunkBytes: session.chunkBytes, index }) || createHash('sha256').update(bytes).digest('hex') !== digests[index])
              throw new UploadChunkCorruptError(index)
            yield new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
          }
        }
        let stored: { cid: string; size: number }
        try {
          stored = await storage.add(source(), { maxBytes: session.size, ...(signal ? { signal } : {}) })
        } catch (error) {
          session.state = 'open'
          touch(session)
          throw error
        }
        uploadQuota.stored({ cid: stored.cid, uploader: session.wallet, size: stored.size })
        session.allowance?.end()
        session.allowance = undefined
        session.state = 'complete'
        session.result = { cid: stored.cid, size: stored.size }
        touch(session)
        // The chunks go now; the answer stays until the session expires, for a client that lost it.
        await rm(folder(session), { recursive: true, force: true })
        log.info({ session: session.id, cid: stored.cid, size: stored.size }, 'upload session complete: ciphertext stored')
        return session.result
      },

      async abort(wallet, id) {
        const session = idPattern.test(id) ? sessions.get(id) : undefined
        if (!session || session.wallet !== wallet.toLowerCase()) throw new UploadSessionNotFoundError()
        if (session.state === 'completing') throw new UploadSessionConflictError('The upload session is being completed; it cannot be aborted now.')
        await end(session)
      },

      sweep,

      async stop() {
        clearInterval(timer)
        for (const session of [...sessions.values()]) await end(session)
      },
    }
  }
}
