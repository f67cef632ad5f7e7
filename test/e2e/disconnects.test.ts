// A client that hangs up mid-request is not a server error: the node logs it as what it is (one
// info line, no stack) and goes on serving. A chunked upload that loses its connection resumes.
import { createHash, randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createVaultClient, putUploadChunk, signRequest, uploadCiphertextInChunks, createUploadSession, abortUploadSession } from '@datavault/sdk'
import { createLogger } from '@datavault/vault'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
const lines: string[] = []

beforeAll(async () => {
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } })
  t = await startTestStack({ logger })
})
afterAll(async () => {
  await t?.stop()
})

describe('client disconnects', () => {
  test('behavior: an upload cut off halfway is logged as a disconnect (info), never as a failed request (error)', async () => {
    const node = await t.buyer.vault.node()
    const body = new Uint8Array(4 * 1024 ** 2).fill(7)
    const headers = await signRequest(t.owner.account, { chainId: node.chainId, node: node.address, method: 'POST', path: '/v1/uploads', body: 'unsigned' })
    const url = new URL('/v1/uploads', t.stack.vaultUrl)
    const before = lines.length
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(body.byteLength) } })
      req.on('error', () => resolve())
      req.on('close', () => resolve())
      req.write(body.subarray(0, body.byteLength / 2), () => setTimeout(() => req.destroy(), 200))
    })
    const logged = async () => lines.slice(before).map((line) => JSON.parse(line) as { level: number; msg: string })
    await expect.poll(async () => (await logged()).some((line) => line.msg === 'client disconnected before the request was complete'), { timeout: 10_000 }).toBe(true)
    const entries = await logged()
    expect(entries.filter((line) => line.level >= 50).map((line) => line.msg)).toEqual([])
    expect(entries.find((line) => line.msg === 'client disconnected before the request was complete')?.level).toBe(30)
    // The node still serves.
    expect((await fetch(new URL('/v1/health', t.stack.vaultUrl))).status).toBe(200)
  })
})

