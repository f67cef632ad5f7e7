import { describe, expect, test } from 'vitest'
import { createEncryptStream } from './createEncryptStream.ts'
import { createDecryptStream } from './createDecryptStream.ts'
import { freeBytes } from './freeBytes.ts'

const size = 64 * 1024
import { generateDataKey } from './generateDataKey.ts'

describe('freeBytes', () => {
  test('default: frees a whole buffer of its own, after which every view of it is empty', () => {
    const bytes = new Uint8Array(size).fill(7)
    const other = new Uint8Array(bytes.buffer)
    expect(freeBytes(bytes)).toBe(true)
    expect(bytes.buffer.detached).toBe(true)
    expect(bytes.length).toBe(0)
    expect(other.length).toBe(0)
  })

  test('behavior: leaves alone what it does not wholly own: a view of part of a buffer, shared or resizable memory, a pooled Node buffer, a freed one', () => {
    const slab = new Uint8Array(4 * size)
    const cases = [
      slab.subarray(0, size),
      slab.subarray(size),
      new Uint8Array(new SharedArrayBuffer(size)),
      new Uint8Array(new ArrayBuffer(size, { maxByteLength: 2 * size })),
      Buffer.from('a pooled Node buffer'),
    ]
    for (const bytes of cases) {
      const length = bytes.length
      expect(freeBytes(bytes)).toBe(false)
      expect(bytes.length).toBe(length)
    }
    expect(slab.buffer.detached).toBe(false)
    const freed = new Uint8Array(size)
    expect(freeBytes(freed)).toBe(true)
    expect(freeBytes(freed)).toBe(false)
  })

  test('behavior: a consumer that frees every envelope chunk once it has copied it still gets the whole envelope, and it decrypts', async () => {
    const key = generateDataKey()
    const chunkSize = size
    const plaintext = new Uint8Array(chunkSize * 3 + 1000)
    for (let offset = 0; offset < plaintext.length; offset += 65_536) globalThis.crypto.getRandomValues(plaintext.subarray(offset, offset + 65_536))
    const copy = async (stream: ReadableStream<Uint8Array>) => {
      const copies: Uint8Array<ArrayBuffer>[] = []
      let freed = 0
      const reader = stream.getReader()
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        copies.push(next.value.slice())
        if (freeBytes(next.value)) freed++
      }
      return { bytes: new Uint8Array(await new Blob(copies).arrayBuffer()), freed }
    }
    const sealed = await copy(new Blob([plaintext]).stream().pipeThrough(createEncryptStream(key, { chunkSize })))
    // Every chunk is the reader's own (header, frame words, ciphertexts, tags), freed as it went.
    expect(sealed.freed).toBeGreaterThanOrEqual(1 + 4 * 2)
    const opened = await copy(new Blob([sealed.bytes]).stream().pipeThrough(createDecryptStream(key)))
    expect(opened.freed).toBe(4)
    expect(opened.bytes).toEqual(plaintext)
  })
})
