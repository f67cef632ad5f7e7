import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { bodyPieces } from './body-pieces.ts'

const piece = (size: number, fill: number) => new Uint8Array(size).fill(fill)

/** A stream that hands out `pieces` one read at a time (never two joined). */
function oneByOne(pieces: Uint8Array[]) {
  const stream = new PassThrough()
  const queue = [...pieces]
  const next = () => (queue.length > 0 ? stream.write(queue.shift()!) : stream.end())
  next()
  return { stream, next }
}

describe('bodyPieces', () => {
  test('default: yields every byte of the stream in order, and frees nothing', async () => {
    const written = [piece(10, 1), piece(20, 2), piece(5, 3)]
    const { stream, next } = oneByOne(written)
    const seen: number[] = []
    for await (const bytes of bodyPieces(stream)) {
      seen.push(...bytes)
      next()
    }
    expect(seen).toEqual(written.flatMap((bytes) => [...bytes]))
    expect(written.every((bytes) => !bytes.buffer.detached)).toBe(true)
  })

  test('args: freeOnNext frees a piece with a buffer of its own once the next is asked for, and only such a piece', async () => {
    const slab = new Uint8Array(20)
    const own = piece(10, 1)
    const { stream, next } = oneByOne([own, slab.subarray(0, 10), piece(3, 3)])
    const pieces = bodyPieces(stream, { freeOnNext: true })
    const first = (await pieces.next()).value!
    expect(first[0]).toBe(1)
    next()
    const second = (await pieces.next()).value!
    // Asked for the second: the first is freed.
    expect(own.buffer.detached).toBe(true)
    expect(first.byteLength).toBe(0)
    expect(second[0]).toBe(0)
    next()
    await pieces.next()
    // A view into a larger buffer is never freed (the rest of it may be in use).
    expect(slab.buffer.detached).toBe(false)
    next()
    expect((await pieces.next()).done).toBe(true)
  })

  test('behavior: a consumer that stops early destroys the stream, as for await does', async () => {
    const stream = new PassThrough()
    stream.write(piece(4, 1))
    for await (const _ of bodyPieces(stream)) break
    expect(stream.destroyed).toBe(true)
  })

  test('error: the stream\'s error is thrown after the pieces before it', async () => {
    const failing = new PassThrough()
    failing.write(piece(4, 1))
    const seen: number[] = []
    const reading = (async () => {
      for await (const bytes of bodyPieces(failing)) {
        seen.push(bytes.byteLength)
        failing.destroy(new Error('connection reset'))
      }
    })()
    await expect(reading).rejects.toThrow('connection reset')
    expect(seen).toEqual([4])
  })
})
