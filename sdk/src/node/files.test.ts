import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ciphertextLength, decryptBytes, defaultChunkSize, generateDataKey } from '../envelope/index.ts'
import { decryptFile, encryptFile, nodeEnvelopeCrypto } from './index.ts'
import type { EnvelopeCrypto } from '../envelope/index.ts'

let dir: string
const key = generateDataKey()

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datavault-files-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, i + 65536))
  return out
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

async function failure(promise: Promise<unknown>): Promise<{ name: string; code?: string }> {
  try {
    await promise
  } catch (error) {
    return error as { name: string; code?: string }
  }
  throw new Error('expected a failure')
}

/** Files in `directory` other than the given ones: an output or a temporary left behind would show here. */
async function leftovers(directory: string, ...expected: string[]) {
  return (await readdir(directory)).filter((name) => !expected.includes(name))
}

describe('encryptFile / decryptFile', () => {
  test('default: round trip of a multi-chunk file, with progress', async () => {
    const plaintext = randomBytes(3 * defaultChunkSize + 12_345)
    await writeFile(join(dir, 'data.bin'), plaintext)
    const encryptProgress: number[] = []
    const encrypted = await encryptFile(join(dir, 'data.bin'), join(dir, 'data.dve'), key, {
      onProgress: ({ bytesDone, bytesTotal }) => {
        expect(bytesTotal).toBe(plaintext.length)
        encryptProgress.push(bytesDone)
      },
    })
    expect(encrypted).toEqual({ bytesRead: plaintext.length, bytesWritten: ciphertextLength(plaintext.length) })
    expect(encryptProgress).toEqual([...encryptProgress].sort((a, b) => a - b))
    expect(encryptProgress.at(-1)).toBe(plaintext.length)
    expect(encryptProgress.length).toBe(4)

    const envelope = await readFile(join(dir, 'data.dve'))
    expect(envelope.length).toBe(ciphertextLength(plaintext.length))
    expect(sha256(await decryptBytes(key, envelope))).toBe(sha256(plaintext))

    const decryptProgress: number[] = []
    const decrypted = await decryptFile(join(dir, 'data.dve'), join(dir, 'data.out'), key, {
      onProgress: ({ bytesDone }) => decryptProgress.push(bytesDone),
    })
    expect(decrypted).toEqual({ bytesRead: envelope.length, bytesWritten: plaintext.length })
    expect(decryptProgress.at(-1)).toBe(envelope.length)
    expect(sha256(await readFile(join(dir, 'data.out')))).toBe(sha256(plaintext))
    expect((await stat(join(dir, 'data.out'))).mode & 0o777).toBe(0o600)
    expect(await leftovers(dir, 'data.bin', 'data.dve', 'data.out')).toEqual([])
    for (const name of ['data.bin', 'data.dve', 'data.out']) await rm(join(dir, name))
  })

  test('behavior: empty file and a small chunk size', async () => {
    for (const [length, chunkSize] of [[0, undefined], [0, 64], [1000, 64], [64 * 5, 64]] as const) {
      const plaintext = randomBytes(length)
      await writeFile(join(dir, 'small.bin'), plaintext)
      await encryptFile(join(dir, 'small.bin'), join(dir, 'small.dve'), key, { chunkSize })
      expect((await stat(join(dir, 'small.dve'))).size).toBe(ciphertextLength(length, chunkSize ?? defaultChunkSize))
      await decryptFile(join(dir, 'small.dve'), join(dir, 'small.out'), key)
      expect(new Uint8Array(await readFile(join(dir, 'small.out')))).toEqual(plaintext)
    }
    await rm(join(dir, 'small.bin'))
    await rm(join(dir, 'small.dve'))
    await rm(join(dir, 'small.out'))
  })

  test('behavior: each chunk of ciphertext is freed once it is written, and the file still decrypts', async () => {
    // node:crypto, keeping a reference to every ciphertext it hands out to see it freed after.
    const handedOut: Uint8Array[] = []
    const watching: EnvelopeCrypto = {
      hkdf: nodeEnvelopeCrypto.hkdf,
      async hkdfChunkCipher(ikm, salt, info) {
        const cipher = await nodeEnvelopeCrypto.hkdfChunkCipher(ikm, salt, info)
        return {
          ...cipher,
          async seal(nonce, aad, plaintext) {
            const parts = await cipher.seal(nonce, aad, plaintext)
            handedOut.push(parts[0]!)
            return parts
          },
        }
      },
    }
    const chunkSize = 128 * 1024
    const plaintext = randomBytes(chunkSize * 3 + 5)
    await writeFile(join(dir, 'freed.bin'), plaintext)
    await encryptFile(join(dir, 'freed.bin'), join(dir, 'freed.dve'), key, { chunkSize, crypto: watching })
    expect(handedOut.map((chunk) => (chunk.buffer as ArrayBuffer).detached)).toEqual([true, true, true, true])
    expect(await decryptBytes(key, new Uint8Array(await readFile(join(dir, 'freed.dve'))))).toEqual(plaintext)
    await decryptFile(join(dir, 'freed.dve'), join(dir, 'freed.out'), key)
    expect(sha256(new Uint8Array(await readFile(join(dir, 'freed.out'))))).toBe(sha256(plaintext))
    for (const name of ['freed.bin', 'freed.dve', 'freed.out']) await rm(join(dir, name))
  })

  test('behavior: replaces an existing output only on success', async () => {
    const plaintext = randomBytes(5000)
    await writeFile(join(dir, 'replace.bin'), plaintext)
    await writeFile(join(dir, 'replace.out'), 'old contents')
    await encryptFile(join(dir, 'replace.bin'), join(dir, 'replace.dve'), key)
    await decryptFile(join(dir, 'replace.dve'), join(dir, 'replace.out'), key)
    expect(new Uint8Array(await readFile(join(dir, 'replace.out')))).toEqual(plaintext)

    await writeFile(join(dir, 'replace.out'), 'old contents')
    expect(await failure(decryptFile(join(dir, 'replace.dve'), join(dir, 'replace.out'), generateDataKey()))).toMatchObject({
      name: 'EnvelopeWrongKeyError',
    })
    expect(await readFile(join(dir, 'replace.out'), 'utf8')).toBe('old contents')
    for (const name of ['replace.bin', 'replace.dve', 'replace.out']) await rm(join(dir, name))
  })

  describe('failures leave no output', () => {
    const plaintext = randomBytes(2 * defaultChunkSize + 77)
    let envelope: Uint8Array
    let dir: string

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'datavault-files-failures-'))
      await writeFile(join(dir, 'f.bin'), plaintext)
      await encryptFile(join(dir, 'f.bin'), join(dir, 'f.dve'), key)
      envelope = new Uint8Array(await readFile(join(dir, 'f.dve')))
    })
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    test('error: wrong key', async () => {
      expect(await failure(decryptFile(join(dir, 'f.dve'), join(dir, 'f.out'), generateDataKey()))).toMatchObject({
        name: 'EnvelopeWrongKeyError',
        code: 'ENVELOPE_WRONG_KEY',
      })
      expect(await leftovers(dir, 'f.bin', 'f.dve')).toEqual([])
    })

    test('error: a flipped bit in the last chunk, after earlier chunks were written', async () => {
      const altered = envelope.slice()
      altered[altered.length - 30]! ^= 1
      await writeFile(join(dir, 'f.bad'), altered)
      expect(await failure(decryptFile(join(dir, 'f.bad'), join(dir, 'f.out'), key))).toMatchObject({
        name: 'EnvelopeTamperedError',
        chunkIndex: 2,
      })
      expect(await leftovers(dir, 'f.bin', 'f.dve', 'f.bad')).toEqual([])
      await rm(join(dir, 'f.bad'))
    })

    test('error: a truncated envelope', async () => {
      await writeFile(join(dir, 'f.cut'), envelope)
      await truncate(join(dir, 'f.cut'), envelope.length - 100)
      expect(await failure(decryptFile(join(dir, 'f.cut'), join(dir, 'f.out'), key))).toMatchObject({
        name: 'EnvelopeTruncatedError',
      })
      expect(await leftovers(dir, 'f.bin', 'f.dve', 'f.cut')).toEqual([])
      await rm(join(dir, 'f.cut'))
    })

    test('error: not an envelope', async () => {
      expect(await failure(decryptFile(join(dir, 'f.bin'), join(dir, 'f.out'), key))).toMatchObject({
        name: 'EnvelopeHeaderError',
      })
      expect(await leftovers(dir, 'f.bin', 'f.dve')).toEqual([])
    })

    test('error: a missing input file', async () => {
      expect(await failure(encryptFile(join(dir, 'missing.bin'), join(dir, 'f.out'), key))).toMatchObject({ code: 'ENOENT' })
      expect(await leftovers(dir, 'f.bin', 'f.dve')).toEqual([])
    })

    test('error: aborted midway', async () => {
      const controller = new AbortController()
      const error = await failure(
        encryptFile(join(dir, 'f.bin'), join(dir, 'f.out'), key, {
          signal: controller.signal,
          onProgress: ({ bytesDone }) => {
            if (bytesDone >= defaultChunkSize) controller.abort()
          },
        }),
      )
      expect(error.name).toBe('AbortError')
      expect(await leftovers(dir, 'f.bin', 'f.dve')).toEqual([])
      const already = await failure(encryptFile(join(dir, 'f.bin'), join(dir, 'f.out'), key, { signal: AbortSignal.abort() }))
      expect(already.name).toBe('AbortError')
    })

    test('error: invalid arguments fail before any file is touched', async () => {
      expect(await failure(encryptFile(join(dir, 'f.bin'), join(dir, 'f.out'), new Uint8Array(5)))).toMatchObject({
        name: 'EnvelopeArgumentError',
      })
      expect(await leftovers(dir, 'f.bin', 'f.dve')).toEqual([])
    })
  })
})