describe('chunked uploads over a connection that drops', () => {
  const chunkBytes = 64 * 1024
  const chunkOf = (url: string) => /\/chunks\/(\d+)\?/.exec(url)?.[1]
  async function stored(cid: string) {
    const parts: Uint8Array[] = []
    for await (const part of t.stack.node.components.storage.cat(cid)) parts.push(part)
    return Buffer.concat(parts)
  }

  test('behavior: a chunk cut off mid-body is sent again after the client asks which chunks the node holds, and the file is stored whole', async () => {
    const data = new Uint8Array(randomBytes(5 * chunkBytes + 1234))
    const puts: string[] = []
    const asked: string[] = []
    const sentBodies: Uint8Array[] = []
    let cut = false
    const client = createVaultClient({
      url: t.stack.vaultUrl,
      account: t.owner.account,
      fetch: async (input, init) => {
        const url = String(input)
        const index = chunkOf(url)
        if (init?.method === 'GET' && url.includes('/v1/upload-sessions/')) asked.push(url)
        if (index === undefined) return fetch(input, init)
        puts.push(index)
        sentBodies.push(init?.body as Uint8Array)
        if (index !== '2' || cut) return fetch(input, init)
        cut = true
        // Half the chunk, then the connection goes: a real request cut off mid-body.
        const bytes = init?.body as Uint8Array
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes.subarray(0, bytes.byteLength / 2))
          },
          pull(controller) {
            controller.error(new Error('connection dropped'))
          },
        })
        return fetch(input, { ...init, body, duplex: 'half' } as RequestInit)
      },
    })
    // A stream in odd-sized pieces, read once (as the extension's encryption hands it over): the chunk cut off is still in memory to send again.
    let offset = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= data.byteLength) return controller.close()
        controller.enqueue(data.slice(offset, (offset += 10_007)))
      },
    })
    const result = await uploadCiphertextInChunks(client, { body, size: data.byteLength, chunkBytes, concurrency: 1, retryDelayMs: 10 })
    expect(cut).toBe(true)
    expect(puts).toEqual(['0', '1', '2', '2', '3', '4', '5'])
    expect(asked.length).toBeGreaterThanOrEqual(1)
    expect(result.size).toBe(data.byteLength)
    expect((await stored(result.cid)).equals(Buffer.from(data))).toBe(true)
    // The chunks were copies of the upload's own out of the stream: each freed once the node held it (the one cut off only after it was sent again).
    expect(sentBodies.map((bytes) => bytes.byteLength)).toEqual([0, 0, 0, 0, 0, 0, 0])
  })

  test('behavior: an open whose answer was lost is sent again and answers the session it opened (no orphan session holding the allowance)', async () => {
    const data = new Uint8Array(randomBytes(2 * chunkBytes + 5))
    const opened: string[] = []
    const client = createVaultClient({
      url: t.stack.vaultUrl,
      account: t.owner.account,
      fetch: async (input, init) => {
        const response = await fetch(input, init)
        if (init?.method !== 'POST' || !String(input).endsWith('/v1/upload-sessions')) return response
        opened.push(((await response.clone().json()) as { id: string }).id)
        // The node opened the session; its answer never reaches the client.
        if (opened.length === 1) throw new TypeError('fetch failed')
        return response
      },
    })
    const result = await uploadCiphertextInChunks(client, { body: data, size: data.byteLength, chunkBytes, retryDelayMs: 1 })
    expect(opened).toHaveLength(2)
    expect(opened[1]).toBe(opened[0])
    expect(result.session).toBe(opened[0])
    expect((await stored(result.cid)).equals(Buffer.from(data))).toBe(true)
    // A Uint8Array body is the caller's: never freed, not even a chunk that is the whole of its buffer.
    const single = new Uint8Array(randomBytes(chunkBytes))
    const again = await uploadCiphertextInChunks(client, { body: single, size: single.byteLength, chunkBytes })
    expect(single.byteLength).toBe(chunkBytes)
    expect((await stored(again.cid)).equals(Buffer.from(single))).toBe(true)
  })

  test('behavior: an upload whose node went out of reach resumes in a later call, sending only the chunks the node lacks', async () => {
    const data = new Uint8Array(randomBytes(4 * chunkBytes + 99))
    let session: string | undefined
    let down = false
    const firstPuts: string[] = []
    const flaky = createVaultClient({
      url: t.stack.vaultUrl,
      account: t.owner.account,
      fetch: async (input, init) => {
        const index = chunkOf(String(input))
        if (down) throw new TypeError('fetch failed')
        if (index !== undefined) firstPuts.push(index)
        const response = await fetch(input, init)
        if (index === '1') down = true
        return response
      },
    })
    await expect(
      uploadCiphertextInChunks(flaky, { body: data, size: data.byteLength, chunkBytes, concurrency: 1, attempts: 2, retryDelayMs: 1, onSession: (id) => (session = id) }),
    ).rejects.toMatchObject({ code: 'VAULT_UNREACHABLE' })
    expect(firstPuts).toEqual(['0', '1'])
    const secondPuts: string[] = []
    const client = createVaultClient({
      url: t.stack.vaultUrl,
      account: t.owner.account,
      fetch: async (input, init) => {
        const index = chunkOf(String(input))
        if (index !== undefined) secondPuts.push(index)
        return fetch(input, init)
      },
    })
    const result = await uploadCiphertextInChunks(client, { body: new Blob([data]), size: data.byteLength, chunkBytes, resume: { session: session as string } })
    expect(secondPuts.sort()).toEqual(['2', '3', '4'])
    expect((await stored(result.cid)).equals(Buffer.from(data))).toBe(true)
    // Asking again after it completed answers the same CID, sending nothing.
    expect((await uploadCiphertextInChunks(client, { body: data, size: data.byteLength, chunkBytes, resume: { session: session as string } })).cid).toBe(result.cid)
  })

  test('error: a chunk request replayed, signed for other bytes, or whose signature expired is refused over HTTP', async () => {
    const node = await t.owner.vault.node()
    const session = await createUploadSession(t.owner.vault, { size: chunkBytes, chunkBytes })
    const chunk = new Uint8Array(randomBytes(chunkBytes))
    const digest = createHash('sha256').update(chunk).digest('hex')
    const path = `/v1/upload-sessions/${session.id}/chunks/0?sha256=${digest}`
    const send = async (headers: Record<string, string>, sentPath = path, body: Uint8Array<ArrayBuffer> = chunk) =>
      fetch(new URL(sentPath, t.stack.vaultUrl), { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body })
    const headers = await signRequest(t.owner.account, { chainId: node.chainId, node: node.address, method: 'PUT', path, body: 'unsigned' })
    const other = new Uint8Array(randomBytes(chunkBytes))
    const wrong = await send(await signRequest(t.owner.account, { chainId: node.chainId, node: node.address, method: 'PUT', path, body: 'unsigned' }), path, other)
    expect([wrong.status, ((await wrong.json()) as { error: { code: string } }).error.code]).toEqual([400, 'UPLOAD_CHUNK_HASH_MISMATCH'])
    expect((await send(headers)).status).toBe(200)
    const replay = await send(headers)
    expect([replay.status, ((await replay.json()) as { error: { code: string } }).error.code]).toEqual([401, 'REQUEST_REPLAYED'])
    // The SHA-256 is part of the signed path: changing it breaks the signature.
    const swapped = await send(await signRequest(t.owner.account, { chainId: node.chainId, node: node.address, method: 'PUT', path, body: 'unsigned' }), path.replace(digest, createHash('sha256').update(other).digest('hex')), other)
    expect([swapped.status, ((await swapped.json()) as { error: { code: string } }).error.code]).toEqual([401, 'REQUEST_SIGNATURE_INVALID'])
    const expired = await send(await signRequest(t.owner.account, { chainId: node.chainId, node: node.address, method: 'PUT', path, body: 'unsigned', now: Math.floor(Date.now() / 1000) - 3600 }))
    expect([expired.status, ((await expired.json()) as { error: { code: string } }).error.code]).toEqual([401, 'REQUEST_EXPIRED'])
    // Another wallet cannot touch it.
    await expect(putUploadChunk(t.buyer.vault, { session: session.id, index: 0, bytes: chunk })).rejects.toMatchObject({ code: 'UPLOAD_SESSION_NOT_FOUND', status: 404 })
    await abortUploadSession(t.owner.vault, { session: session.id })
  })
})
