// KeyHolderRegistry against the real chain: holders and compute nodes register themselves, and
// only the owner of a datatoken's data NFT sets its dataset's state.
import { BaseError, ContractFunctionRevertedError, createPublicClient, createWalletClient, http, parseEventLogs, type PublicClient, zeroAddress } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { erc721FactoryAbi } from '@datavault/contracts/abis'
import { keyHolderRegistryAbi } from '@datavault/contracts/abis'
import { deployOcean } from './deploy-ocean.ts'
import { type LocalChain, startLocalChain } from './local-chain.ts'

let chain: LocalChain
let client: PublicClient
let registry: `0x${string}`
let owner: PrivateKeyAccount
let holder: PrivateKeyAccount
let stranger: PrivateKeyAccount
let datatoken: `0x${string}`
const key = `0x${'ab'.repeat(32)}` as const

const send = async (account: PrivateKeyAccount, functionName: string, args: readonly unknown[]) => {
  const wallet = createWalletClient({ account, transport: http(chain.rpcUrl) })
  const hash = await wallet.writeContract({ address: registry, abi: keyHolderRegistryAbi, functionName, args, chain: null } as never)
  return client.waitForTransactionReceipt({ hash })
}

const revertName = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((cause) => cause instanceof ContractFunctionRevertedError) : undefined
    return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : String(error)
  }
  return 'no revert'
}

beforeAll(async () => {
  chain = await startLocalChain()
  client = createPublicClient({ transport: http(chain.rpcUrl) })
  const deployer = privateKeyToAccount(chain.accounts[0]!.privateKey)
  owner = privateKeyToAccount(chain.accounts[1]!.privateKey)
  holder = privateKeyToAccount(chain.accounts[2]!.privateKey)
  stranger = privateKeyToAccount(chain.accounts[3]!.privateKey)
  const { addresses } = await deployOcean(createWalletClient({ account: deployer, transport: http(chain.rpcUrl) }))
  registry = addresses.KeyHolderRegistry!
  const wallet = createWalletClient({ account: owner, transport: http(chain.rpcUrl) })
  const created = await client.waitForTransactionReceipt({
    hash: await wallet.writeContract({
      address: addresses.ERC721Factory,
      abi: erc721FactoryAbi,
      functionName: 'createNftWithErc20',
      args: [
        { name: 'Data', symbol: 'DATA', templateIndex: 1n, tokenURI: '', transferable: true, owner: owner.address },
        { templateIndex: 1n, strings: ['Data access', 'DT'], addresses: [owner.address, owner.address, zeroAddress, zeroAddress], uints: [10n ** 24n, 0n], bytess: [] },
      ],
      chain: null,
    }),
  })
  datatoken = parseEventLogs({ abi: erc721FactoryAbi, eventName: 'TokenCreated', logs: created.logs })[0]!.args.newTokenAddress
})

afterAll(async () => {
  await chain?.stop()
})

const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName, args } as never) as Promise<T>

describe('KeyHolderRegistry', () => {
  test('default: deployed beside the Ocean contracts, empty', async () => {
    expect(await read<string[]>('keyHolders')).toEqual([])
    expect(await read<number>('datasetState', [datatoken])).toBe(0)
  })

  test('behavior: a holder registers, updates its URL once listed, and withdraws', async () => {
    await send(holder, 'registerKeyHolder', [key, 'http://127.0.0.1:9001'])
    await send(holder, 'registerKeyHolder', [key, 'http://127.0.0.1:9002'])
    expect(await read<string[]>('keyHolders')).toEqual([holder.address])
    expect(await read('keyHolder', [holder.address])).toEqual([key, 'http://127.0.0.1:9002', true])
    await send(holder, 'removeKeyHolder', [])
    expect(await read('keyHolder', [holder.address])).toEqual([key, 'http://127.0.0.1:9002', false])
  })

  test('error: an empty key, an empty URL, withdrawing unregistered', async () => {
    expect(await revertName(send(stranger, 'registerKeyHolder', [`0x${'00'.repeat(32)}`, 'http://x']))).toBe('EmptyEncryptionKey')
    expect(await revertName(send(stranger, 'registerKeyHolder', [key, '']))).toBe('InvalidUrl')
    expect(await revertName(send(stranger, 'removeKeyHolder', []))).toBe('NotRegistered')
    expect(await revertName(send(stranger, 'removeComputeNode', []))).toBe('NotRegistered')
  })

  test('behavior: a compute node registers and withdraws', async () => {
    await send(holder, 'registerComputeNode', ['http://127.0.0.1:8700'])
    expect(await read('computeNode', [holder.address])).toEqual(['http://127.0.0.1:8700', true])
    await send(holder, 'removeComputeNode', [])
    expect(await read('computeNode', [holder.address])).toEqual(['http://127.0.0.1:8700', false])
  })

  test('behavior: the data NFT owner unpublishes, revokes and re-activates', async () => {
    const receipt = await send(owner, 'setDatasetState', [datatoken, 2])
    const [event] = parseEventLogs({ abi: keyHolderRegistryAbi, eventName: 'DatasetStateChanged', logs: receipt.logs })
    expect(event?.args).toMatchObject({ datatoken, state: 2, owner: owner.address })
    expect(await read<number>('datasetState', [datatoken])).toBe(2)
    await send(owner, 'setDatasetState', [datatoken, 1])
    expect(await read<number>('datasetState', [datatoken])).toBe(1)
    await send(owner, 'setDatasetState', [datatoken, 0])
    expect(await read<number>('datasetState', [datatoken])).toBe(0)
  })

  test('error: anyone else, or an address that is no datatoken, cannot set a state', async () => {
    expect(await revertName(send(stranger, 'setDatasetState', [datatoken, 2]))).toBe('NotDatasetOwner')
    expect(await revertName(send(stranger, 'setDatasetState', [stranger.address, 2]))).toBe('NotDatasetOwner')
    expect(await read<number>('datasetState', [datatoken])).toBe(0)
  })
})
