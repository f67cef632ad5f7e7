import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { unixfs } from '@helia/unixfs'
import { FsBlockstore } from 'blockstore-fs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { heliaStorage } from './helia-storage.ts'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function* chunks(count: number, size: number) {
  for (let i = 0; i < count; i++) yield new Uint8Array(size).map((_, j) => (i * 31 + j) & 0xff)
}

async function collect(source: AsyncIterable<Uint8Array>) {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}

describe('heliaStorage', () => {
  test('default: content added as UnixFS is pinned, read back, and survives a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dv-helia-'))
    dirs.push(dir)
    const first = await heliaStorage({ dir })
    const { cid, size } = await first.add(chunks(5, 700_000))
    expect(size).toBe(3_500_000)
    expect(cid).toMatch(/^bafy/)
    const expected = await collect(chunks(5, 700_000))
    expect((await collect(first.cat(cid))).equals(expected)).toBe(true)
    await first.stop()
    // The same CID as Helia's own add of the same bytes (its chunker and settings).
    const plain = new FsBlockstore(join(dir, 'plain'))
    await plain.open()
    expect((await unixfs({ blockstore: plain }).addByteStream(chunks(5, 700_000))).toString()).toBe(cid)
    await plain.close()

    const second = await heliaStorage({ dir })
    expect(await second.stat(cid)).toEqual({ size: 3_500_000 })
    expect((await collect(second.cat(cid))).equals(expected)).toBe(true)
    await second.stop()
  })

  test('behavior: a source that frees each piece once the next is asked for (as the upload route does) stores the same file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dv-helia-'))
    dirs.push(dir)
    const storage = await heliaStorage({ dir })
    // Pieces that do not line up with the 1 MiB blocks: a block takes from several, and a piece spans two blocks.
    async function* freeing() {
      for await (const piece of chunks(7, 300_001)) {
        yield piece
        piece.buffer.transfer(0)
      }
    }
    const { cid, size } = await storage.add(freeing())
    expect(size).toBe(7 * 300_001)
    expect((await collect(storage.cat(cid))).equals(await collect(chunks(7, 300_001)))).toBe(true)
    expect(cid).toBe((await storage.add(chunks(7, 300_001))).cid)
    await storage.stop()
  })

  test('error: an upload past the limit is refused and nothing of it stays', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dv-helia-'))
    dirs.push(dir)
    const storage = await heliaStorage({ dir })
    await expect(storage.add(chunks(4, 1_000_000), { maxBytes: 2_500_000 })).rejects.toMatchObject({
      name: 'UploadTooLargeError',
      code: 'UPLOAD_TOO_LARGE',
    })
    const { cid } = await storage.add(chunks(2, 1_000_000))
    expect(await storage.stat(cid)).toEqual({ size: 2_000_000 })
    await storage.stop()
  })

  test('behavior: a failed upload never collects the blocks of an upload still in flight', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dv-helia-'))
    dirs.push(dir)
    const storage = await heliaStorage({ dir })
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    async function* slow() {
      yield* chunks(3, 1_000_000)
      await gate
      yield* chunks(3, 1_000_000)
    }
    const pending = storage.add(slow())
    await new Promise((resolve) => setTimeout(resolve, 200))
    await expect(storage.add(chunks(3, 1_000_000), { maxBytes: 1_500_000 })).rejects.toMatchObject({ code: 'UPLOAD_TOO_LARGE' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    release()
    const { cid } = await pending
    // The collection the failure asked for runs once nothing is in flight; the pinned file survives it.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const expected = Buffer.concat([await collect(chunks(3, 1_000_000)), await collect(chunks(3, 1_000_000))])
    expect((await collect(storage.cat(cid))).equals(expected)).toBe(true)
    await storage.stop()
  })

  test('error: unknown or malformed CIDs are not found', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dv-helia-'))
    dirs.push(dir)
    const storage = await heliaStorage({ dir })
    expect(await storage.stat('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')).toBeUndefined()
    await expect(collect(storage.cat('not-a-cid'))).rejects.toMatchObject({ code: 'CONTENT_NOT_FOUND' })
    await storage.stop()
  })

  test('behavior: blocks and half-written block files a crash left behind are removed at start-up; pinned files stay', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dv-helia-'))
    dirs.push(dir)
    const first = await heliaStorage({ dir })
    const { cid } = await first.add(chunks(2, 1_000_000))
    await first.stop()
    // What a kill -9 mid-upload leaves: blocks written that no pin reaches, and a temp file mid-rename.
    const blocks = new FsBlockstore(join(dir, 'blocks'))
    await blocks.open()
    const orphan = new Uint8Array(300_000).fill(7)
    const orphanCid = CID.createV1(raw.code, await sha256.digest(orphan))
    await blocks.put(orphanCid, orphan)
    await blocks.close()
    await mkdir(join(dir, 'blocks', 'ZZ'), { recursive: true })
    await writeFile(join(dir, 'blocks', 'ZZ', '.CIQZZZ.data.tmp'), new Uint8Array(1000))
    const before = await readdir(join(dir, 'blocks'), { recursive: true })
    expect(before.some((entry) => entry.endsWith('.tmp'))).toBe(true)

    const infos: unknown[] = []
    const second = await heliaStorage({ dir, logger: { info: (fields: unknown) => infos.push(fields), warn: () => {} } as never })
    // An add waits for the start-up collection, so after it the orphan is gone.
    await second.add(chunks(1, 10))
    const after = await readdir(join(dir, 'blocks'), { recursive: true })
    expect(after.some((entry) => entry.endsWith('.tmp'))).toBe(false)
    const check = new FsBlockstore(join(dir, 'blocks'))
    await check.open()
    expect(await check.has(orphanCid)).toBe(false)
    await check.close()
    expect(infos).toEqual([{ partialWrites: 1 }])
    expect((await collect(second.cat(cid))).equals(await collect(chunks(2, 1_000_000)))).toBe(true)
    await second.stop()
  })
})
