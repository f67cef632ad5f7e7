// Test funds: only a local Hardhat chain gives them; a real chain is refused before any balance change is asked.
import { describe, expect, test } from 'vitest'
import { fundFromDevChain, isDevChain } from './dev-funds.ts'

const address = '0x00000000000000000000000000000000000000aa'

/** A JSON-RPC endpoint that answers `methods` and says "method not found" to anything else; it records the calls. */
function rpc(methods: Record<string, (params: unknown[]) => unknown>) {
  const calls: string[] = []
  const fetch = (async (_url: string, init: RequestInit) => {
    const { method, params } = JSON.parse(String(init.body)) as { method: string; params: unknown[] }
    calls.push(method)
    const answer = methods[method]
    return new Response(JSON.stringify(answer ? { jsonrpc: '2.0', id: 1, result: answer(params) } : { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'the method does not exist' } }))
  }) as typeof globalThis.fetch
  return { fetch, calls }
}

describe('dev funds', () => {
  test('default: on a Hardhat chain, a test account sends 10 ETH (a real transaction, kept by a persistent dev stack)', async () => {
    let balance = 5n
    let sent: { from?: string; to?: string; value?: string } = {}
    const chain = rpc({
      hardhat_metadata: () => ({ chainId: 8996, clientVersion: 'edr/0.3.8' }),
      eth_accounts: () => ['0x00000000000000000000000000000000000000f0', '0x00000000000000000000000000000000000000f1'],
      eth_sendTransaction: ([tx]) => ((sent = tx as typeof sent), (balance += BigInt(sent.value!)), `0x${'ab'.repeat(32)}`),
      eth_getBalance: () => `0x${balance.toString(16)}`,
    })
    expect(await fundFromDevChain({ rpcUrl: 'http://127.0.0.1:8545', address, fetch: chain.fetch })).toBe(5n + 10n ** 19n)
    expect(sent).toEqual({ from: '0x00000000000000000000000000000000000000f1', to: address, value: `0x${(10n ** 19n).toString(16)}` })
    expect(chain.calls).not.toContain('hardhat_setBalance')
    expect(await isDevChain('http://127.0.0.1:8545', { fetch: chain.fetch })).toBe(true)
  })

  test('error: a real chain (no hardhat_metadata) is refused before any balance change is asked', async () => {
    const chain = rpc({ eth_chainId: () => '0x1', eth_getBalance: () => '0x0', eth_accounts: () => [], eth_sendTransaction: () => '0x' })
    await expect(fundFromDevChain({ rpcUrl: 'https://rpc.example.org/v3/secret', address, fetch: chain.fetch })).rejects.toMatchObject({
      code: 'DEV_FUNDS_UNAVAILABLE',
      shortMessage: 'The chain at https://rpc.example.org is not a local test chain, so it cannot give test ETH.',
    })
    expect(chain.calls).toEqual(['hardhat_metadata'])
    expect(await isDevChain('https://rpc.example.org', { fetch: chain.fetch })).toBe(false)
  })

  test('args: a chain that does not answer is not a dev chain', async () => {
    const down = (async () => {
      throw new TypeError('fetch failed')
    }) as typeof globalThis.fetch
    expect(await isDevChain('http://127.0.0.1:9', { fetch: down })).toBe(false)
  })
})
