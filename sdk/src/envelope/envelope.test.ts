import { describe, expect, test } from 'vitest'
import {
  ciphertextLength,
  createDecryptStream,
  createEncryptStream,
  dataKeyLength,
  decryptBytes,
  defaultChunkSize,
  encryptBytes,
  envelopeHeaderLength,
  generateDataKey,
  maxChunkSize,
  minChunkSize,
  type EnvelopeCrypto,
  plaintextLength,
  webCryptoEnvelopeCrypto,
} from './index.ts'

const chunkSize = 64
const key = generateDataKey()

/** Deterministic bytes that differ at every position, so a misplaced byte is visible. */
function bytesOf(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length)
  let x = seed * 2654435761
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** Feeds `input` to `transform` in pieces of the given sizes (cycled) and joins the output. */
async function through(transform: TransformStream<Uint8Array, Uint8Array>, input: Uint8Array, pieceSizes: number[]) {
  let offset = 0
  let turn = 0
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= input.length) return controller.close()
      const size = pieceSizes[turn++ % pieceSizes.length]!
      controller.enqueue(input.slice(offset, offset + size))
      offset += size
    },
  })
  const pieces: Uint8Array[] = []
  const reader = source.pipeThrough(transform).getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read()) pieces.push(read.value)
  return concat(...pieces)
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Splits an envelope into its header and whole frames (frame word + ciphertext + tag). */
function split(envelope: Uint8Array): { header: Uint8Array; frames: Uint8Array[] } {
  const header = envelope.slice(0, envelopeHeaderLength)
  const frames: Uint8Array[] = []
  let offset = envelopeHeaderLength
  while (offset < envelope.length) {
    const word = new DataView(envelope.buffer, envelope.byteOffset + offset).getUint32(0)
    const length = 4 + (word & 0x7fffffff) + 16
    frames.push(envelope.slice(offset, offset + length))
    offset += length
  }
  return { header, frames }
}

