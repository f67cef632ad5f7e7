import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fileSink } from './fileSink.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dv-sink-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('fileSink', () => {
  test('default: the file appears, whole, only on close', async () => {
    const path = join(dir, 'model.safetensors')
    const sink = fileSink(path)
    expect(sink.path).toBe(path)
    const writer = sink.getWriter()
    await writer.write(new Uint8Array([1, 2, 3]))
    expect(await readdir(dir)).not.toContain('model.safetensors')
    await writer.write(new Uint8Array([4]))
    await writer.close()
    expect(Array.from(await readFile(path))).toEqual([1, 2, 3, 4])
    expect(await readdir(dir)).toEqual(['model.safetensors'])
  })

  test('behavior: an abort leaves no partial file and keeps the old one', async () => {
    const path = join(dir, 'kept.bin')
    await writeFile(path, 'old')
    const writer = fileSink(path).getWriter()
    await writer.write(new Uint8Array([9, 9]))
    await writer.abort(new Error('digest mismatch'))
    expect(await readFile(path, 'utf8')).toBe('old')
    expect((await readdir(dir)).filter((name) => name.endsWith('.partial'))).toEqual([])
  })

  test('error: a folder that does not exist', async () => {
    const writer = fileSink(join(dir, 'missing', 'x.bin')).getWriter()
    await expect(writer.write(new Uint8Array([1]))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
