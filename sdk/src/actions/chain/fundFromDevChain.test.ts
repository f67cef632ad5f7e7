// Test funds: only a local Hardhat chain gives them; a real chain is refused before any balance
// change is asked. The RPC here is a double (a real chain that is not Hardhat cannot run on this
// machine); `datavault fund`'s test runs the happy path on the real local chain.
import { describe, expect, test } from 'vitest'
import { createPublicClient, http } from 'viem'
import { devFundsAmount, fundFromDevChain } from './fundFromDevChain.ts'
import { isDevChain } from './isDevChain.ts'

const address = '0x00000000000000000000000000000000000000aa'

/** A JSON-RPC endpoint double that answers `methods` and says "method not found" to anything else; it records the calls. */
function rpc(url: string, methods: Record<string, (params: unknown[]) => unknown>) {
  const calls: string[] = []
  const fetchFn = (async (_url: string, init: RequestInit) => {
    const { id, method, params } = JSON.parse(String(init.body)) as { id: number; method: string; params: unknown[] }
    calls.push(method)
    const answer = methods[method]
    return new Response(JSON.stringify(answer ? { jsonrpc: '2.0', id, result: answer(params) } : { jsonrpc: '2.0', id, error: { code: -32601, message: 'the method does not exist' } }), {
      headers: { 'content-type': 'application/json' },
    })
  }) as typeof globalThis.fetch
  return { client: createPublicClient({ transport: http(url, { fetchFn, retryCount: 0 }) }), calls }
}

describe('fundFromDevChain', () => {
  test('default: on a Hardhat chain, its last test account sends 10 ETH (a real transaction, kept by a persistent dev stack)', async () => {
    let balance = 5n
    let sent: { from?: string; to?: string; value?: string } = {}
    const chain = rpc('http://127.0.0.1:8545', {
      hardhat_metadata: () => ({ chainId: 8996, clientVersion: 'edr/0.3.8' }),
      eth_accounts: () => ['0x00000000000000000000000000000000000000f0', '0x00000000000000000000000000000000000000f1'],
      eth_sendTransaction: ([tx]) => ((sent = tx as typeof sent), (balance += BigInt(sent.value!)), `0x${'ab'.repeat(32)}`),
      eth_getBalance: () => `0x${balance.toString(16)}`,
    })
    expect(await fundFromDevChain(chain.client, { address })).toEqual({ address, added: devFundsAmount, balance: 5n + 10n ** 19n, txHash: `0x${'ab'.repeat(32)}` })
    expect(sent).toEqual({ from: '0x00000000000000000000000000000000000000f1', to: address, value: `0x${(10n ** 19n).toString(16)}` })
    expect(await fundFromDevChain(chain.client, { address, amount: 1n })).toMatchObject({ added: 1n, balance: 5n + 10n ** 19n + 1n })
    expect(chain.calls).not.toContain('hardhat_setBalance')
    expect(await isDevChain(chain.client)).toBe(true)
  })

  test('error: a real chain (no hardhat_metadata) is refused, naming its origin only, before any balance change is asked', async () => {
    const chain = rpc('https://rpc.example.org/v3/secret', { eth_chainId: () => '0x1', eth_getBalance: () => '0x0', eth_accounts: () => [], eth_sendTransaction: () => '0x' })
    const refused = await fundFromDevChain(chain.client, { address }).catch((error: unknown) => error)
    expect(refused).toMatchObject({
      name: 'DevFundsUnavailableError',
      code: 'DEV_FUNDS_UNAVAILABLE',
      kind: 'refused',
      shortMessage: 'The chain at https://rpc.example.org is not a local test chain, so it cannot give test ETH.',
    })
    expect(JSON.stringify(refused)).not.toContain('secret')
    expect(chain.calls).toEqual(['hardhat_metadata'])
    expect(await isDevChain(chain.client)).toBe(false)
  })

  test('error: a dev chain whose transaction fails is a ChainTransactionError, not a refusal', async () => {
    const chain = rpc('http://127.0.0.1:8545', {
      hardhat_metadata: () => ({ chainId: 8996 }),
      eth_accounts: () => ['0x00000000000000000000000000000000000000f0'],
    })
    await expect(fundFromDevChain(chain.client, { address })).rejects.toMatchObject({ name: 'ChainTransactionError', code: 'CHAIN_TRANSACTION_FAILED' })
  })

  test('args: a chain that does not answer is not a dev chain', async () => {
    const down = (async () => {
      throw new TypeError('fetch failed')
    }) as typeof globalThis.fetch
    expect(await isDevChain(createPublicClient({ transport: http('http://127.0.0.1:9', { fetchFn: down, retryCount: 0 }) }))).toBe(false)
  })
})
