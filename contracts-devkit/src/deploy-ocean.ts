import type { Abi, Account, Address, Chain, Client, Hash, Hex, TransactionReceipt, Transport } from 'viem'
import { BaseError, getAddress } from 'viem'
import { deployContract, getChainId, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { factoryRouterAbi } from '@datavault/contracts/abis'
import { oceanTokenAbi } from '@datavault/contracts/abis'
import { receiptRegistryAbi, receiptRegistryBytecode } from '@datavault/contracts/abis'
import { keyHolderRegistryAbi, keyHolderRegistryBytecode } from '@datavault/contracts/abis'
import { type OceanAddresses, oceanAddressesKey } from '@datavault/contracts/addresses'
import { DataVaultError } from '@datavault/contracts'
import type { Logger } from '@datavault/contracts'
import { type OceanContractName, readOceanArtifact } from './ocean-artifacts.ts'

/**
 * The pool template FactoryRouter is built with. Ocean's pools are retired and we never create
 * one, but the router's constructor rejects the zero address.
 */
export const unusedPoolTemplate: Address = '0x000000000000000000000000000000000000dEaD'

export type DeployOceanParameters = {
  /** Use this ERC20 as the base token instead of deploying (and minting) an OceanToken. */
  oceanToken?: Address | undefined
  /** How much freshly deployed OceanToken to mint to the deployer; defaults to 1e24 (1 000 000 OCEAN). */
  mintAmount?: bigint | undefined
  /** Also deploy our ReceiptRegistry and KeyHolderRegistry (default true). */
  receiptRegistry?: boolean | undefined
  logger?: Logger | undefined
}

export type DeployOceanReturnType = {
  chainId: number
  /** Where the entry goes in an addresses file: `development` for 8996, else the chain id. */
  key: string
  addresses: OceanAddresses
  /** Gas used per step (deployments and router registrations), for reports. */
  gasUsed: Record<string, bigint>
  durationMs: number
}

/** A deployment or registration transaction failed; `details` names the step. */
export class OceanDeployError extends DataVaultError {
  override name = 'OceanDeployError'
  constructor(step: string, cause: unknown) {
    const reason = cause instanceof BaseError ? cause.shortMessage : cause instanceof Error ? cause.message : String(cause)
    super('Deploying the Ocean contracts failed.', { code: 'OCEAN_DEPLOY_FAILED', status: 500, details: `${step}: ${reason}`, cause })
  }
}

type DeployClient = Client<Transport, Chain | undefined, Account>

/**
 * Deploys Ocean's datatoken stack from the `@oceanprotocol/contracts` artifacts (OceanToken,
 * OPFCommunityFeeCollector, FactoryRouter, FixedRateExchange, ERC20Template, ERC721Template,
 * Dispenser, ERC721Factory), registers the factory, the fixed-rate exchange and the dispenser with
 * the router, and deploys our ReceiptRegistry and KeyHolderRegistry. Works on any chain the client reaches; the
 * client's account (owner of everything) pays. Node only (reads the artifacts from disk).
 *
 * @example
 * const client = createWalletClient({ account: privateKeyToAccount(key), transport: http(rpcUrl) })
 * const { addresses } = await deployOcean(client)
 * await writeOceanAddressesFile('addresses.json', addresses)
 */
export async function deployOcean(client: DeployClient, parameters: DeployOceanParameters = {}): Promise<DeployOceanReturnType> {
  const { oceanToken, mintAmount = 10n ** 24n, receiptRegistry = true, logger } = parameters
  const startedAt = performance.now()
  const owner = client.account.address
  const chain = client.chain ?? null
  let chainId: number
  try {
    chainId = client.chain?.id ?? (await getChainId(client))
  } catch (error) {
    throw new OceanDeployError('eth_chainId', error)
  }
  const gasUsed: Record<string, bigint> = {}
  let startBlock: bigint | undefined

  const confirm = async (step: string, hash: Hash): Promise<TransactionReceipt> => {
    const receipt = await waitForTransactionReceipt(client, { hash })
    if (receipt.status !== 'success') throw new OceanDeployError(step, new Error(`transaction ${hash} reverted`))
    gasUsed[step] = receipt.gasUsed
    startBlock ??= receipt.blockNumber
    return receipt
  }

  const deploy = async (step: string, abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> => {
    try {
      const hash = await deployContract(client, { abi, bytecode, args, chain, account: client.account })
      const receipt = await confirm(step, hash)
      if (!receipt.contractAddress) throw new Error(`transaction ${hash} created no contract`)
      const address = getAddress(receipt.contractAddress)
      logger?.info({ step, address, gasUsed: receipt.gasUsed.toString() }, 'deployed')
      return address
    } catch (error) {
      throw error instanceof OceanDeployError ? error : new OceanDeployError(step, error)
    }
  }

  const deployOceanContract = (name: OceanContractName, args: readonly unknown[]) => {
    const { abi, bytecode } = readOceanArtifact(name)
    return deploy(name, abi, bytecode, args)
  }

  const transact = async (step: string, send: () => Promise<Hash>): Promise<void> => {
    try {
      await confirm(step, await send())
      logger?.info({ step }, 'done')
    } catch (error) {
      throw error instanceof OceanDeployError ? error : new OceanDeployError(step, error)
    }
  }

  let ocean: Address
  if (oceanToken) {
    ocean = oceanToken
  } else {
    ocean = await deployOceanContract('OceanToken', [owner])
    await transact('OceanToken.mint', () =>
      writeContract(client, { address: ocean, abi: oceanTokenAbi, functionName: 'mint', args: [owner, mintAmount], chain, account: client.account }),
    )
  }
  const opfCollector = await deployOceanContract('OPFCommunityFeeCollector', [owner, owner])
  const router = await deployOceanContract('FactoryRouter', [owner, ocean, unusedPoolTemplate, opfCollector, []])
  const fixedRate = await deployOceanContract('FixedRateExchange', [router])
  const erc20Template = await deployOceanContract('ERC20Template', [])
  const erc721Template = await deployOceanContract('ERC721Template', [])
  const dispenser = await deployOceanContract('Dispenser', [router])
  const factory = await deployOceanContract('ERC721Factory', [erc721Template, erc20Template, router])

  const register = (functionName: 'addFactory' | 'addFixedRateContract' | 'addDispenserContract', target: Address) =>
    transact(`FactoryRouter.${functionName}`, () =>
      writeContract(client, { address: router, abi: factoryRouterAbi, functionName, args: [target], chain, account: client.account }),
    )
  await register('addFactory', factory)
  await register('addFixedRateContract', fixedRate)
  await register('addDispenserContract', dispenser)

  const registry = receiptRegistry ? await deploy('ReceiptRegistry', receiptRegistryAbi, receiptRegistryBytecode, []) : undefined
  const keyHolders = receiptRegistry ? await deploy('KeyHolderRegistry', keyHolderRegistryAbi, keyHolderRegistryBytecode, []) : undefined

  const addresses: OceanAddresses = {
    chainId,
    Ocean: ocean,
    OPFCommunityFeeCollector: opfCollector,
    startBlock: Number(startBlock ?? 0n),
    poolTemplate: unusedPoolTemplate,
    Router: router,
    FixedPrice: fixedRate,
    ERC20Template: { '1': erc20Template },
    ERC721Template: { '1': erc721Template },
    Dispenser: dispenser,
    ERC721Factory: factory,
    ...(registry ? { ReceiptRegistry: registry } : {}),
    ...(keyHolders ? { KeyHolderRegistry: keyHolders } : {}),
  }
  const durationMs = Math.round(performance.now() - startedAt)
  logger?.info({ chainId, durationMs }, 'Ocean contracts deployed')
  return { chainId, key: oceanAddressesKey(chainId), addresses, gasUsed, durationMs }
}
