import { expect, test } from 'vitest'
import { createVaultClient } from './transport.ts'

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
