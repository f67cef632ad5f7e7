import { spawnSync } from 'node:child_process'
import { createSecretKey } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import {
  type ChunkCipher,
  chunkCipherPool,
  ciphertextLength,
  type EnvelopeCrypto,
  decryptBytes,
  encryptBytes,
  generateDataKey,
  serveChunkCiphers,
  webCryptoEnvelopeCrypto,
} from '../envelope/index.ts'
import { decryptFile, encryptFile, nodeEnvelopeCrypto, workerPoolEnvelopeCrypto } from './index.ts'
import { nodeOpen, nodeSeal } from './nodeEnvelopeCrypto.ts'
import { spawnNodeWorker } from './workerPoolEnvelopeCrypto.ts'

const key = generateDataKey()

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, i + 65536))
  return out
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; code?: string }> {
  try {
    await promise
  } catch (error) {
    return error as { name: string; code?: string }
  }
  throw new Error('expected a failure')
}

/** Encrypts with a fixed nonce prefix, so two cryptos can be compared byte for byte. */
async function encryptWithPrefix(plaintext: Uint8Array, crypto: EnvelopeCrypto, chunkSize: number) {
  const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementationOnce((array) => {
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).fill(7)
    return array
  })
  try {
    return await encryptBytes(key, plaintext, { chunkSize, crypto })
  } finally {
    spy.mockRestore()
  }
}

describe('workerPoolEnvelopeCrypto', () => {
  test('default: the envelope is byte-identical to one made on this thread, and the existing decoders open it', async () => {
    const pool = workerPoolEnvelopeCrypto({ threads: 2 })
    try {
      const plaintext = randomBytes(300_001)
      const pooled = await encryptWithPrefix(plaintext, pool, 4096)
      const single = await encryptWithPrefix(plaintext, nodeEnvelopeCrypto, 4096)
      expect(pooled.length).toBe(ciphertextLength(plaintext.length, 4096))
      expect(Buffer.from(pooled).equals(Buffer.from(single))).toBe(true)
      expect(Buffer.from(await decryptBytes(key, pooled)).equals(Buffer.from(plaintext))).toBe(true) // WebCrypto decoder
      expect(Buffer.from(await decryptBytes(key, pooled, { crypto: pool })).equals(Buffer.from(plaintext))).toBe(true)
    } finally {
      await pool.close()
    }
  })

  test('args: chunksInFlight: four chunks per worker (at most 16); the caller-shared pool keeps the default', async () => {
    const pools = [workerPoolEnvelopeCrypto({ threads: 2 }), workerPoolEnvelopeCrypto({ threads: 8 }), workerPoolEnvelopeCrypto({ threads: 1, caller: true })]
    try {
      expect(pools.map((pool) => pool.chunksInFlight)).toEqual([8, 16, undefined])
    } finally {
      await Promise.all(pools.map((pool) => pool.close()))
    }
  })

  test('args: engine webcrypto: the same envelope as node:crypto', async () => {
    const pool = workerPoolEnvelopeCrypto({ threads: 2, engine: 'webcrypto' })
    try {
      const plaintext = randomBytes(70_000)
      const pooled = await encryptWithPrefix(plaintext, pool, 1024)
      const single = await encryptWithPrefix(plaintext, webCryptoEnvelopeCrypto, 1024)
      expect(Buffer.from(pooled).equals(Buffer.from(single))).toBe(true)
    } finally {
      await pool.close()
    }
  })

  test('args: caller: the calling thread seals one chunk in threads + 1, and the envelope is byte-identical', async () => {
    const pool = workerPoolEnvelopeCrypto({ threads: 1, caller: true })
    const original = nodeEnvelopeCrypto.hkdfChunkCipher
    let sealedHere = 0
    const spy = vi.spyOn(nodeEnvelopeCrypto, 'hkdfChunkCipher').mockImplementation((ikm, salt, info) => {
      const cipher = original.call(nodeEnvelopeCrypto, ikm, salt, info) as ChunkCipher
      return { ...cipher, seal: (nonce, aad, plaintext) => (sealedHere++, cipher.seal(nonce, aad, plaintext)) }
    })
    try {
      const plaintext = randomBytes(100_003) // 24 full chunks of 4096 and a final one: 25
      const shared = await encryptWithPrefix(plaintext, pool, 4096)
      spy.mockRestore()
      expect(sealedHere).toBe(12) // chunks 1, 3, …, 23; the worker took the other 13
      const single = await encryptWithPrefix(plaintext, nodeEnvelopeCrypto, 4096)
      expect(Buffer.from(shared).equals(Buffer.from(single))).toBe(true)
      expect(Buffer.from(await decryptBytes(key, shared, { crypto: pool })).equals(Buffer.from(plaintext))).toBe(true)
    } finally {
      spy.mockRestore()
      await pool.close()
    }
  })

  test('behavior: a tampered chunk opened on the pool is reported as tampered, not as a worker failure', async () => {
    const pool = workerPoolEnvelopeCrypto({ threads: 2 })
    try {
      const envelope = await encryptBytes(key, randomBytes(10_000), { chunkSize: 1024, crypto: pool })
      envelope[49 + 4 + 1024 + 20 + 10]! ^= 1 // inside chunk 1's ciphertext
      expect(await failure(decryptBytes(key, envelope, { crypto: pool }))).toMatchObject({ code: 'ENVELOPE_TAMPERED' })
    } finally {
      await pool.close()
    }
  })

  test('error: a worker that dies fails the stream with EnvelopeWorkerError instead of hanging', async () => {
    const pool = chunkCipherPool({
      size: 2,
      hkdf: nodeEnvelopeCrypto.hkdf,
      spawn: spawnNodeWorker(
        `const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => { if (m.op === 'seal') process.exit(3) })`,
        undefined,
        { eval: true },
      ),
    })
    try {
      expect(await failure(encryptBytes(key, randomBytes(50_000), { chunkSize: 1024, crypto: pool }))).toMatchObject({
        name: 'EnvelopeWorkerError',
        code: 'ENVELOPE_WORKER_FAILED',
      })
      // The pool stays failed: a later stream fails at once too.
      expect(await failure(encryptBytes(key, randomBytes(5000), { chunkSize: 1024, crypto: pool }))).toMatchObject({ code: 'ENVELOPE_WORKER_FAILED' })
    } finally {
      await pool.close()
    }
  })

  test('error: close() fails the chunks still pending and later ones', async () => {
    const pool = workerPoolEnvelopeCrypto({ threads: 1 })
    const cipher = await pool.hkdfChunkCipher(key, new Uint8Array(7), new Uint8Array(1))
    const pending = failure(Promise.resolve(cipher.seal(new Uint8Array(12), new Uint8Array(49), randomBytes(4 * 1024 * 1024))))
    await pool.close()
    expect(await pending).toMatchObject({ code: 'ENVELOPE_WORKER_FAILED' })
    expect(await failure(Promise.resolve(cipher.seal(new Uint8Array(12), new Uint8Array(49), randomBytes(16))))).toMatchObject({ code: 'ENVELOPE_WORKER_FAILED' })
  })

  test('behavior: workers left open do not keep the process alive', async () => {
    const script = `
      import { encryptBytes, generateDataKey } from ${JSON.stringify(fileURLToPath(new URL('../envelope/index.ts', import.meta.url)))}
      import { workerPoolEnvelopeCrypto } from ${JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url)))}
      const pool = workerPoolEnvelopeCrypto({ threads: 2 })
      const envelope = await encryptBytes(generateDataKey(), new Uint8Array(100000), { chunkSize: 1024, crypto: pool })
      console.log(envelope.length)
    `
    const dir = await mkdtemp(join(tmpdir(), 'datavault-pool-exit-'))
    await writeFile(join(dir, 'left-open.mjs'), script)
    const child = spawnSync(process.execPath, [join(dir, 'left-open.mjs')], { encoding: 'utf8', timeout: 30_000 })
    await rm(dir, { recursive: true, force: true })
    expect(child.error).toBeUndefined() // a timeout (a worker holding the process open) shows here
    expect(child.status, child.stderr).toBe(0)
    expect(child.stdout.trim()).toBe(String(ciphertextLength(100000, 1024)))
  })
})

