import { type Address, type PublicClient } from 'viem'
import { type OceanAddresses, erc20TemplateAbi, erc721FactoryAbi, erc721TemplateAbi, keyHolderRegistryAbi, verifyOrder } from '@datavault/contracts'
import { ChainUnavailableError } from '../chain/chain.ts'
import { ConfigError } from '../config.ts'
import type { DatasetChainState, KeyHolderChain } from './key-holder.ts'
import { poolReader } from '../pools/pool-chain.ts'
import { blockCache } from './block-cache.ts'

const states: DatasetChainState[] = ['active', 'unpublished', 'revoked']

/** The registry's record of a key holder. */
export type RegisteredKeyHolder = { address: Address; encryptionKey: `0x${string}`; url: string; active: boolean }

/** What holders and the engine read from the chain: the KeyHolderRegistry, Ocean's factory and orders. */
export type KeyRegistryReader = KeyHolderChain & {
  keyHolder(address: Address): Promise<RegisteredKeyHolder>
  computeNodeUrl(address: Address): Promise<{ url: string; active: boolean }>
}

/**
 * Reads the KeyHolderRegistry named in the addresses file; a missing one is a start-up error.
 * With `cacheByBlock` (a key holder's reader), the reads a release makes (the dataset's state, the
 * compute node's registration, the order) are kept for the block they were read at and reused
 * only while the chain's current block, asked anew each time, is still that one (`blockCache`).
 */
export function keyRegistryReader({
  client,
  chainId,
  addresses,
  cacheByBlock = false,
}: {
  client: PublicClient
  chainId: number
  addresses: OceanAddresses
  cacheByBlock?: boolean
}): KeyRegistryReader {
  const registry = addresses.KeyHolderRegistry
  if (!registry) throw new ConfigError('The addresses file names no KeyHolderRegistry; deploy it (`datavault-deploy-ocean`) to use key holders.')
  const read = async <T>(doing: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (cause) {
      throw new ChainUnavailableError(doing, cause)
    }
  }
  const cache = cacheByBlock
    ? blockCache({ blockNumber: () => read('reading the block number', async () => BigInt(await client.request({ method: 'eth_blockNumber' }))) })
    : undefined
  /** `work` at the current block (cached), or at `latest` without a cache. */
  const atBlock = <T>(key: string, work: (blockNumber: bigint | undefined) => Promise<T>, keep?: (value: T, block: bigint) => boolean) =>
    cache ? cache.read(key, work, keep) : work(undefined)
  return {
    chainId,
    registry,
    pools: poolReader({ client }),
    datasetState: (datatoken) =>
      read('reading the dataset\'s state', () =>
        atBlock(
          `datasetState:${datatoken.toLowerCase()}`,
          async (blockNumber) => states[await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'datasetState', args: [datatoken], blockNumber })] ?? 'revoked',
        ),
      ),
    isComputeNode: (node) =>
      read('reading the compute node registry', () =>
        atBlock(
          `computeNode:${node.toLowerCase()}`,
          async (blockNumber) => (await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'computeNode', args: [node], blockNumber }))[1],
        ),
      ),
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
    // The order's receipt is not read at a given block: a receipt mined after the block number
    // asked is right for this release but not kept for that block.
    verifyOrder: ({ txHash, datatoken, consumer, providerFeeAddress }) =>
      atBlock(
        `order:${[txHash, datatoken, consumer, providerFeeAddress].join(':').toLowerCase()}`,
        () => verifyOrder(client, { txHash, datatoken, consumer, providerFeeAddress }),
        (order, block) => order.blockNumber <= block,
      ),
  }
}
