import { createDecryptStream, generateDataKey } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { encryptToBlob } from './encrypt.ts'

describe('encryptToBlob', () => {
  test("default: the SDK's envelope, which the SDK decrypts back to the plaintext", async () => {
    const plaintext = new Blob([Uint8Array.from({ length: 3 * 1024 ** 2 + 123 }, (_, index) => (index * 7919) % 251)])
    const key = generateDataKey()
    const progress: number[] = []
    const ciphertext = await encryptToBlob({ plaintext, key, onProgress: (bytes) => progress.push(bytes) })
    expect(new TextDecoder().decode(new Uint8Array(await ciphertext.slice(0, 4).arrayBuffer()))).toBe('DVEN')
    const decrypted = new Uint8Array(await new Response(ciphertext.stream().pipeThrough(createDecryptStream(key))).arrayBuffer())
    expect(decrypted).toEqual(new Uint8Array(await plaintext.arrayBuffer()))
    expect(progress.at(-1)).toBe(plaintext.size)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
  })

  test('error: another key does not open it', async () => {
    const ciphertext = await encryptToBlob({ plaintext: new Blob(['age,risk\n61,high\n']), key: generateDataKey() })
    await expect(new Response(ciphertext.stream().pipeThrough(createDecryptStream(generateDataKey()))).arrayBuffer()).rejects.toMatchObject({ code: expect.stringMatching(/^ENVELOPE_/) })
  })
})
