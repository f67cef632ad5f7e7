// The chain read directly from the extension (no vault node needed): a viem client for the RPC URL
// in Settings, for the wallet's balance and the SDK's dev-chain actions (isDevChain, fundFromDevChain).
import { type PublicClient, createPublicClient, http } from 'viem'
import { getBalance } from 'viem/actions'

/**
 * A client for the chain at `rpcUrl`: one try per request, 8 s at most (the screens show "unknown"
 * rather than wait).
 *
 * @example
 * if (await isDevChain(chainClient(settings.rpcUrl))) showTestFundsButton()
 */
export function chainClient(rpcUrl: string): PublicClient {
  return createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 8000 }) })
}

/**
 * The ETH balance of `address` on the chain at `rpcUrl`, in wei.
 *
 * @example
 * const wei = await readBalance(settings.rpcUrl, address)
 */
export async function readBalance(rpcUrl: string, address: `0x${string}`): Promise<bigint> {
  return await getBalance(chainClient(rpcUrl), { address })
}
