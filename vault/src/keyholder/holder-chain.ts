import { type Address, type PublicClient } from 'viem'
import { type OceanAddresses, erc20TemplateAbi, erc721FactoryAbi, erc721TemplateAbi, keyHolderRegistryAbi, verifyOrder } from '@datavault/contracts'
import { ChainUnavailableError } from '../chain/chain.ts'
import { ConfigError } from '../config.ts'
import type { DatasetChainState, KeyHolderChain } from './key-holder.ts'
import { poolReader } from '../pools/pool-chain.ts'

const states: DatasetChainState[] = ['active', 'unpublished', 'revoked']

/** The registry's record of a key holder. */
export type RegisteredKeyHolder = { address: Address; encryptionKey: `0x${string}`; url: string; active: boolean }

/** What holders and the engine read from the chain: the KeyHolderRegistry, Ocean's factory and orders. */
export type KeyRegistryReader = KeyHolderChain & {
  keyHolder(address: Address): Promise<RegisteredKeyHolder>
  computeNodeUrl(address: Address): Promise<{ url: string; active: boolean }>
}

/** Reads the KeyHolderRegistry named in the addresses file; a missing one is a start-up error. */
export function keyRegistryReader({ client, chainId, addresses }: { client: PublicClient; chainId: number; addresses: OceanAddresses }): KeyRegistryReader {
  const registry = addresses.KeyHolderRegistry
  if (!registry) throw new ConfigError('The addresses file names no KeyHolderRegistry; deploy it (`datavault-deploy-ocean`) to use key holders.')
  const read = async <T>(doing: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (cause) {
      throw new ChainUnavailableError(doing, cause)
    }
  }
  return {
    chainId,
    registry,
    pools: poolReader({ client }),
    datasetState: (datatoken) =>
      read('reading the dataset\'s state', async () => states[await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'datasetState', args: [datatoken] })] ?? 'revoked'),
    isComputeNode: (node) =>
      read('reading the compute node registry', async () => (await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'computeNode', args: [node] }))[1]),
    computeNodeUrl: (node) =>
      read('reading the compute node registry', async () => {
        const [url, active] = await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'computeNode', args: [node] })
        return { url, active }
      }),
    keyHolder: (address) =>
      read('reading the key holder registry', async () => {
        const [encryptionKey, url, active] = await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'keyHolder', args: [address] })
        return { address: address.toLowerCase() as Address, encryptionKey, url, active }
      }),
    datatokenOwner: (datatoken) =>
      read('reading the datatoken\'s owner', async () => {
        const created = await client.readContract({ address: addresses.ERC721Factory, abi: erc721FactoryAbi, functionName: 'erc20List', args: [datatoken] })
        if (!created) return undefined
        const nft = await client.readContract({ address: datatoken, abi: erc20TemplateAbi, functionName: 'getERC721Address' })
        return client.readContract({ address: nft, abi: erc721TemplateAbi, functionName: 'ownerOf', args: [1n] })
      }),
    verifyOrder: ({ txHash, datatoken, consumer, providerFeeAddress }) => verifyOrder(client, { txHash, datatoken, consumer, providerFeeAddress }),
  }
}
