import { describe, expect, test } from 'vitest'
import {
  ciphertextLength,
  createDecryptStream,
  createEncryptStream,
  decryptBytes,
  encryptBytes,
  generateDataKey,
  webCryptoEnvelopeCrypto,
} from '../envelope/index.ts'
import { createSecretKey } from 'node:crypto'
import { nodeEnvelopeCrypto, nodeOpen, nodeSeal } from './nodeEnvelopeCrypto.ts'

const key = generateDataKey()
const chunkSize = 64
const backends = [
  ['webcrypto', webCryptoEnvelopeCrypto],
  ['node:crypto', nodeEnvelopeCrypto],
] as const

function bytesOf(length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 131 + (i >> 8)) & 0xff
  return out
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    return error as { name: string; chunkIndex?: number; foundIndex?: number }
  }
  throw new Error('expected a failure')
}

describe('nodeEnvelopeCrypto', () => {
  test('default: HKDF-SHA256 matches WebCrypto (and RFC 5869 test case 1)', async () => {
    const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (b) => Number.parseInt(b, 16))
    const ikm = hex('0b'.repeat(22))
    const salt = hex('000102030405060708090a0b0c')
    const info = hex('f0f1f2f3f4f5f6f7f8f9')
    const okm = hex('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865')
    expect(nodeEnvelopeCrypto.hkdf(ikm, salt, info, 42)).toEqual(okm)
    expect(await webCryptoEnvelopeCrypto.hkdf(ikm, salt, info, 42)).toEqual(okm)
  })

  test.each([0, 1, 63, 64, 65, 640, 1000])('behavior: %i bytes sealed by one backend open with the other', async (length) => {
    const plaintext = bytesOf(length)
    for (const [, sealWith] of backends)
      for (const [, openWith] of backends) {
        const envelope = await encryptBytes(key, plaintext, { chunkSize, crypto: sealWith })
        expect(envelope.length).toBe(ciphertextLength(length, chunkSize))
        expect(await decryptBytes(key, envelope, { crypto: openWith })).toEqual(plaintext)
      }
  })

  test('behavior: streams with the default chunk size and odd pieces', async () => {
    const plaintext = bytesOf(3 * 1024 * 1024 + 5)
    let offset = 0
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= plaintext.length) return controller.close()
        controller.enqueue(plaintext.subarray(offset, offset + 100_003))
        offset += 100_003
      },
    })
    const out = await new Response(
      source
        .pipeThrough(createEncryptStream(key, { crypto: nodeEnvelopeCrypto }))
        .pipeThrough(createDecryptStream(key, { crypto: nodeEnvelopeCrypto })) as ReadableStream<Uint8Array<ArrayBuffer>>,
    ).bytes()
    expect(Buffer.from(out).equals(plaintext)).toBe(true)
  })

  test.each(backends)('error: %s reports each manipulation as the same error', async (_, crypto) => {
    const envelope = await encryptBytes(key, bytesOf(6 * chunkSize + 10), { chunkSize, crypto: webCryptoEnvelopeCrypto })
    const frame = (i: number) => 49 + i * (chunkSize + 20)
    const flipped = envelope.slice()
    flipped[frame(2) + 10]! ^= 1
    const swapped = new Uint8Array([...envelope.subarray(0, frame(1)), ...envelope.subarray(frame(2), frame(3)), ...envelope.subarray(frame(1), frame(2)), ...envelope.subarray(frame(3))])
    const open = (bytes: Uint8Array, k = key) => decryptBytes(k, bytes, { crypto })
    expect(await failure(open(envelope, generateDataKey()))).toMatchObject({ name: 'EnvelopeWrongKeyError' })
    expect(await failure(open(flipped))).toMatchObject({ name: 'EnvelopeTamperedError', chunkIndex: 2 })
    expect(await failure(open(swapped))).toMatchObject({ name: 'EnvelopeReorderedError', chunkIndex: 1, foundIndex: 2 })
    expect(await failure(open(envelope.subarray(0, frame(6))))).toMatchObject({ name: 'EnvelopeTruncatedError', chunkIndex: 6 })
    expect(await failure(open(envelope.subarray(0, frame(3) + 7)))).toMatchObject({ name: 'EnvelopeTruncatedError', chunkIndex: 3 })
    expect(await failure(open(new Uint8Array([...envelope, 0])))).toMatchObject({ name: 'EnvelopeTrailingDataError', chunkIndex: 6 })
  })

  test.each([0, 1, 16 * 1024, 40_000])('behavior: seal (%i bytes) gives the ciphertext as a whole buffer a worker transfers as it is, and open reverses it', (length) => {
    const secret = createSecretKey(bytesOf(32))
    const nonce = bytesOf(12)
    const aad = bytesOf(49)
    const plaintext = bytesOf(length)
    const parts = nodeSeal(secret, nonce, aad, plaintext)
    expect(parts[0]!.byteOffset === 0 && parts[0]!.byteLength === parts[0]!.buffer.byteLength).toBe(true)
    const sealed = Buffer.concat(parts)
    expect(sealed.length).toBe(length + 16)
    const opened = nodeOpen(secret, nonce, aad, sealed)
    expect(opened.equals(plaintext)).toBe(true)
    expect(opened.byteOffset === 0 && opened.byteLength === opened.buffer.byteLength).toBe(true)
  })

  test('error: open fails on a flipped bit, a wrong AAD and a short input', () => {
    const secret = createSecretKey(bytesOf(32))
    const nonce = bytesOf(12)
    const aad = bytesOf(49)
    const sealed = Buffer.concat(nodeSeal(secret, nonce, aad, bytesOf(40_000)))
    const flipped = Buffer.from(sealed)
    flipped[20_000]! ^= 1
    expect(() => nodeOpen(secret, nonce, aad, flipped)).toThrow()
    expect(() => nodeOpen(secret, nonce, bytesOf(48), sealed)).toThrow()
    expect(() => nodeOpen(secret, nonce, aad, sealed.subarray(0, 15))).toThrow()
  })
})
