import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readFilePieces } from './read-file-pieces.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dv-pieces-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Each piece copied as it comes (its buffer is read into again once the next is asked for). */
async function copies(source: AsyncIterable<Uint8Array>) {
  const pieces: Buffer[] = []
  for await (const piece of source) pieces.push(Buffer.from(piece))
  return pieces
}

describe('readFilePieces', () => {
  test('default: a file\'s bytes, in pieces of the size asked for, each right when it comes', async () => {
    const bytes = randomBytes(10_000)
    const path = join(dir, 'bytes')
    await writeFile(path, bytes)
    const pieces = await copies(readFilePieces(path, { pieceSize: 4096 }))
    expect(pieces.map((piece) => piece.byteLength)).toEqual([4096, 4096, 1808])
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true)
  })

  test('behavior: two buffers in turn; a file of whole pieces and an empty file end cleanly', async () => {
    const path = join(dir, 'whole')
    await writeFile(path, randomBytes(3 * 1024))
    const buffers = new Set<ArrayBufferLike>()
    for await (const piece of readFilePieces(path, { pieceSize: 1024 })) buffers.add(piece.buffer)
    expect(buffers.size).toBe(2)
    const empty = join(dir, 'empty')
    await writeFile(empty, '')
    expect(await copies(readFilePieces(empty))).toEqual([])
  })

  test('error: an aborted signal stops the reading; a missing file throws', async () => {
    const path = join(dir, 'abort')
    await writeFile(path, randomBytes(4096))
    const controller = new AbortController()
    const reading = readFilePieces(path, { pieceSize: 1024, signal: controller.signal })
    await reading.next()
    controller.abort(new Error('stop'))
    await expect(reading.next()).rejects.toThrow('stop')
    await expect(copies(readFilePieces(join(dir, 'missing')))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