/** Byte equality; vitest's deep equality is slow on megabytes, so large arrays compare as Buffers. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array) {
  expect(actual.length).toBe(expected.length)
  if (expected.length <= 4096) expect(actual).toEqual(expected)
  else expect(Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)).toBe(true)
}

function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = bytes.slice()
  out[index]! ^= 1 << bit
  return out
}

type Failure = { name: string; code: string; status: number; chunkIndex?: number; foundIndex?: number; message: string }

async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise
  } catch (error) {
    return error as Failure
  }
  throw new Error('expected a failure')
}

const sevenChunks = bytesOf(chunkSize * 6 + 10) // chunks 0..5 full, chunk 6 final with 10 bytes
const sevenChunkEnvelope = await encryptBytes(key, sevenChunks, { chunkSize })

describe('encryptBytes / decryptBytes', () => {
  test('default: round trip with the default chunk size', async () => {
    const plaintext = new TextEncoder().encode('my heart rate, every minute of 2025')
    const envelope = await encryptBytes(key, plaintext)
    expect(envelope.length).toBe(ciphertextLength(plaintext.length))
    expectSameBytes(await decryptBytes(key, envelope), plaintext)
  })

  test('default: header layout (magic, version, algorithm, chunk size, nonce prefix, commitment)', async () => {
    const envelope = await encryptBytes(key, bytesOf(10), { chunkSize: 4096 })
    expect([...envelope.subarray(0, 4)]).toEqual([0x44, 0x56, 0x45, 0x4e])
    expect(envelope[4]).toBe(1)
    expect(envelope[5]).toBe(1)
    expect(new DataView(envelope.buffer).getUint32(6)).toBe(4096)
    expect(envelopeHeaderLength).toBe(49)
    // one final frame: word = final flag | 10 bytes
    expect(new DataView(envelope.buffer).getUint32(49)).toBe(0x8000_0000 + 10)
    expect(envelope.length).toBe(49 + 4 + 10 + 16)
  })

  test('behavior: every encryption draws a fresh nonce prefix, so equal inputs give different envelopes', async () => {
    const a = await encryptBytes(key, bytesOf(100), { chunkSize })
    const b = await encryptBytes(key, bytesOf(100), { chunkSize })
    expect(a.subarray(10, 17)).not.toEqual(b.subarray(10, 17))
    expect(a.subarray(17, 49)).not.toEqual(b.subarray(17, 49)) // commitment is salted by the prefix
    expect(await decryptBytes(key, a)).toEqual(await decryptBytes(key, b))
  })

  test.each([0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 2 * chunkSize, 5 * chunkSize + 17, 100 * chunkSize + 63])(
    'behavior: round trip of %i bytes with 64-byte chunks',
    async (length) => {
      const plaintext = bytesOf(length, length)
      const envelope = await encryptBytes(key, plaintext, { chunkSize })
      expect(envelope.length).toBe(ciphertextLength(length, chunkSize))
      expect(split(envelope).frames.length).toBe(Math.floor(length / chunkSize) + 1)
      expectSameBytes(await decryptBytes(key, envelope), plaintext)
    },
  )

  test.each([0, 1, defaultChunkSize - 1, defaultChunkSize, defaultChunkSize + 1, 3 * defaultChunkSize + 5])(
    'behavior: round trip of %i bytes with the default chunk size',
    async (length) => {
      const plaintext = bytesOf(length, 7)
      const envelope = await encryptBytes(key, plaintext)
      expect(envelope.length).toBe(ciphertextLength(length))
      expectSameBytes(await decryptBytes(key, envelope), plaintext)
    },
  )

  test('behavior: an empty plaintext is one empty final chunk', async () => {
    const envelope = await encryptBytes(key, new Uint8Array(), { chunkSize })
    expect(envelope.length).toBe(49 + 4 + 16)
    expect(new DataView(envelope.buffer).getUint32(49)).toBe(0x8000_0000)
    expect(await decryptBytes(key, envelope)).toEqual(new Uint8Array())
  })

  test('behavior: a plaintext of whole chunks ends with an empty final chunk', async () => {
    const { frames } = split(await encryptBytes(key, bytesOf(3 * chunkSize), { chunkSize }))
    expect(frames.map((f) => new DataView(f.buffer).getUint32(0))).toEqual([64, 64, 64, 0x8000_0000])
  })

  test('behavior: chunk sizes at the limits round trip', async () => {
    for (const size of [minChunkSize, 1000, maxChunkSize]) {
      const plaintext = bytesOf(size * 2 + 3)
      expectSameBytes(await decryptBytes(key, await encryptBytes(key, plaintext, { chunkSize: size })), plaintext)
    }
  })

  test('behavior: the key is copied, so zeroing the caller key afterwards does not matter', async () => {
    const ownKey = generateDataKey()
    const copy = ownKey.slice()
    const stream = createEncryptStream(ownKey, { chunkSize })
    ownKey.fill(0)
    const envelope = await through(stream, bytesOf(200), [200])
    expect(await decryptBytes(copy, envelope)).toEqual(bytesOf(200))
  })
})

// An independent reading of FORMAT.md with WebCrypto directly, to hold the code to the document.
const subtle = globalThis.crypto.subtle
const ascii = (text: string) => new TextEncoder().encode(text)

async function formatKeys(dataKey: Uint8Array, prefix: Uint8Array) {
  const ikm = await subtle.importKey('raw', dataKey as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveBits'])
  const derive = async (info: string) =>
    new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: prefix as Uint8Array<ArrayBuffer>, info: ascii(info) }, ikm, 256))
  const chunkKey = await subtle.importKey('raw', await derive('datavault envelope v1 aes-256-gcm chunk key'), 'AES-GCM', false, ['encrypt', 'decrypt'])
  return { chunkKey, commitment: await derive('datavault envelope v1 key commitment') }
}

function formatNonce(prefix: Uint8Array, counter: number, final: boolean) {
  const nonce = new Uint8Array(12)
  nonce.set(prefix)
  new DataView(nonce.buffer).setUint32(7, counter)
  nonce[11] = final ? 1 : 0
  return nonce
}

describe('FORMAT.md', () => {
  test('default: an envelope built by hand from FORMAT.md decrypts', async () => {
    const C = 16
    const plaintext = bytesOf(2 * C + 8)
    const prefix = new Uint8Array([1, 2, 3, 4, 5, 6, 7])
    const { chunkKey, commitment } = await formatKeys(key, prefix)
    const header = concat(ascii('DVEN'), new Uint8Array([1, 1, 0, 0, 0, C]), prefix, commitment) as Uint8Array<ArrayBuffer>
    const frames: Uint8Array[] = []
    for (let i = 0; i * C <= plaintext.length; i++) {
      const chunk = plaintext.slice(i * C, (i + 1) * C)
      const final = chunk.length < C
      const word = new Uint8Array(4)
      new DataView(word.buffer).setUint32(0, (final ? 0x8000_0000 : 0) + chunk.length)
      const sealed = await subtle.encrypt({ name: 'AES-GCM', iv: formatNonce(prefix, i, final), additionalData: header }, chunkKey, chunk)
      frames.push(word, new Uint8Array(sealed))
    }
    const envelope = concat(header, ...frames)
    expect(envelope.length).toBe(ciphertextLength(plaintext.length, C))
    expect(await decryptBytes(key, envelope)).toEqual(plaintext)
  })

  test('default: an envelope from encryptBytes reads by hand as FORMAT.md says', async () => {
    const plaintext = bytesOf(3 * chunkSize) // whole chunks: ends with an empty final chunk
    const envelope = await encryptBytes(key, plaintext, { chunkSize })
    const header = envelope.subarray(0, 49)
    const prefix = header.subarray(10, 17)
    const { chunkKey, commitment } = await formatKeys(key, prefix)
    expect(header.subarray(17, 49)).toEqual(commitment)
    const out: Uint8Array[] = []
    let offset = 49
    for (let i = 0; offset < envelope.length; i++) {
      const word = new DataView(envelope.buffer, offset).getUint32(0)
      const final = word >>> 31 === 1
      const length = word & 0x7fffffff
      const body = envelope.slice(offset + 4, offset + 4 + length + 16)
      out.push(new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: formatNonce(prefix, i, final), additionalData: header.slice() }, chunkKey, body)))
      offset += 4 + length + 16
      expect(final).toBe(offset === envelope.length)
    }
    expect(out.map((chunk) => chunk.length)).toEqual([64, 64, 64, 0])
    expect(concat(...out)).toEqual(plaintext)
  })
})

describe('createEncryptStream / createDecryptStream', () => {
  test.each([
    ['1-byte pieces', [1]],
    ['3 and 7', [3, 7]],
    ['just under a chunk', [chunkSize - 1]],
    ['just over a chunk', [chunkSize + 1]],
    ['a frame and a bit', [chunkSize + 20 + 1, 5]],
    ['large pieces', [1000]],
    ['mixed', [1, 200, 2, 63, 64, 65, 129, 4]],
  ])('behavior: round trip with input split into %s', async (_, pieces) => {
    for (const length of [0, 1, chunkSize, 10 * chunkSize + 33]) {
      const plaintext = bytesOf(length, 3)
      const envelope = await through(createEncryptStream(key, { chunkSize }), plaintext, pieces)
      expect(envelope.length).toBe(ciphertextLength(length, chunkSize))
      expectSameBytes(await through(createDecryptStream(key), envelope, pieces), plaintext)
      expectSameBytes(await decryptBytes(key, envelope), plaintext)
    }
  })

  test('behavior: a writer may reuse its buffer once write() resolved', async () => {
    const plaintext = bytesOf(20 * chunkSize + 9, 4)
    for (const pieceSize of [chunkSize, 7, 3 * chunkSize + 5]) {
      const transform = createEncryptStream(key, { chunkSize })
      const collected = (async () => {
        const pieces: Uint8Array[] = []
        const reader = transform.readable.getReader()
        for (let read = await reader.read(); !read.done; read = await reader.read()) pieces.push(read.value)
        return concat(...pieces)
      })()
      const writer = transform.writable.getWriter()
      const buffer = new Uint8Array(pieceSize)
      for (let offset = 0; offset < plaintext.length; offset += pieceSize) {
        const piece = plaintext.subarray(offset, offset + pieceSize)
        buffer.set(piece)
        await writer.write(buffer.subarray(0, piece.length))
        buffer.fill(0xee) // as the next read into this buffer would
      }
      await writer.close()
      expectSameBytes(await decryptBytes(key, await collected), plaintext)
    }
  })

  test('behavior: random split points on both sides', async () => {
    const plaintext = bytesOf(50_000, 9)
    for (let round = 0; round < 10; round++) {
      const sizes = Array.from({ length: 17 }, () => 1 + Math.floor(Math.random() * 3000))
      const envelope = await through(createEncryptStream(key, { chunkSize: 1000 }), plaintext, sizes)
      expectSameBytes(await through(createDecryptStream(key), envelope, sizes.toReversed()), plaintext)
    }
  })

  test.each([
    ['the default', undefined, 4],
    ['the crypto asks for 7', 7, 7],
    ['the crypto asks for 0 (ignored)', 0, 4],
  ] as const)('args: chunksInFlight: %s', async (_, asked, expected) => {
    // Seals and opens answer only after a macrotask, so the streams run as far ahead as they may.
    let pending = 0
    let most = 0
    const later = <T>(work: () => T | Promise<T>) => {
      most = Math.max(most, ++pending)
      return new Promise<T>((resolve) => setTimeout(resolve, 1)).then(async () => {
        pending--
        return await work()
      })
    }
    const counting: EnvelopeCrypto = {
      chunksInFlight: asked,
      hkdf: webCryptoEnvelopeCrypto.hkdf,
      async hkdfChunkCipher(ikm, salt, info) {
        const inner = await webCryptoEnvelopeCrypto.hkdfChunkCipher(ikm, salt, info)
        return {
          seal: (nonce, aad, plaintext) => {
            const copy = plaintext.slice()
            return later(() => inner.seal(nonce, aad, copy))
          },
          open: (nonce, aad, sealed) => later(() => inner.open(nonce, aad, sealed)),
        }
      },
    }
    const plaintext = bytesOf(20 * chunkSize, 5)
    const envelope = await through(createEncryptStream(key, { chunkSize, crypto: counting }), plaintext, [chunkSize])
    expect(most).toBe(expected + 1) // the stream awaits the oldest once more than its depth were handed out
    most = 0
    expectSameBytes(await through(createDecryptStream(key, { crypto: counting }), envelope, [envelope.length]), plaintext)
    expect(most).toBe(expected + 1)
  })

  test('error: a piece that is not a Uint8Array', async () => {
    for (const transform of [createEncryptStream(key), createDecryptStream(key)]) {
      const source = new ReadableStream<unknown>({
        start(controller) {
          controller.enqueue('text')
          controller.close()
        },
      }) as ReadableStream<Uint8Array>
      const error = await failure(source.pipeThrough(transform).pipeTo(new WritableStream()))
      expect([error.name, error.code]).toEqual(['EnvelopeArgumentError', 'ENVELOPE_INVALID_ARGUMENT'])
    }
  })
})

describe('ciphertextLength / plaintextLength', () => {
  test('default: sizes', () => {
    expect(ciphertextLength(0, 64)).toBe(49 + 20)
    expect(ciphertextLength(63, 64)).toBe(49 + 63 + 20)
    expect(ciphertextLength(64, 64)).toBe(49 + 64 + 40)
    expect(ciphertextLength(2 ** 31, 2 ** 20)).toBe(49 + 2 ** 31 + (2 ** 11 + 1) * 20)
    expect(ciphertextLength(0)).toBe(ciphertextLength(0, defaultChunkSize))
  })

  test('behavior: plaintextLength inverts ciphertextLength and rejects impossible sizes', () => {
    for (let n = 0; n < 300; n++) expect(plaintextLength(ciphertextLength(n, 64), 64)).toBe(n)
    expect(plaintextLength(48, 64)).toBeUndefined()
    expect(plaintextLength(49 + 19, 64)).toBeUndefined()
    // a full frame with no final frame after it is not an envelope's size
    expect(plaintextLength(49 + 84 + 10, 64)).toBeUndefined()
  })

  test('args: invalid lengths and chunk sizes', () => {
    expect(() => ciphertextLength(-1, 64)).toThrow(expect.objectContaining({ code: 'ENVELOPE_INVALID_ARGUMENT' }))
    expect(() => ciphertextLength(1.5, 64)).toThrow(expect.objectContaining({ code: 'ENVELOPE_INVALID_ARGUMENT' }))
    expect(() => ciphertextLength(1, 8)).toThrow(expect.objectContaining({ code: 'ENVELOPE_INVALID_ARGUMENT' }))
  })
})

describe('arguments', () => {
  test('args: generateDataKey gives 32 fresh random bytes', () => {
    const a = generateDataKey()
    expect(a.length).toBe(dataKeyLength)
    expect(a).not.toEqual(generateDataKey())
  })

  test.each([0, 15, maxChunkSize + 1, 100.5, Number.NaN])('error: chunk size %d', async (size) => {
    const error = await failure(encryptBytes(key, bytesOf(1), { chunkSize: size }))
    expect([error.name, error.code, error.status]).toEqual(['EnvelopeArgumentError', 'ENVELOPE_INVALID_ARGUMENT', 400])
    expect(() => createEncryptStream(key, { chunkSize: size })).toThrow(expect.objectContaining({ name: 'EnvelopeArgumentError' }))
  })

  test.each([0, 16, 31, 33, 64])('error: a %i-byte key', async (length) => {
    const error = await failure(encryptBytes(new Uint8Array(length), bytesOf(1)))
    expect([error.name, error.code]).toEqual(['EnvelopeArgumentError', 'ENVELOPE_INVALID_ARGUMENT'])
    expect(() => createDecryptStream(new Uint8Array(length))).toThrow(expect.objectContaining({ name: 'EnvelopeArgumentError' }))
  })
})

describe('decrypting a manipulated envelope', () => {
  const { header, frames } = split(sevenChunkEnvelope)

  test('default: the fixture decrypts and has seven chunks', async () => {
    expect(frames.length).toBe(7)
    expect(await decryptBytes(key, sevenChunkEnvelope)).toEqual(sevenChunks)
  })

  test('error: wrong key, found from the header alone', async () => {
    const error = await failure(decryptBytes(generateDataKey(), sevenChunkEnvelope))
    expect(error).toMatchObject({ name: 'EnvelopeWrongKeyError', code: 'ENVELOPE_WRONG_KEY', status: 422 })
    // The header is enough: no chunk needs to be present to tell a wrong key.
    expect(await failure(decryptBytes(generateDataKey(), header))).toMatchObject({ name: 'EnvelopeWrongKeyError' })
  })

  test('error: not an envelope', async () => {
    for (const input of [new TextEncoder().encode('{"hello":"world"} and more text to fill a header...'), bytesOf(500)]) {
      const error = await failure(decryptBytes(key, input))
      expect(error).toMatchObject({ name: 'EnvelopeHeaderError', code: 'ENVELOPE_HEADER_INVALID', status: 400 })
      expect(error.message).toMatch(/magic/)
    }
  })

  test('error: empty input and a truncated header', async () => {
    for (const length of [0, 3, 6, 48]) {
      const error = await failure(decryptBytes(key, sevenChunkEnvelope.slice(0, length)))
      expect(error).toMatchObject({ name: 'EnvelopeHeaderError', code: 'ENVELOPE_HEADER_INVALID' })
      expect(error.message).toMatch(/truncated/)
    }
  })

  test('error: flipped bit in the magic', async () => {
    expect(await failure(decryptBytes(key, flipBit(sevenChunkEnvelope, 2)))).toMatchObject({ name: 'EnvelopeHeaderError' })
  })

  test('error: unsupported version or algorithm', async () => {
    const version = await failure(decryptBytes(key, flipBit(sevenChunkEnvelope, 4, 1)))
    expect(version).toMatchObject({ name: 'EnvelopeVersionError', code: 'ENVELOPE_VERSION_UNSUPPORTED', status: 422, version: 3 })
    const algorithm = await failure(decryptBytes(key, flipBit(sevenChunkEnvelope, 5, 2)))
    expect(algorithm).toMatchObject({ name: 'EnvelopeVersionError', algorithm: 5 })
  })

  test('error: chunk size out of range in the header', async () => {
    const error = await failure(decryptBytes(key, flipBit(sevenChunkEnvelope, 6, 7)))
    expect(error).toMatchObject({ name: 'EnvelopeHeaderError' })
    expect(error.message).toMatch(/chunk size/)
  })

  test('error: chunk size altered within range fails chunk 0', async () => {
    const error = await failure(decryptBytes(key, flipBit(sevenChunkEnvelope, 9, 5))) // 64 -> 96
    expect(error).toMatchObject({ name: 'EnvelopeTamperedError', code: 'ENVELOPE_TAMPERED', chunkIndex: 0 })
  })

  test('error: altered nonce prefix or commitment reads as a wrong key', async () => {
    expect(await failure(decryptBytes(key, flipBit(sevenChunkEnvelope, 12)))).toMatchObject({ name: 'EnvelopeWrongKeyError' })
    expect(await failure(decryptBytes(key, flipBit(sevenChunkEnvelope, 40, 3)))).toMatchObject({ name: 'EnvelopeWrongKeyError' })
  })

  test.each([0, 3, 6])('error: flipped bit in the ciphertext of chunk %i', async (index) => {
    const altered = frames.slice()
    altered[index] = flipBit(frames[index]!, 4 + 5)
    const error = await failure(decryptBytes(key, concat(header, ...altered)))
    expect(error).toMatchObject({ name: 'EnvelopeTamperedError', code: 'ENVELOPE_TAMPERED', status: 422, chunkIndex: index })
    expect(error.message).toContain(`chunk ${index}`)
  })

  test.each([1, 6])('error: flipped bit in the tag of chunk %i', async (index) => {
    const altered = frames.slice()
    altered[index] = flipBit(frames[index]!, frames[index]!.length - 1, 6)
    expect(await failure(decryptBytes(key, concat(header, ...altered)))).toMatchObject({
      name: 'EnvelopeTamperedError',
      chunkIndex: index,
    })
  })

  test('error: final flag set on a full chunk, or cleared on the final chunk', async () => {
    const setFinal = frames.slice()
    setFinal[2] = flipBit(frames[2]!, 0, 7)
    expect(await failure(decryptBytes(key, concat(header, ...setFinal)))).toMatchObject({
      name: 'EnvelopeTamperedError',
      chunkIndex: 2,
    })
    const clearFinal = frames.slice()
    clearFinal[6] = flipBit(frames[6]!, 0, 7)
    expect(await failure(decryptBytes(key, concat(header, ...clearFinal)))).toMatchObject({
      name: 'EnvelopeTamperedError',
      chunkIndex: 6,
    })
  })

  test('error: frame length altered', async () => {
    const longer = frames.slice()
    longer[6] = frames[6]!.slice()
    new DataView(longer[6]!.buffer).setUint32(0, 0x8000_0000 + 20) // claims 20 bytes, has 10
    const error = await failure(decryptBytes(key, concat(header, ...longer)))
    expect(error).toMatchObject({ name: 'EnvelopeTamperedError', chunkIndex: 6 })
    expect(error.message).toMatch(/authentic final chunk/)

    const shorter = frames.slice()
    shorter[6] = frames[6]!.slice()
    new DataView(shorter[6]!.buffer).setUint32(0, 0x8000_0000 + 5)
    expect(await failure(decryptBytes(key, concat(header, ...shorter)))).toMatchObject({
      name: 'EnvelopeTamperedError',
      chunkIndex: 6,
    })

    const notChunkSize = frames.slice()
    notChunkSize[1] = flipBit(frames[1]!, 3, 0) // non-final chunk claims 65 bytes
    const error2 = await failure(decryptBytes(key, concat(header, ...notChunkSize)))
    expect(error2).toMatchObject({ name: 'EnvelopeTamperedError', chunkIndex: 1 })
    expect(error2.message).toMatch(/65 bytes/)
  })

  test('error: last chunk dropped', async () => {
    const error = await failure(decryptBytes(key, concat(header, ...frames.slice(0, 6))))
    expect(error).toMatchObject({ name: 'EnvelopeTruncatedError', code: 'ENVELOPE_TRUNCATED', status: 400, chunkIndex: 6 })
    expect(error.message).toMatch(/after chunk 5/)
    expect(await failure(decryptBytes(key, concat(header, ...frames.slice(0, 2))))).toMatchObject({
      name: 'EnvelopeTruncatedError',
      chunkIndex: 2,
    })
  })

  test('error: header with no chunks', async () => {
    const error = await failure(decryptBytes(key, header))
    expect(error).toMatchObject({ name: 'EnvelopeTruncatedError', chunkIndex: 0 })
    expect(error.message).toMatch(/before any chunk/)
  })

  test('error: cut inside a chunk, a tag or a frame word', async () => {
    const frameStart = (i: number) => 49 + i * (4 + chunkSize + 16)
    for (const [cut, chunkIndex] of [
      [frameStart(3) + 30, 3], // inside the ciphertext of chunk 3
      [frameStart(4) - 5, 3], // inside the tag of chunk 3
      [frameStart(6) + 2, 6], // inside the frame word of the final chunk
      [frameStart(6) + 4 + 5, 6], // inside the final chunk
      [sevenChunkEnvelope.length - 1, 6], // one byte short
      [49 + 1, 0],
    ] as const) {
      const error = await failure(decryptBytes(key, sevenChunkEnvelope.slice(0, cut)))
      expect(error, `cut at ${cut}`).toMatchObject({ name: 'EnvelopeTruncatedError', chunkIndex })
      expect(error.message).toMatch(/ended inside/)
    }
  })

  test('error: two chunks swapped', async () => {
    const swapped = [frames[0]!, frames[3]!, frames[2]!, frames[1]!, ...frames.slice(4)]
    const error = await failure(decryptBytes(key, concat(header, ...swapped)))
    expect(error).toMatchObject({ name: 'EnvelopeReorderedError', code: 'ENVELOPE_REORDERED', status: 422, chunkIndex: 1, foundIndex: 3 })
    expect(error.message).toMatch(/position 1 holds chunk 3/)
  })

  test('error: a chunk replayed, and the final chunk moved forward', async () => {
    const replayed = [frames[0]!, frames[0]!, ...frames.slice(2)]
    expect(await failure(decryptBytes(key, concat(header, ...replayed)))).toMatchObject({
      name: 'EnvelopeReorderedError',
      chunkIndex: 1,
      foundIndex: 0,
    })
    const finalFirst = [frames[6]!, ...frames.slice(0, 6)]
    expect(await failure(decryptBytes(key, concat(header, ...finalFirst)))).toMatchObject({
      name: 'EnvelopeReorderedError',
      chunkIndex: 0,
      foundIndex: 6,
    })
  })

  test('behavior: a chunk from beyond the search window reads as tampered (the search is bounded)', async () => {
    const long = await encryptBytes(key, bytesOf(30 * chunkSize), { chunkSize })
    const { header: h, frames: f } = split(long)
    const swapped = [f[20]!, ...f.slice(1, 20), f[0]!, ...f.slice(21)]
    expect(await failure(decryptBytes(key, concat(h, ...swapped)))).toMatchObject({ name: 'EnvelopeTamperedError', chunkIndex: 0 })
    const near = [f[8]!, ...f.slice(1, 8), f[0]!, ...f.slice(9)]
    expect(await failure(decryptBytes(key, concat(h, ...near)))).toMatchObject({
      name: 'EnvelopeReorderedError',
      chunkIndex: 0,
      foundIndex: 8,
    })
  })

  test('error: a chunk spliced in from another envelope under the same key', async () => {
    const other = split(await encryptBytes(key, bytesOf(sevenChunks.length, 2), { chunkSize }))
    const spliced = frames.slice()
    spliced[2] = other.frames[2]!
    expect(await failure(decryptBytes(key, concat(header, ...spliced)))).toMatchObject({
      name: 'EnvelopeTamperedError',
      chunkIndex: 2,
    })
  })

  test('error: bytes appended after the final chunk', async () => {
    for (const extra of [new Uint8Array([0]), bytesOf(100), await encryptBytes(key, bytesOf(5), { chunkSize })]) {
      const error = await failure(decryptBytes(key, concat(sevenChunkEnvelope, extra)))
      expect(error).toMatchObject({ name: 'EnvelopeTrailingDataError', code: 'ENVELOPE_TRAILING_DATA', status: 400, chunkIndex: 6 })
    }
  })

  test('error: appended bytes after a tampered final chunk report the tampering', async () => {
    const altered = frames.slice()
    altered[6] = flipBit(frames[6]!, 10)
    expect(await failure(decryptBytes(key, concat(header, ...altered, new Uint8Array([1, 2, 3]))))).toMatchObject({
      name: 'EnvelopeTamperedError',
      chunkIndex: 6,
    })
  })

  test('behavior: errors also surface through the stream, after the good chunks', async () => {
    const altered = frames.slice()
    altered[4] = flipBit(frames[4]!, 30)
    const reader = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(concat(header, ...altered))
        controller.close()
      },
    })
      .pipeThrough(createDecryptStream(key))
      .getReader()
    const good: Uint8Array[] = []
    const error = await failure(
      (async () => {
        for (let read = await reader.read(); !read.done; read = await reader.read()) good.push(read.value)
      })(),
    )
    expect(error).toMatchObject({ name: 'EnvelopeTamperedError', chunkIndex: 4 })
    expect(concat(...good)).toEqual(sevenChunks.subarray(0, 4 * chunkSize))
  })

  test('behavior: error JSON names the problem without secrets', async () => {
    const error = (await failure(decryptBytes(key, concat(header, frames[1]!)))) as unknown as { toJSON(): unknown; expose: boolean }
    expect(error.expose).toBe(true)
    expect(error.toJSON()).toEqual({
      name: 'EnvelopeReorderedError',
      code: 'ENVELOPE_REORDERED',
      message: 'Envelope chunks are out of order: position 0 holds chunk 1.',
    })
  })
})
