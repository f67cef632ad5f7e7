import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { sha256OfFile } from './hash-file.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dv-hash-file-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('sha256OfFile', () => {
  test('default: the SHA-256 of the whole file, over several reads and a short last one', async () => {
    const bytes = randomBytes(2.5 * (1 << 20))
    const path = join(dir, 'bytes')
    await writeFile(path, bytes)
    const digest = await sha256OfFile(path)
    expect(Buffer.from(digest).toString('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
  })

  test('args: an empty file', async () => {
    const path = join(dir, 'empty')
    await writeFile(path, '')
    expect(Buffer.from(await sha256OfFile(path)).toString('hex')).toBe(createHash('sha256').digest('hex'))
  })

  test('behavior: aborting rejects with the signal\'s reason (an aborted signal before the start too)', async () => {
    const path = join(dir, 'big')
    await writeFile(path, randomBytes(1 << 20))
    const controller = new AbortController()
    const hashing = sha256OfFile(path, { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(hashing).rejects.toThrow('stop')
    expect(() => sha256OfFile(path, { signal: controller.signal })).toThrow('stop')
  })

  test('error: a missing file rejects with the file system\'s error', async () => {
    await expect(sha256OfFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
