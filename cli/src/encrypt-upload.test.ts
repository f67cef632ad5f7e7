import { randomBytes } from 'node:crypto'
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type VaultClient, decryptBytes, dropCsvColumns, generateDataKey, verifyRequestSignature } from '@datavault/sdk'
import { nodeEnvelopeCrypto } from '@datavault/sdk/node'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { encryptAndUpload } from './encrypt-upload.ts'

const nodeAddress = privateKeyToAccount(generatePrivateKey()).address
const owner = privateKeyToAccount(generatePrivateKey())

/** A node on a local port that checks the request's signature and reads the whole body (or answers at once), as the real one streams it to IPFS. */
type FakeNode = { url: string; received: Uint8Array | undefined; signer: string | undefined; answer(request: IncomingMessage, body: Uint8Array | undefined, response: ServerResponse): void; early: boolean }
const fake: FakeNode = {
  url: '',
  received: undefined,
  signer: undefined,
  early: false,
  answer: (_request, body, response) => {
    response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ cid: 'bafy-test', size: body!.length }))
  },
}
const server = createServer(async (request, response) => {
  const { address } = await verifyRequestSignature({ chainId: 8996, node: nodeAddress, method: request.method!, path: request.url!, headers: request.headers })
  fake.signer = address
  if (fake.early) return fake.answer(request, undefined, response)
  const parts: Buffer[] = []
  for await (const part of request) parts.push(part as Buffer)
  fake.received = new Uint8Array(Buffer.concat(parts))
  fake.answer(request, fake.received, response)
})
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

/** A client of the fake node (its info as the real node's /v1/node gives it). */
function vaultClient(url = fake.url): VaultClient {
  return {
    url,
    account: owner,
    node: async () => ({ chainId: 8996, address: nodeAddress }) as Awaited<ReturnType<VaultClient['node']>>,
    request: () => Promise.reject(new Error('the upload goes over node:http, not request()')),
  }
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
  test('default: the ciphertext uploaded, signed by the wallet, decrypts to the pieces, even from a source that overwrites its buffer when asked for the next', async () => {
    fake.early = false
    const plaintext = randomBytes(3 * (1 << 20) + 12_345)
    const key = generateDataKey()
    const seen: number[] = []
    const uploaded = await encryptAndUpload(vaultClient(), { key, pieces: oneBuffer(plaintext, 300_000, { done: false }), onBytes: (bytes) => seen.push(bytes) })
    expect(uploaded).toEqual({ cid: 'bafy-test', size: fake.received!.length })
    expect(fake.signer).toBe(owner.address)
    // Each chunk's ciphertext was freed once sent: what arrived is whole and decrypts.
    expect(Buffer.from(await decryptBytes(key, fake.received!, { crypto: nodeEnvelopeCrypto })).equals(plaintext)).toBe(true)
    expect(seen.at(-1)).toBe(plaintext.length)

    // A ReadableStream (what dropCsvColumns gives, excluded columns cut out) is read as it is consumed.
    const csv = 'age,notes\n61,private\n34,secret\n'
    const cut = dropCsvColumns(new Blob([csv]), { keep: ['age'] })
    await encryptAndUpload(vaultClient(), { key, pieces: cut })
    expect(new TextDecoder().decode(await decryptBytes(key, fake.received!, { crypto: nodeEnvelopeCrypto }))).toBe('age\n61\n34\n')
  })

  test('error: a failing source fails the upload with its error; a refusal, even before the body is read, is the node\'s error and stops the source', async () => {
    fake.early = false
    const key = generateDataKey()
    async function* failing() {
      yield new Uint8Array(10)
      throw new Error('read failed')
    }
    await expect(encryptAndUpload(vaultClient(), { key, pieces: failing() })).rejects.toThrow('read failed')

    fake.early = true
    fake.answer = (_request, _body, response) => {
      response.writeHead(507, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ error: { code: 'STORAGE_FULL', message: 'The node is out of disk space.' } }))
    }
    const stopped = { done: false }
    await expect(encryptAndUpload(vaultClient(), { key, pieces: oneBuffer(randomBytes(16 << 20), 1 << 20, stopped) })).rejects.toMatchObject({ code: 'STORAGE_FULL', status: 507 })
    await expect.poll(() => stopped.done).toBe(true)
  })

  test('error: a node that cannot be reached is VAULT_UNREACHABLE', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
    await new Promise((resolve) => closed.close(resolve))
    await expect(encryptAndUpload(vaultClient(url), { key: generateDataKey(), pieces: oneBuffer(randomBytes(1000), 100, { done: false }) })).rejects.toMatchObject({ code: 'VAULT_UNREACHABLE' })
  })
})
