import { type Chain, defineChain } from 'viem'

export type RpcChainParameters = {
  chainId: number
  rpcUrl: string
  /** Shown in viem's messages; defaults to `chain <id>`. */
  name?: string
}

/**
 * A viem chain for any EVM JSON-RPC endpoint (the local dev chain, a private network) that viem
 * does not know by name. Native currency is taken as 18-decimal ETH.
 *
 * @example
 * const chain = rpcChain({ chainId: 8996, rpcUrl: 'http://127.0.0.1:8545' })
 * const wallet = createWalletClient({ account, chain, transport: http(chain.rpcUrls.default.http[0]) })
 */
export function rpcChain({ chainId, rpcUrl, name = `chain ${chainId}` }: RpcChainParameters): Chain {
  return defineChain({
    id: chainId,
    name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
}
