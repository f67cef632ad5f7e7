import { type Address, getAddress, isAddress } from 'viem'
import { oneDatatoken } from '@datavault/contracts'
import { KeyReleaseError } from '../key-service.ts'

/**
 * EVM chains Lit Protocol evaluates conditions on, by chain id, under the name Lit's nodes expect
 * (`LIT_CHAINS` in `@lit-protocol/constants`, the `chain` enum of `@lit-protocol/accs-schemas`).
 * A chosen subset: Lit's own table gives some ids two names (42161 is also `hushedNorthstar`), and
 * a condition on the wrong name would read another chain. The tests check every entry against
 * Lit's table and schemas.
 */
export const litChains: Readonly<Record<number, string>> = Object.freeze({
  1: 'ethereum',
  11155111: 'sepolia',
  17000: 'holeskyTestnet',
  10: 'optimism',
  137: 'polygon',
  80002: 'amoy',
  42161: 'arbitrum',
  421614: 'arbitrumSepolia',
  8453: 'base',
  84532: 'baseSepolia',
  56: 'bsc',
  97: 'bscTestnet',
  100: 'xdai',
  10200: 'chiado',
  43114: 'avalanche',
  43113: 'fuji',
  1101: 'zkEvm',
  324: 'zksync',
  59141: 'lineaSepolia',
  534352: 'scroll',
  534351: 'scrollSepolia',
  42220: 'celo',
  44787: 'alfajores',
  5000: 'mantle',
  314: 'filecoin',
  314159: 'filecoinCalibrationTestnet',
  250: 'fantom',
  1284: 'moonbeam',
  1285: 'moonriver',
  175188: 'yellowstone',
})

/**
 * Lit's name for an EVM chain id. Throws `KeyReleaseError` `LIT_CHAIN_UNSUPPORTED` for a chain
 * Lit's nodes cannot read (Ocean's local development chain 8996 among them).
 */
export function litChainName(chainId: number): string {
  const name = Object.hasOwn(litChains, chainId) ? litChains[chainId] : undefined
  if (name === undefined)
    throw new KeyReleaseError(
      `Lit Protocol cannot evaluate conditions on chain ${chainId}; the Lit key backend needs a chain Lit's nodes read (e.g. 1 ethereum, 137 polygon, 11155111 sepolia).`,
      { code: 'LIT_CHAIN_UNSUPPORTED', status: 400 },
    )
  return name
}

/** The `evmContract` condition: the caller holds at least `minimum` of the datatoken. */
export type DatatokenBalanceCondition = {
  conditionType: 'evmContract'
  contractAddress: Address
  chain: string
  functionName: 'balanceOf'
  functionParams: [':userAddress']
  functionAbi: {
    type: 'function'
    name: 'balanceOf'
    stateMutability: 'view'
    inputs: [{ name: 'account'; type: 'address'; internalType: 'address' }]
    outputs: [{ name: ''; type: 'uint256'; internalType: 'uint256' }]
  }
  returnValueTest: { key: ''; comparator: '>='; value: string }
}

/** The `evmBasic` condition: the caller is this wallet. */
export type WalletCondition = {
  conditionType: 'evmBasic'
  contractAddress: ''
  standardContractType: ''
  chain: string
  method: ''
  parameters: [':userAddress']
  returnValueTest: { comparator: '='; value: Address }
}

/**
 * The unified access control conditions a dataset's data key is encrypted under with Lit:
 * the wallet that asks (`:userAddress`, proven by its session signatures) holds at least
 * `minimum` of the dataset's datatoken, **and** is the compute node. See
 * `docs/key-backends.md#lit-protocol` for why the node, not the buyer, is the one named.
 */
export type DatatokenAccessConditions = [DatatokenBalanceCondition, { operator: 'and' }, WalletCondition]

/** What {@link datatokenAccessConditions} needs. */
export type DatatokenAccessConditionsParameters = {
  /** The dataset's datatoken (ERC-20, 18 decimals). */
  datatoken: string
  /** The chain the datatoken lives on, as an EVM chain id. */
  chainId: number
  /** The compute node's wallet: the only caller the conditions let decrypt. */
  node: string
  /** Least balance, in the datatoken's smallest unit; one datatoken (`10n ** 18n`) by default. */
  minimum?: bigint | undefined
}

const checkedAddress = (value: string, what: string): Address => {
  if (typeof value !== 'string' || !isAddress(value, { strict: false }))
    throw new KeyReleaseError(`The ${what} is not an EVM address.`, { code: 'LIT_ARGUMENT_INVALID', status: 400 })
  const address = getAddress(value)
  if (/^0x0{40}$/.test(address)) throw new KeyReleaseError(`The ${what} is the zero address.`, { code: 'LIT_ARGUMENT_INVALID', status: 400 })
  return address
}

/**
 * Builds the exact unified access control conditions (the JSON Lit's nodes evaluate) that gate a
 * dataset's data key: `balanceOf(:userAddress) >= minimum` on the datatoken, and `:userAddress`
 * is the compute node. Addresses come out checksummed (SIWE, which Lit authenticates callers
 * with, carries checksummed addresses). Pure; the owner's client and the node build the same
 * value, so the node can refuse an escrow gated on anything else.
 *
 * @example
 * const conditions = datatokenAccessConditions({ datatoken, chainId: 137, node: nodeAddress })
 */
export function datatokenAccessConditions({ datatoken, chainId, node, minimum = oneDatatoken }: DatatokenAccessConditionsParameters): DatatokenAccessConditions {
  const chain = litChainName(chainId)
  const contractAddress = checkedAddress(datatoken, 'datatoken')
  const nodeAddress = checkedAddress(node, 'compute node\'s address')
  if (typeof minimum !== 'bigint' || minimum <= 0n)
    throw new KeyReleaseError('The least datatoken balance must be a positive integer (wei).', { code: 'LIT_ARGUMENT_INVALID', status: 400 })
  return [
    {
      conditionType: 'evmContract',
      contractAddress,
      chain,
      functionName: 'balanceOf',
      functionParams: [':userAddress'],
      functionAbi: {
        type: 'function',
        name: 'balanceOf',
        stateMutability: 'view',
        inputs: [{ name: 'account', type: 'address', internalType: 'address' }],
        outputs: [{ name: '', type: 'uint256', internalType: 'uint256' }],
      },
      returnValueTest: { key: '', comparator: '>=', value: minimum.toString() },
    },
    { operator: 'and' },
    {
      conditionType: 'evmBasic',
      contractAddress: '',
      standardContractType: '',
      chain,
      method: '',
      parameters: [':userAddress'],
      returnValueTest: { comparator: '=', value: nodeAddress },
    },
  ]
}
