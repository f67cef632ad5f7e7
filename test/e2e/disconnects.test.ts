// A client that hangs up mid-request is not a server error: the node logs it as what it is (one
// info line, no stack) and goes on serving.
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { signRequest } from '@datavault/sdk'
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
