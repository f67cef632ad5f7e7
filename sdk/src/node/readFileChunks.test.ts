import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readFileChunks } from './readFileChunks.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datavault-chunks-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const bytesOf = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff)

async function chunksOf(path: string, chunkSize: number): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  for await (const chunk of readFileChunks(path, { chunkSize })) chunks.push(chunk)
  return chunks
}

describe('readFileChunks', () => {
  test('default: the file in chunks of chunkSize, the last one shorter, each kept intact after the next read', async () => {
    const path = join(dir, 'a.bin')
    const bytes = bytesOf(2500)
    await writeFile(path, bytes)
    const chunks = await chunksOf(path, 1000)
    expect(chunks.map((chunk) => chunk.byteLength)).toEqual([1000, 1000, 500])
    expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true)
  })

  test('args: a size that is a multiple of chunkSize, and an empty file', async () => {
    const path = join(dir, 'b.bin')
    await writeFile(path, bytesOf(2000))
    expect((await chunksOf(path, 1000)).map((chunk) => chunk.byteLength)).toEqual([1000, 1000])
    await writeFile(path, new Uint8Array(0))
    expect(await chunksOf(path, 1000)).toEqual([])
  })

  test('behavior: a consumer that stops early leaves no read in flight and the file closed', async () => {
    const path = join(dir, 'c.bin')
    await writeFile(path, bytesOf(5000))
    for await (const chunk of readFileChunks(path, { chunkSize: 1000 })) {
      expect(chunk.byteLength).toBe(1000)
      break
    }
  })

  test('error: an aborted signal, a missing file', async () => {
    const path = join(dir, 'd.bin')
    await writeFile(path, bytesOf(3000))
    const controller = new AbortController()
    const read = async () => {
      for await (const _ of readFileChunks(path, { chunkSize: 1000, signal: controller.signal })) controller.abort(new Error('stop'))
    }
    await expect(read()).rejects.toThrow('stop')
    await expect(chunksOf(join(dir, 'missing.bin'), 1000)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
