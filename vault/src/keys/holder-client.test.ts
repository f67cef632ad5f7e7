import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { holderClient } from './holder-client.ts'

let server: Server
let url: string
let connections = 0
const bodies: unknown[] = []
const perSocket = new WeakMap<object, number>()
const handler = (request: IncomingMessage, response: ServerResponse) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8')
    bodies.push(JSON.parse(text))
    if (request.url === '/text') return void response.writeHead(502).end('bad gateway')
    if (request.url === '/large') return void response.writeHead(200).end(`"${'x'.repeat(200)}"`)
    if (request.url === '/hang') return
    if (request.url === '/close') return void request.socket.destroy()
    // The second request on a connection finds it closed (as a holder closes an idle one).
    const served = (perSocket.get(request.socket) ?? 0) + 1
    perSocket.set(request.socket, served)
    if (request.url === '/close-second' && served === 2) return void request.socket.destroy()
    response.writeHead(request.url === '/refuse' ? 409 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: JSON.parse(text), method: request.method }))
  })
}

beforeAll(async () => {
  server = createServer(handler)
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const signal = () => new AbortController().signal

describe('holderClient', () => {
  test('default: POSTs JSON, reads the JSON answer, and keeps one connection alive across requests', async () => {
    const client = holderClient()
    const before = connections
    for (let i = 0; i < 3; i++) expect(await client.postJson(`${url}/v1/holder/releases`, { i }, { signal: signal() })).toEqual({ status: 200, body: { echo: { i }, method: 'POST' } })
    expect(connections - before).toBe(1)
  })

  test('behavior: a refusal keeps its status and body; an answer that is not JSON has no body', async () => {
    const client = holderClient()
    expect(await client.postJson(`${url}/refuse`, { a: 1 }, { signal: signal() })).toEqual({ status: 409, body: { echo: { a: 1 }, method: 'POST' } })
    expect(await client.postJson(`${url}/text`, {}, { signal: signal() })).toEqual({ status: 502, body: undefined })
  })

  test('behavior: a request whose kept-alive connection was closed before any answer is sent once more on a new one', async () => {
    const client = holderClient()
    const before = connections
    expect(await client.postJson(`${url}/close-second`, { n: 1 }, { signal: signal() })).toMatchObject({ status: 200 })
    expect(await client.postJson(`${url}/close-second`, { n: 2 }, { signal: signal() })).toMatchObject({ status: 200, body: { echo: { n: 2 } } })
    expect(connections - before).toBe(2)
  })

  test('args: maxResponseBytes refuses a larger answer', async () => {
    await expect(holderClient({ maxResponseBytes: 100 }).postJson(`${url}/large`, {}, { signal: signal() })).rejects.toThrow('larger than 100 bytes')
  })

  test('error: an aborted request, a closed connection and an unreachable holder reject; other protocols are refused', async () => {
    const client = holderClient()
    const controller = new AbortController()
    const hanging = client.postJson(`${url}/hang`, {}, { signal: controller.signal })
    controller.abort()
    await expect(hanging).rejects.toMatchObject({ name: 'AbortError' })
    await expect(client.postJson(`${url}/close`, {}, { signal: signal() })).rejects.toMatchObject({ code: 'ECONNRESET' })
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    await expect(client.postJson(`http://127.0.0.1:${port}/`, {}, { signal: signal() })).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    await expect(client.postJson('ftp://127.0.0.1/', {}, { signal: signal() })).rejects.toThrow('http or https')
  })
})
