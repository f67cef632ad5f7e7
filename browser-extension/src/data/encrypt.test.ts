import { ciphertextLength, createDecryptStream, generateDataKey } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { encryptToStream, extensionChunkSize } from './encrypt.ts'
import { keepColumnsStream, keptColumnsBytes } from './inspect.ts'

describe('encryptToStream', () => {
  test("default: the SDK's envelope, which the SDK decrypts back to the plaintext; onEnd runs once at the end", async () => {
    const plaintext = new Blob([Uint8Array.from({ length: 3 * 1024 ** 2 + 123 }, (_, index) => (index * 7919) % 251)])
    const key = generateDataKey()
    const progress: number[] = []
    let ends = 0
    const ciphertext = new Uint8Array(await new Response(encryptToStream({ plaintext, key, onProgress: (bytes) => progress.push(bytes), onEnd: () => void ends++ })).arrayBuffer())
    expect(new TextDecoder().decode(ciphertext.subarray(0, 4))).toBe('DVEN')
    const decrypted = new Uint8Array(await new Response(new Blob([ciphertext]).stream().pipeThrough(createDecryptStream(key))).arrayBuffer())
    expect(decrypted).toEqual(new Uint8Array(await plaintext.arrayBuffer()))
    expect(progress.at(-1)).toBe(plaintext.size)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    expect(ends).toBe(1)
  })

  test('behavior: nothing is encrypted ahead of the reader, and cancelling it ends it (onEnd)', async () => {
    // 16 MiB read as a file is, in 64 KiB pieces.
    const plaintext = new Blob(Array.from({ length: 256 }, () => new Uint8Array(64 * 1024)))
    const progress: number[] = []
    let ends = 0
    const stream = encryptToStream({ plaintext, key: generateDataKey(), onProgress: (bytes) => progress.push(bytes), onEnd: () => void ends++ })
    const reader = stream.getReader()
    for (let i = 0; i < 4; i++) await reader.read()
    await new Promise((resolve) => setImmediate(resolve))
    // A few envelope chunks in flight on the pool, not the file.
    expect(progress.at(-1)).toBeLessThanOrEqual(8 * 1024 ** 2)
    await reader.cancel()
    expect(ends).toBe(1)
  })

  test('args: cut: the envelope holds the kept columns only, as many bytes as keptColumnsBytes counts; progress counts the file read', async () => {
    const plaintext = new Blob(['age,ssn,risk\n', ...Array.from({ length: 5000 }, (_, row) => `${row % 90},${100_000_000 + row},${row % 2 ? 'high' : 'low'}\n`)])
    const key = generateDataKey()
    const progress: number[] = []
    const ciphertext = await new Response(encryptToStream({ plaintext, key, cut: keepColumnsStream(['age', 'risk'], 'people.csv'), onProgress: (bytes) => progress.push(bytes) })).blob()
    const decrypted = await new Response(ciphertext.stream().pipeThrough(createDecryptStream(key))).text()
    expect(decrypted.split('\n').slice(0, 3)).toEqual(['age,risk', '0,low', '1,high'])
    expect(decrypted).not.toContain('1000')
    expect(new TextEncoder().encode(decrypted).byteLength).toBe(await keptColumnsBytes(plaintext, ['age', 'risk'], 'people.csv'))
    expect(ciphertext.size).toBe(ciphertextLength(new TextEncoder().encode(decrypted).byteLength, extensionChunkSize))
    expect(progress.at(-1)).toBe(plaintext.size)
  })

  test('behavior: chunks of extensionChunkSize (recorded in the header), as long as ciphertextLength says with it, not the SDK default', async () => {
    const bytes = 2 * extensionChunkSize + 5
    const plaintext = new Blob([Uint8Array.from({ length: bytes }, (_, index) => index % 253)])
    const ciphertext = new Uint8Array(await new Response(encryptToStream({ plaintext, key: generateDataKey() })).arrayBuffer())
    expect(new DataView(ciphertext.buffer).getUint32(6)).toBe(extensionChunkSize)
    expect(extensionChunkSize).toBe(512 * 1024)
    expect(ciphertext.byteLength).toBe(ciphertextLength(bytes, extensionChunkSize))
    expect(ciphertext.byteLength).not.toBe(ciphertextLength(bytes))
  })

  test('error: another key does not open it', async () => {
    const ciphertext = await new Response(encryptToStream({ plaintext: new Blob(['age,risk\n61,high\n']), key: generateDataKey() })).blob()
    await expect(new Response(ciphertext.stream().pipeThrough(createDecryptStream(generateDataKey()))).arrayBuffer()).rejects.toMatchObject({ code: expect.stringMatching(/^ENVELOPE_/) })
  })
})
