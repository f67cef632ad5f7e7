import { randomBytes } from 'node:crypto'
import { type VaultClient, decryptBytes, dropCsvColumns, generateDataKey } from '@datavault/sdk'
import { nodeEnvelopeCrypto } from '@datavault/sdk/node'
import { describe, expect, test } from 'vitest'
import { encryptAndUpload } from './encrypt-upload.ts'

/** A node that reads the whole uploaded body (or fails), as the real one streams it to IPFS. */
function fakeVault(answer: (body: Uint8Array) => Response): VaultClient & { received: Uint8Array | undefined } {
  const vault = {
    url: 'http://vault.invalid',
    account: undefined,
    received: undefined as Uint8Array | undefined,
    node: () => Promise.reject(new Error('not asked')),
    async request({ path, stream, signed }: Parameters<VaultClient['request']>[0]) {
      expect(path).toBe('/v1/uploads')
      expect(signed).toBe(true)
      const body = new Uint8Array(await new Response(stream as ReadableStream<Uint8Array>).arrayBuffer())
      vault.received = body
      return answer(body)
    },
  }
  return vault
}

/** Pieces of `bytes` through one buffer, overwritten as soon as the next piece is asked for. */
async function* oneBuffer(bytes: Uint8Array, size: number, stopped: { done: boolean }) {
  const buffer = new Uint8Array(size)
  try {
    for (let at = 0; at < bytes.length; at += size) {
      const piece = buffer.subarray(0, Math.min(size, bytes.length - at))
      piece.set(bytes.subarray(at, at + piece.length))
      yield piece
      buffer.fill(0xee) // the consumer asked for the next: its last piece must not be read again
    }
  } finally {
    stopped.done = true
  }
}

describe('encryptAndUpload', () => {
  test('default: the ciphertext uploaded decrypts to the pieces, even from a source that overwrites its buffer when asked for the next', async () => {
    const plaintext = randomBytes(3 * (1 << 20) + 12_345)
    const key = generateDataKey()
    const vault = fakeVault((body) => Response.json({ cid: 'bafy-test', size: body.length }, { status: 201 }))
    const seen: number[] = []
    const uploaded = await encryptAndUpload(vault, { key, pieces: oneBuffer(plaintext, 300_000, { done: false }), onBytes: (bytes) => seen.push(bytes) })
    expect(uploaded).toEqual({ cid: 'bafy-test', size: vault.received!.length })
    expect(Buffer.from(await decryptBytes(key, vault.received!, { crypto: nodeEnvelopeCrypto })).equals(plaintext)).toBe(true)
    expect(seen.at(-1)).toBe(plaintext.length)

    // A ReadableStream (what dropCsvColumns gives, excluded columns cut out) is read as it is consumed.
    const csv = 'age,notes\n61,private\n34,secret\n'
    const cut = dropCsvColumns(new Blob([csv]), { keep: ['age'] })
    await encryptAndUpload(vault, { key, pieces: cut })
    expect(new TextDecoder().decode(await decryptBytes(key, vault.received!, { crypto: nodeEnvelopeCrypto }))).toBe('age\n61\n34\n')
  })

  test('error: a failing source fails the upload with its error; a refused upload stops the source', async () => {
    const key = generateDataKey()
    async function* failing() {
      yield new Uint8Array(10)
      throw new Error('read failed')
    }
    await expect(encryptAndUpload(fakeVault(() => Response.json({ cid: 'x', size: 0 })), { key, pieces: failing() })).rejects.toThrow('read failed')

    const stopped = { done: false }
    const refusing: VaultClient = {
      url: 'http://vault.invalid',
      account: undefined,
      node: () => Promise.reject(new Error('not asked')),
      request: async () => {
        throw Object.assign(new Error('storage full'), { code: 'STORAGE_FULL' })
      },
    }
    await expect(encryptAndUpload(refusing, { key, pieces: oneBuffer(randomBytes(4 << 20), 1 << 20, stopped) })).rejects.toThrow('storage full')
    await expect.poll(() => stopped.done).toBe(true)
  })
})
