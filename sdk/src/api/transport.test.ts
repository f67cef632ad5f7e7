import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from 'vitest'
import { VaultUnreachableError, createVaultClient } from './transport.ts'

test('behavior: a streamed upload is sent without following redirects (a followed redirect would keep the whole body in memory)', async () => {
  const seen: RequestInit[] = []
  const client = createVaultClient({
    url: 'http://127.0.0.1:1',
    fetch: (async (_url: string, init: RequestInit) => {
      seen.push(init)
      return new Response('{}', { status: 200 })
    }) as typeof fetch,
  })
  const stream = new ReadableStream<Uint8Array>({ pull: (controller) => controller.close() })
  await client.request({ method: 'POST', path: '/v1/uploads', doing: 'uploading', stream })
  await client.request({ method: 'POST', path: '/v1/other', doing: 'posting', json: { a: 1 } })
  expect(seen.map((init) => [(init as { duplex?: string }).duplex, init.redirect])).toEqual([
    ['half', 'error'],
    [undefined, undefined],
  ])
})

test('behavior: a GET whose connection resets before an answer is sent once more; a POST is not, and a node that keeps resetting is unreachable', async () => {
  let resets = 1
  const seen: string[] = []
  const server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`)
    // A connection closed under the request, as a node's kept-alive connection closed just then.
    if (resets-- > 0) return request.socket.destroy()
    response.end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const client = createVaultClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
    expect((await client.request({ method: 'GET', path: '/v1/datasets', doing: 'listing' })).status).toBe(200)
    expect(seen).toEqual(['GET /v1/datasets', 'GET /v1/datasets'])
    resets = 1
    await expect(client.request({ method: 'POST', path: '/v1/jobs', doing: 'submitting', json: {} })).rejects.toBeInstanceOf(VaultUnreachableError)
    resets = 2
    await expect(client.request({ method: 'GET', path: '/v1/jobs/1', doing: 'reading a job' })).rejects.toBeInstanceOf(VaultUnreachableError)
    expect(seen.slice(2)).toEqual(['POST /v1/jobs', 'GET /v1/jobs/1', 'GET /v1/jobs/1'])
  } finally {
    server.close()
  }
})

test('error: an error answer is a VaultApiError with the node\'s code, or with the HTTP status as its code when the body is not the node\'s JSON (a proxy\'s page)', async () => {
  const server = createServer((request, response) => {
    if (request.url === '/v1/jobs/1') {
      response.writeHead(404, { 'content-type': 'application/json' })
      return response.end(JSON.stringify({ error: { code: 'JOB_NOT_FOUND', message: 'No such job.', details: 'id 1' } }))
    }
    response.writeHead(502, { 'content-type': 'text/html' })
    response.end('<html><body>Bad gateway</body></html>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const client = createVaultClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
    await expect(client.request({ method: 'GET', path: '/v1/jobs/1', doing: 'reading a job' })).rejects.toMatchObject({
      name: 'VaultApiError', status: 404, code: 'JOB_NOT_FOUND', details: 'id 1', message: expect.stringContaining('No such job. (while reading a job)'),
    })
    await expect(client.request({ method: 'GET', path: '/v1/datasets', doing: 'listing' })).rejects.toMatchObject({
      name: 'VaultApiError', status: 502, code: 'HTTP_502', message: expect.stringContaining('The node answered 502.'),
    })
  } finally {
    server.close()
  }
})
