// Test ETH on the local dev chain: Hardhat's simulated chain (what `datavault dev` runs) signs
// transactions from its funded test accounts, so the last of them sends the ETH (a real
// transaction, which a persistent dev stack journals and replays; a balance set with
// `hardhat_setBalance` would be lost at its restart). A real chain has no such accounts, and the
// extension asks `hardhat_metadata` first: on any other chain it refuses before sending anything else.
import { DevFundsUnavailableError } from '../errors.ts'

/** ETH a tap of the button gives: enough for hundreds of publications on the dev chain. */
export const devFundsAmount = 10n * 10n ** 18n

type Fetch = typeof globalThis.fetch

async function call(rpcUrl: string, fetch: Fetch, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(8000),
  })
  const body = (await response.json()) as { result?: unknown; error?: { message?: string } }
  if (body.error || !('result' in body)) throw new Error(body.error?.message ?? `${method} failed`)
  return body.result
}

/**
 * Whether the chain at `rpcUrl` is a local Hardhat chain (it answers `hardhat_metadata`). False
 * for any real chain, and for one that does not answer.
 *
 * @example
 * if (await isDevChain(settings.rpcUrl)) showTestFundsButton()
 */
export async function isDevChain(rpcUrl: string, { fetch = globalThis.fetch }: { fetch?: Fetch } = {}): Promise<boolean> {
  try {
    const metadata = (await call(rpcUrl, fetch, 'hardhat_metadata', [])) as { chainId?: unknown }
    return typeof metadata === 'object' && metadata !== null && typeof metadata.chainId === 'number'
  } catch {
    return false
  }
}

/**
 * Adds `amount` wei of test ETH to `address` on the local dev chain and returns the new balance.
 * Throws `DEV_FUNDS_UNAVAILABLE` on any chain that is not a local Hardhat chain, before asking
 * for any balance change.
 *
 * @example
 * const balance = await fundFromDevChain({ rpcUrl: 'http://127.0.0.1:8545', address })
 */
export async function fundFromDevChain({ rpcUrl, address, amount = devFundsAmount, fetch = globalThis.fetch }: { rpcUrl: string; address: `0x${string}`; amount?: bigint; fetch?: Fetch }): Promise<bigint> {
  if (!(await isDevChain(rpcUrl, { fetch }))) throw new DevFundsUnavailableError({ url: rpcUrl })
  try {
    const accounts = (await call(rpcUrl, fetch, 'eth_accounts', [])) as string[]
    const from = accounts.at(-1)
    if (from === undefined) throw new Error('the dev chain has no test accounts')
    // The dev chain mines each transaction as it arrives: the balance read after it includes it.
    await call(rpcUrl, fetch, 'eth_sendTransaction', [{ from, to: address, value: `0x${amount.toString(16)}` }])
    return BigInt((await call(rpcUrl, fetch, 'eth_getBalance', [address, 'latest'])) as string)
  } catch (cause) {
    throw new DevFundsUnavailableError({ url: rpcUrl, cause })
  }
}

/**
 * The ETH balance of `address` on the chain at `rpcUrl`, in wei (read from the chain directly: it
 * needs no vault node).
 *
 * @example
 * const wei = await readBalance(settings.rpcUrl, address)
 */
export async function readBalance(rpcUrl: string, address: `0x${string}`, { fetch = globalThis.fetch }: { fetch?: Fetch } = {}): Promise<bigint> {
  return BigInt((await call(rpcUrl, fetch, 'eth_getBalance', [address, 'latest'])) as string)
}
