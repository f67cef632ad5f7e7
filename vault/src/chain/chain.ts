import { type Address, type Hex, type PublicClient, createPublicClient, http } from 'viem'
import { DataVaultError, rpcChain } from '@datavault/sdk'
import { type OceanAddresses, erc20TemplateAbi, erc721FactoryAbi, erc721TemplateAbi, verifyOrder } from '@datavault/contracts'
import { readOceanAddressesFile } from '@datavault/contracts/addresses-file'

/** What the node reads from the chain. */
export type Chain = {
  client: PublicClient
  addresses: OceanAddresses
  /** Checks a `startOrder` transaction pays for this datatoken, by this consumer, to this node. */
  verifyOrder(params: { txHash: Hex; datatoken: Address; consumer: Address }): ReturnType<typeof verifyOrder>
  /**
   * The owner of a datatoken's data NFT, or `undefined` when the address is not a datatoken that
   * the deployment's ERC721Factory created (so a look-alike contract is never taken for one).
   * Throws `ChainUnavailableError` when the chain cannot be asked.
   */
  datatokenOwner(datatoken: Address): Promise<Address | undefined>
}

/** The chain could not be reached or answered something unexpected. */
export class ChainUnavailableError extends DataVaultError {
  override name = 'ChainUnavailableError'
  constructor(doing: string, cause: unknown) {
    super(`The chain could not be reached while ${doing}.`, { code: 'CHAIN_UNAVAILABLE', status: 503, expose: true, cause })
  }
}

/** Connects to the chain over JSON-RPC and loads the Ocean contracts' addresses. */
export async function connectChain({
  rpcUrl,
  chainId,
  addressesFile,
  node,
}: {
  rpcUrl: string
  chainId: number
  addressesFile: string
  /** The node's own address: orders must carry its provider fee. */
  node: Address
}): Promise<Chain> {
  const addresses = await readOceanAddressesFile(addressesFile, chainId)
  const chain = rpcChain({ chainId, rpcUrl })
  const client = createPublicClient({ chain, transport: http(rpcUrl, { retryCount: 2 }), pollingInterval: 250 }) as PublicClient
  const actual = await client.getChainId().catch((cause: unknown) => {
    throw new ChainUnavailableError('starting', cause)
  })
  if (actual !== chainId)
    throw new DataVaultError(`The RPC endpoint serves chain ${actual}, not ${chainId}.`, { code: 'CHAIN_ID_MISMATCH' })

  return {
    client,
    addresses,
    verifyOrder: ({ txHash, datatoken, consumer }) =>
      verifyOrder(client, { txHash, datatoken, consumer, providerFeeAddress: node }),
    async datatokenOwner(datatoken) {
      try {
        const created = await client.readContract({
          address: addresses.ERC721Factory,
          abi: erc721FactoryAbi,
          functionName: 'erc20List',
          args: [datatoken],
        })
        if (!created) return undefined
        const nft = await client.readContract({ address: datatoken, abi: erc20TemplateAbi, functionName: 'getERC721Address' })
        return await client.readContract({ address: nft, abi: erc721TemplateAbi, functionName: 'ownerOf', args: [1n] })
      } catch (cause) {
        throw new ChainUnavailableError('reading the datatoken\'s owner', cause)
      }
    },
  }
}
