import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { randomUploadRef, sha256Hex, uploadChunkCount, uploadChunkLength, uploadCommitment } from './chunks.ts'

describe('upload chunks', () => {
  test('default: every chunk is chunkBytes long but the last, which holds what is left', () => {
    expect(uploadChunkCount(10, 4)).toBe(3)
    expect([0, 1, 2].map((index) => uploadChunkLength({ size: 10, chunkBytes: 4, index }))).toEqual([4, 4, 2])
    expect(uploadChunkCount(8, 4)).toBe(2)
    expect(uploadChunkLength({ size: 8, chunkBytes: 4, index: 1 })).toBe(4)
  })

  test('default: the commitment is SHA-256 over the chunks\' digests in order', async () => {
    const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])]
    const digests = await Promise.all(chunks.map(sha256Hex))
    expect(digests[0]).toBe(createHash('sha256').update(chunks[0] as Uint8Array).digest('hex'))
    const expected = createHash('sha256')
      .update(Buffer.concat(digests.map((digest) => Buffer.from(digest, 'hex'))))
      .digest('hex')
    expect(await uploadCommitment(digests)).toBe(expected)
    expect(await uploadCommitment([...digests].reverse())).not.toBe(expected)
  })

  test('error: a digest that is not 64 lower-case hex digits', async () => {
    await expect(uploadCommitment(['AB'.repeat(32)])).rejects.toMatchObject({ code: 'UPLOAD_DIGEST_INVALID' })
  })

  test('behavior: randomUploadRef is 32 lower-case hex digits, fresh each time', () => {
    const refs = new Set(Array.from({ length: 100 }, () => randomUploadRef()))
    expect(refs.size).toBe(100)
    for (const ref of refs) expect(ref).toMatch(/^[0-9a-f]{32}$/)
  })
})
