import { createServer } from 'node:net'
import { describe, expect, test } from 'vitest'
import { defaultSettings } from '../settings.ts'
import { createBackgroundClient } from './background-client.ts'
import { openVaultSession } from './vault-session.ts'

/** A port on 127.0.0.1 that nothing listens on (taken, then freed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('openVaultSession', () => {
  test("error: a chain RPC that does not answer is CHAIN_UNREACHABLE, naming the RPC's origin only", async () => {
    const port = await closedPort()
    const background = createBackgroundClient(async () => ({ ok: false, error: { name: 'X', code: 'X', message: 'unused' } }))
    const opening = openVaultSession({ settings: { ...defaultSettings, rpcUrl: `http://127.0.0.1:${port}/v3/api-key` }, address: '0x00000000000000000000000000000000000000aa', background, timeoutMs: 2000 })
    await expect(opening).rejects.toMatchObject({ name: 'ChainUnreachableError', code: 'CHAIN_UNREACHABLE', shortMessage: `Could not reach the chain's RPC at http://127.0.0.1:${port}.` })
  })
})
