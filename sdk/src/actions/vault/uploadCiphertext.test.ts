import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { createVaultClient } from '../../api/transport.ts'
import { uploadCiphertext } from './uploadCiphertext.ts'

let server: Server | undefined
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve))
  server = undefined
})

/** A node whose first `resets` uploads lose their connection before any answer (a stale kept-alive socket). */
async function resettingNode(resets: number) {
  const received: number[] = []
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push(Buffer.concat(chunks).byteLength)
      if (received.length <= resets) return void request.socket.destroy()
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ cid: 'bafy-same', size: received.at(-1) }))
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, received }
}

// Unsigned requests (no account): what is tested is the transport's second send, not the signature.
const unsigned = (url: string) => {
  const client = createVaultClient({ url })
  return { ...client, request: (request: Parameters<typeof client.request>[0]) => client.request({ ...request, signed: false }) }
}

test('behavior: bytes are sent once more when the connection resets before an answer', async () => {
  const node = await resettingNode(1)
  const stored = await uploadCiphertext(unsigned(node.url), { body: new Uint8Array(1000).fill(7) })
  expect(stored).toEqual({ cid: 'bafy-same', size: 1000 })
  expect(node.received).toEqual([1000, 1000])
})

test('error: a stream is not sent again (it cannot be read twice); a second reset is the caller\'s error', async () => {
  const once = await resettingNode(1)
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array(10))
      controller.close()
    },
  })
  await expect(uploadCiphertext(unsigned(once.url), { body: stream })).rejects.toMatchObject({ code: 'VAULT_UNREACHABLE' })
  expect(once.received).toEqual([10])
  await new Promise((resolve) => server?.close(resolve))
  const twice = await resettingNode(2)
  await expect(uploadCiphertext(unsigned(twice.url), { body: new Uint8Array(5) })).rejects.toMatchObject({ code: 'VAULT_UNREACHABLE' })
  expect(twice.received).toEqual([5, 5])
})
