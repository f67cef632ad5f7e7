import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { bodyPieces } from './body-pieces.ts'

const piece = (size: number, fill: number) => new Uint8Array(size).fill(fill)

describe('bodyPieces', () => {
  test('default: yields each piece as written, never joined, and ends with the stream', async () => {
    const stream = new PassThrough()
    const written = [piece(10, 1), piece(20, 2), piece(5, 3)]
    for (const bytes of written) stream.write(bytes)
    stream.end()
    const seen: Uint8Array[] = []
    for await (const bytes of bodyPieces(stream)) seen.push(bytes)
    // `for await` over the stream itself would give one joined piece of 35 bytes here.
    expect(seen.map((bytes) => bytes.byteLength)).toEqual([10, 20, 5])
    expect(seen.map((bytes) => bytes[0])).toEqual([1, 2, 3])
  })

  test('args: highWaterMark pauses the stream while that many bytes wait unread, and resumes it once they are taken', async () => {
    const stream = new PassThrough()
    const pieces = bodyPieces(stream, { highWaterMark: 30 })
    const first = pieces.next()
    for (let i = 0; i < 4; i++) stream.write(piece(10, i))
    expect((await first).value?.byteLength).toBe(10)
    // Three pieces were queued when the first was taken: 30 bytes, so the stream was paused.
    await new Promise((resolve) => setImmediate(resolve))
    expect(stream.isPaused()).toBe(true)
    await pieces.next()
    // 20 left unread: below the mark, reading goes on.
    expect(stream.isPaused()).toBe(false)
    stream.end()
    const rest: number[] = []
    for await (const bytes of pieces) rest.push(bytes[0]!)
    expect(rest).toEqual([2, 3])
  })

  test('args: freeOnNext frees a piece the parser gave a buffer of its own once the next is asked for, and only such a piece', async () => {
    const stream = new PassThrough()
    const slab = new Uint8Array(20)
    const own = piece(10, 1)
    stream.write(own)
    stream.write(slab.subarray(0, 10))
    stream.write(piece(3, 3))
    stream.end()
    const pieces = bodyPieces(stream, { freeOnNext: true })
    const first = (await pieces.next()).value!
    expect(first.byteLength).toBe(10)
    const second = (await pieces.next()).value!
    // Asked for the second: the first is freed.
    expect(first.buffer.detached).toBe(true)
    expect(second[0]).toBe(0)
    await pieces.next()
    // A view into a larger buffer is never freed (the rest of it may be in use).
    expect(slab.buffer.detached).toBe(false)
    expect((await pieces.next()).done).toBe(true)
  })

  test('behavior: a consumer that stops early destroys the stream', async () => {
    const stream = new PassThrough()
    stream.write(piece(4, 1))
    for await (const _ of bodyPieces(stream)) break
    expect(stream.destroyed).toBe(true)
  })

  test('error: the stream\'s error is thrown after the pieces before it; a close before the end is an error too', async () => {
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

    const cut = new PassThrough()
    cut.write(piece(4, 1))
    const pieces = bodyPieces(cut)
    await pieces.next()
    cut.destroy()
    await expect(pieces.next()).rejects.toThrow('cut off before its end')
  })
})
