// The SDK client the app works with: the owner's node and chain from the settings, and the
// wallet's account, whose signatures the background makes.
import { ChainMismatchError, type DataVaultClient, type NodeInfo, createDataVaultClient } from '@datavault/sdk'
import { ChainUnreachableError } from '../errors.ts'
import type { Settings } from '../settings.ts'
import { backgroundAccount } from './background-account.ts'
import type { BackgroundClient } from './background-client.ts'

/** A connected client, with what the node and chain said about themselves. */
export type VaultSession = {
  client: DataVaultClient
  address: `0x${string}`
  chainId: number
  node: NodeInfo
  settings: Settings
}

export type OpenVaultSessionParameters = {
  settings: Settings
  address: `0x${string}`
  background: BackgroundClient
  fetch?: typeof globalThis.fetch | undefined
  /** How long to wait for the chain and the node, in ms. */
  timeoutMs?: number | undefined
}

/**
 * Reads the chain id from the RPC, the node's info from the node, checks they are on the same
 * chain, and returns the client. Throws `CHAIN_UNREACHABLE`, `VAULT_UNREACHABLE` (the SDK's) or
 * `CHAIN_MISMATCH` with a message that says which URL (its origin only).
 *
 * @example
 * const { client, node } = await openVaultSession({ settings, address, background })
 */
export async function openVaultSession({ settings, address, background, fetch = globalThis.fetch, timeoutMs = 8000 }: OpenVaultSessionParameters): Promise<VaultSession> {
  const chainId = await readChainId(settings.rpcUrl, fetch, timeoutMs)
  const client = createDataVaultClient({
    node: settings.nodeUrl,
    chain: { rpcUrl: settings.rpcUrl, chainId, name: `chain ${chainId}` },
    account: backgroundAccount({ address, background }),
    pollingInterval: 500,
    // Reads give up after a while (a node that hangs says so); uploads take as long as they take.
    fetch: (input, init) => fetch(input, (init?.method ?? 'GET') === 'GET' && !init?.signal ? { ...init, signal: AbortSignal.timeout(timeoutMs * 4) } : init),
  })
  const node = await client.getNode()
  if (node.chainId !== chainId) throw new ChainMismatchError({ node: node.chainId, client: chainId })
  return { client, address, chainId, node, settings }
}

async function readChainId(rpcUrl: string, fetch: typeof globalThis.fetch, timeoutMs: number): Promise<number> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const { result } = (await response.json()) as { result?: unknown }
    if (typeof result !== 'string' || !/^0x[0-9a-f]+$/i.test(result)) throw new Error('not a chain id')
    return Number.parseInt(result, 16)
  } catch (cause) {
    throw new ChainUnreachableError({ url: rpcUrl, cause })
  }
}
