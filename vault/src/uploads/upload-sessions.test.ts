import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { uploadCommitment } from '@datavault/sdk'
import { openDatabase, type Database } from '../db/database.ts'
import { uploadQuota } from '../db/upload-quota.ts'
import { createLogger } from '../logger.ts'
import { heliaStorage } from '../storage/helia-storage.ts'
import type { Storage } from '../storage/storage.ts'
import { type UploadSessions, uploadSessions } from './upload-sessions.ts'

const alice = '0x00000000000000000000000000000000000000a1'
const bob = '0x00000000000000000000000000000000000000b2'
const chunkBytes = 64 * 1024

let root: string
let storage: Storage
let db: Database
let sessions: UploadSessions
let clock = Date.UTC(2026, 11, 6)
const dir = () => join(root, 'sessions')

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dv-upload-sessions-'))
  storage = await heliaStorage({ dir: join(root, 'ipfs') })
  db = openDatabase(':memory:')
  const quota = uploadQuota({ perWalletPendingBytes: 8 * 1024 ** 2, nodePendingBytes: 16 * 1024 ** 2, maxUploadBytes: 4 * 1024 ** 2, perWalletPerHour: 100 })({ db })
  sessions = await uploadSessions({ dir: dir(), idleSeconds: 60, perWalletSessions: 2, now: () => clock })({ storage, uploadQuota: quota, logger: createLogger({ level: 'silent' }) })
})
afterAll(async () => {
  await sessions?.stop()
  await storage?.stop()
  db?.close()
  await rm(root, { recursive: true, force: true })
})

// Random bytes: no two chunks alike.
const bytes = (size: number) => new Uint8Array(randomBytes(size))
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')
async function* once(data: Uint8Array) {
  yield data
}
const pieces = (data: Uint8Array) => Array.from({ length: Math.ceil(data.byteLength / chunkBytes) }, (_, i) => data.subarray(i * chunkBytes, (i + 1) * chunkBytes))
const put = (wallet: string, id: string, index: number, chunk: Uint8Array, digest = sha(chunk)) => sessions.putChunk(wallet, id, { index, sha256: digest, body: once(chunk) })
async function collect(source: AsyncIterable<Uint8Array>) {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}

