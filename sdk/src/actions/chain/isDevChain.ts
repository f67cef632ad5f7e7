import type { Chain, Client, Transport } from 'viem'

export type IsDevChainReturnType = boolean
/** Never throws: a chain that does not answer is not a dev chain. */
export type IsDevChainErrorType = never

/**
 * Whether the client's chain is a local dev chain: Hardhat's simulated chain (what
 * `datavault dev` runs), which answers `hardhat_metadata`. False for any real chain, and for one
 * that does not answer. Only such a chain can give test ETH ({@link fundFromDevChain}).
 *
 * @example
 * if (await isDevChain(publicClient)) showTestFundsButton()
 */
export async function isDevChain(client: Client<Transport, Chain | undefined>): Promise<IsDevChainReturnType> {
  try {
    // Hardhat's own method is not in viem's typed RPC schema.
    const request = client.request as unknown as (args: { method: string; params: unknown[] }) => Promise<unknown>
    const metadata = (await request({ method: 'hardhat_metadata', params: [] })) as { chainId?: unknown } | null
    return typeof metadata === 'object' && metadata !== null && typeof metadata.chainId === 'number'
  } catch {
    return false
  }
}