describe('chunkCipherPool', () => {
  test('behavior: chunks finish out of order on the workers and still come out in order', async () => {
    // In-process workers over the real protocol (serveChunkCiphers), each chunk delayed at random so
    // later chunks often finish first.
    const pool = chunkCipherPool({
      size: 3,
      hkdf: nodeEnvelopeCrypto.hkdf,
      spawn({ message }) {
        const handle = serveChunkCiphers({
          importKey(raw) {
            const secret = createSecretKey(raw)
            const delay = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 5))
            return {
              seal: async (nonce, aad, plaintext) => {
                const sealed = nodeSeal(secret, nonce, aad, plaintext)
                await delay()
                return sealed
              },
              open: async (nonce, aad, sealed) => {
                const opened = nodeOpen(secret, nonce, aad, sealed)
                await delay()
                return opened
              },
            }
          },
          post: (reply) => queueMicrotask(() => message(structuredClone(reply))),
        })
        return { postMessage: (request) => handle(structuredClone(request)), terminate() {} }
      },
    })
    const plaintext = randomBytes(200 * 64 + 5)
    const envelope = await encryptBytes(key, plaintext, { chunkSize: 64, crypto: pool })
    expect(Buffer.from(await decryptBytes(key, envelope, { crypto: nodeEnvelopeCrypto })).equals(Buffer.from(plaintext))).toBe(true)
    expect(Buffer.from(await decryptBytes(key, envelope, { crypto: pool })).equals(Buffer.from(plaintext))).toBe(true)
    await pool.close()
  })

  test('error: a pool of no workers is refused', () => {
    expect(() => chunkCipherPool({ size: 0, hkdf: nodeEnvelopeCrypto.hkdf, spawn: () => ({ postMessage() {}, terminate() {} }) })).toThrow(
      expect.objectContaining({ code: 'ENVELOPE_INVALID_ARGUMENT' }),
    )
  })
})

describe('encryptFile on the pool', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'datavault-pool-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('args: a file of many chunks encrypted on a pool given as crypto decrypts to the same bytes', async () => {
    const plaintext = randomBytes(40 * 1024 + 17)
    await writeFile(join(dir, 'in.bin'), plaintext)
    const crypto = workerPoolEnvelopeCrypto()
    try {
      await encryptFile(join(dir, 'in.bin'), join(dir, 'in.dve'), key, { chunkSize: 1024, crypto })
    } finally {
      await crypto.close()
    }
    expect((await stat(join(dir, 'in.dve'))).size).toBe(ciphertextLength(plaintext.length, 1024))
    await decryptFile(join(dir, 'in.dve'), join(dir, 'out.bin'), key)
    expect(Buffer.from(await readFile(join(dir, 'out.bin'))).equals(Buffer.from(plaintext))).toBe(true)
  })
})