describe('uploadSessions', () => {
  test('default: chunks sent out of order are assembled, checked and added to IPFS as one file, and their folder is deleted', async () => {
    const data = bytes(3 * chunkBytes + 1000)
    const session = await sessions.create(alice, { size: data.byteLength, chunkBytes })
    expect(session).toMatchObject({ state: 'open', chunks: 4, received: [], size: data.byteLength })
    const parts = pieces(data)
    for (const index of [2, 0, 3, 1]) await put(alice, session.id, index, parts[index] as Uint8Array)
    expect(sessions.status(alice, session.id).received).toEqual([0, 1, 2, 3])
    const stored = await sessions.complete(alice, session.id, { sha256: await uploadCommitment(parts.map(sha)) })
    expect(stored.size).toBe(data.byteLength)
    expect((await collect(storage.cat(stored.cid))).equals(Buffer.from(data))).toBe(true)
    // The same CID as the plain upload route would give for the same bytes.
    expect((await storage.add(once(data))).cid).toBe(stored.cid)
    expect(await readdir(dir())).toEqual([])
    expect(db.prepare('SELECT uploader, size FROM uploads WHERE cid = ?').get(stored.cid)).toEqual({ uploader: alice, size: data.byteLength })
  })

  test('behavior: a chunk sent twice is kept once, and completing twice answers the same CID (a client that lost the answer)', async () => {
    const data = bytes(chunkBytes + 10)
    const parts = pieces(data)
    const session = await sessions.create(alice, { size: data.byteLength, chunkBytes })
    await put(alice, session.id, 0, parts[0] as Uint8Array)
    await put(alice, session.id, 0, parts[0] as Uint8Array)
    await put(alice, session.id, 1, parts[1] as Uint8Array)
    const commitment = await uploadCommitment(parts.map(sha))
    const completing = sessions.complete(alice, session.id, { sha256: commitment })
    // A second completion while the first runs is told to ask again, and adds nothing twice.
    await expect(sessions.complete(alice, session.id, { sha256: commitment })).rejects.toMatchObject({ code: 'UPLOAD_SESSION_COMPLETING', status: 409 })
    await expect(put(alice, session.id, 0, parts[0] as Uint8Array)).rejects.toMatchObject({ status: 409 })
    const first = await completing
    expect(await sessions.complete(alice, session.id, { sha256: commitment })).toEqual(first)
    expect(sessions.status(alice, session.id)).toMatchObject({ state: 'complete', cid: first.cid })
  })

  test('error: a chunk whose bytes differ from its declared SHA-256, or of the wrong length, is refused and not kept', async () => {
    const data = bytes(2 * chunkBytes)
    const [first, second] = pieces(data) as [Uint8Array, Uint8Array]
    const session = await sessions.create(alice, { size: data.byteLength, chunkBytes })
    await expect(put(alice, session.id, 0, first, sha(second))).rejects.toMatchObject({ code: 'UPLOAD_CHUNK_HASH_MISMATCH', status: 400 })
    await expect(put(alice, session.id, 0, first.subarray(1))).rejects.toMatchObject({ code: 'UPLOAD_CHUNK_SIZE_MISMATCH' })
    await expect(put(alice, session.id, 1, data)).rejects.toMatchObject({ code: 'UPLOAD_CHUNK_SIZE_MISMATCH' })
    await expect(put(alice, session.id, 2, first)).rejects.toMatchObject({ code: 'UPLOAD_CHUNK_SIZE_MISMATCH' })
    expect(sessions.status(alice, session.id).received).toEqual([])
    expect(await readdir(join(dir(), session.id))).toEqual([])
    await put(alice, session.id, 0, first)
    await expect(put(alice, session.id, 0, second)).rejects.toMatchObject({ code: 'UPLOAD_CHUNK_CONFLICT', status: 409 })
    await sessions.abort(alice, session.id)
    expect(await readdir(dir())).not.toContain(session.id)
  })

  test('error: completing with a chunk missing or a commitment that does not match is refused and adds nothing', async () => {
    const data = bytes(2 * chunkBytes)
    const parts = pieces(data)
    const session = await sessions.create(alice, { size: data.byteLength, chunkBytes })
    await put(alice, session.id, 1, parts[1] as Uint8Array)
    const commitment = await uploadCommitment(parts.map(sha))
    await expect(sessions.complete(alice, session.id, { sha256: commitment })).rejects.toMatchObject({ code: 'UPLOAD_CHUNKS_MISSING', status: 400 })
    await put(alice, session.id, 0, parts[0] as Uint8Array)
    await expect(sessions.complete(alice, session.id, { sha256: await uploadCommitment([...parts].reverse().map(sha)) })).rejects.toMatchObject({ code: 'UPLOAD_COMMITMENT_MISMATCH' })
    // A chunk changed on disk after it arrived: checked again as it is read back, nothing stored.
    await writeFile(join(dir(), session.id, '1'), bytes(chunkBytes))
    await expect(sessions.complete(alice, session.id, { sha256: commitment })).rejects.toMatchObject({ code: 'UPLOAD_CHUNK_CORRUPT' })
    expect(sessions.status(alice, session.id).state).toBe('open')
    expect(await storage.stat((await storage.add(once(data))).cid)).toEqual({ size: data.byteLength })
    expect(db.prepare('SELECT COUNT(*) AS n FROM uploads WHERE size = ?').get(data.byteLength)).toEqual({ n: 0 })
    await sessions.abort(alice, session.id)
  })

  test('error: a session expires when no chunk arrives for too long, and its chunks are deleted', async () => {
    const session = await sessions.create(alice, { size: chunkBytes, chunkBytes })
    clock += 61_000
    expect(() => sessions.status(alice, session.id)).toThrow(expect.objectContaining({ code: 'UPLOAD_SESSION_EXPIRED', status: 410 }))
    await expect(put(alice, session.id, 0, bytes(chunkBytes))).rejects.toMatchObject({ code: 'UPLOAD_SESSION_EXPIRED' })
    expect(await readdir(dir())).not.toContain(session.id)
    expect(() => sessions.status(alice, session.id)).toThrow(expect.objectContaining({ code: 'UPLOAD_SESSION_NOT_FOUND' }))
    const idle = await sessions.create(alice, { size: chunkBytes, chunkBytes })
    clock += 61_000
    expect(await sessions.sweep()).toBeGreaterThanOrEqual(1)
    expect(await readdir(dir())).not.toContain(idle.id)
  })

  test('error: another wallet\'s session is not found, a session past the upload limit or the session count is refused', async () => {
    const session = await sessions.create(alice, { size: chunkBytes, chunkBytes })
    expect(() => sessions.status(bob, session.id)).toThrow(expect.objectContaining({ code: 'UPLOAD_SESSION_NOT_FOUND', status: 404 }))
    await expect(put(bob, session.id, 0, bytes(chunkBytes))).rejects.toMatchObject({ code: 'UPLOAD_SESSION_NOT_FOUND' })
    await expect(sessions.abort(bob, session.id)).rejects.toMatchObject({ code: 'UPLOAD_SESSION_NOT_FOUND' })
    await expect(sessions.create(bob, { size: 4 * 1024 ** 2 + 1, chunkBytes })).rejects.toMatchObject({ code: 'UPLOAD_SESSION_INVALID' })
    const second = await sessions.create(alice, { size: chunkBytes, chunkBytes })
    await expect(sessions.create(alice, { size: chunkBytes, chunkBytes })).rejects.toMatchObject({ code: 'UPLOAD_SESSION_LIMIT', status: 429 })
    await sessions.abort(alice, session.id)
    await sessions.abort(alice, second.id)
  })

  test('behavior: opening again with the same clientRef answers the same session (a lost answer leaves no orphan); another size with it is refused', async () => {
    const clientRef = randomBytes(16).toString('hex')
    const [first, concurrent] = await Promise.all([sessions.create(alice, { size: chunkBytes, chunkBytes, clientRef }), sessions.create(alice, { size: chunkBytes, chunkBytes, clientRef })])
    expect(concurrent.id).toBe(first.id)
    expect((await sessions.create(alice, { size: chunkBytes, chunkBytes, clientRef })).id).toBe(first.id)
    // Still one session: the wallet may open one more before its limit of two.
    const other = await sessions.create(alice, { size: chunkBytes, chunkBytes })
    await expect(sessions.create(alice, { size: 2 * chunkBytes, chunkBytes, clientRef })).rejects.toMatchObject({ code: 'UPLOAD_SESSION_CONFLICT', status: 409 })
    // The reference is the wallet's own: another wallet with it opens its own session.
    const bobs = await sessions.create(bob, { size: chunkBytes, chunkBytes, clientRef })
    expect(bobs.id).not.toBe(first.id)
    for (const [wallet, id] of [[alice, first.id], [alice, other.id], [bob, bobs.id]] as const) await sessions.abort(wallet, id)
    // Once the session has ended, the reference opens a new one.
    const again = await sessions.create(alice, { size: chunkBytes, chunkBytes, clientRef })
    expect(again.id).not.toBe(first.id)
    await sessions.abort(alice, again.id)
  })

  test('behavior: a chunk cut off mid-body leaves no file behind and can be sent again', async () => {
    const data = bytes(chunkBytes)
    const session = await sessions.create(alice, { size: chunkBytes, chunkBytes })
    async function* cut() {
      yield data.subarray(0, 1000)
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' })
    }
    await expect(sessions.putChunk(alice, session.id, { index: 0, sha256: sha(data), body: cut() })).rejects.toMatchObject({ code: 'ECONNRESET' })
    expect(await readdir(join(dir(), session.id))).toEqual([])
    await put(alice, session.id, 0, data)
    expect((await sessions.complete(alice, session.id, { sha256: await uploadCommitment([sha(data)]) })).size).toBe(chunkBytes)
  })
})
