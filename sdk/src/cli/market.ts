// How a dataset's datatoken is sold (fixed rate or dispenser), buying one, and ordering one job.
// The SDK's chain actions do the transactions; this only picks which and reads the price.
// (To be replaced by the SDK's `getDatatokenPrice` / `buyAccess` / `orderDataset` once they land.)
import { type Address, type Chain, type Client, type Hash, type Hex, type Transport, erc20Abi, formatUnits, isAddressEqual } from 'viem'
import { readContract } from 'viem/actions'
import type { OceanAddresses } from '@datavault/contracts/addresses'
import { dispenserAbi, erc20TemplateAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { getProviderFee } from '../api/actions/getProviderFee.ts'
import type { VaultClient } from '../api/transport.ts'
import { buyDatatoken } from '../chain/buyDatatoken.ts'
import { ChainTransactionError } from '../chain/errors.ts'
import { getTokenBalance } from '../chain/getTokenBalance.ts'
import { startOrder } from '../chain/startOrder.ts'
import type { AccountClient } from '../chain/transact.ts'
import { CliNotFoundError } from './errors.ts'

/** One datatoken, in wei (18 decimals): what an order spends. */
export const oneDatatoken = 10n ** 18n

/** How a datatoken is sold right now. */
export type Sale =
  | {
      type: 'fixed-rate'
      exchangeId: Hex
      baseToken: Address
      baseTokenSymbol: string
      baseTokenDecimals: number
      /** Price of one datatoken before fees, in whole base tokens (decimal text). */
      price: string
      /** What one datatoken costs with fees, in the base token's smallest units. */
      cost: bigint
    }
  | { type: 'free' }
  | { type: 'not-for-sale' }

type ReadClient = Client<Transport, Chain | undefined>

const read = <T>(action: string, promise: Promise<T>) =>
  promise.catch((error: unknown) => {
    throw ChainTransactionError.from(action, error)
  })

/** Reads how `datatoken` is sold on this chain's FixedRateExchange or Dispenser. */
export async function readSale(client: ReadClient, addresses: Pick<OceanAddresses, 'FixedPrice' | 'Dispenser'>, datatoken: Address): Promise<Sale> {
  const [fixedRates, dispensers] = await Promise.all([
    read('getFixedRates', readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getFixedRates' })),
    read('getDispensers', readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getDispensers' })),
  ])
  for (const rate of fixedRates) {
    if (!isAddressEqual(rate.contractAddress, addresses.FixedPrice)) continue
    const [, , , baseToken, btDecimals, fixedRate, active] = await read(
      'getExchange',
      readContract(client, { address: addresses.FixedPrice, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [rate.id] }),
    )
    if (!active) continue
    const [[cost], symbol] = await Promise.all([
      read('calcBaseInGivenOutDT', readContract(client, { address: addresses.FixedPrice, abi: fixedRateExchangeAbi, functionName: 'calcBaseInGivenOutDT', args: [rate.id, oneDatatoken, 0n] })),
      read('symbol', readContract(client, { address: baseToken, abi: erc20Abi, functionName: 'symbol' })),
    ])
    return { type: 'fixed-rate', exchangeId: rate.id, baseToken, baseTokenSymbol: symbol, baseTokenDecimals: Number(btDecimals), price: formatUnits(fixedRate, 18), cost }
  }
  for (const dispenser of dispensers) {
    if (!isAddressEqual(dispenser, addresses.Dispenser)) continue
    const [active] = await read('status', readContract(client, { address: addresses.Dispenser, abi: dispenserAbi, functionName: 'status', args: [datatoken] }))
    if (active) return { type: 'free' }
  }
  return { type: 'not-for-sale' }
}

/** A sale in words: `5 OCEAN (5.005 with fees)`, `free`, `not for sale`. */
export function describeSale(sale: Sale): string {
  if (sale.type === 'free') return 'free (dispenser)'
  if (sale.type === 'not-for-sale') return 'not for sale'
  const cost = formatUnits(sale.cost, sale.baseTokenDecimals)
  return cost === sale.price ? `${sale.price} ${sale.baseTokenSymbol}` : `${sale.price} ${sale.baseTokenSymbol} (${cost} with fees)`
}

/** A sale as JSON (bigints as decimal text). */
export function saleJson(sale: Sale): Record<string, unknown> {
  if (sale.type !== 'fixed-rate') return { type: sale.type }
  return { type: sale.type, price: sale.price, cost: formatUnits(sale.cost, sale.baseTokenDecimals), baseToken: sale.baseToken, symbol: sale.baseTokenSymbol, exchangeId: sale.exchangeId }
}

/** Buys one datatoken, from the exchange or the dispenser. Not for sale: `NOT_FOR_SALE` (exit 4). */
export async function buyOne(wallet: AccountClient, addresses: Pick<OceanAddresses, 'FixedPrice' | 'Dispenser'>, datatoken: Address, sale: Sale): Promise<{ txHash: Hash; paid: string }> {
  if (sale.type === 'not-for-sale') throw new CliNotFoundError(`The datatoken ${datatoken} is not for sale (no active exchange or dispenser).`, { code: 'NOT_FOR_SALE' })
  if (sale.type === 'free') {
    const { txHash } = await buyDatatoken(wallet, { addresses, datatoken, dispenser: true, amount: oneDatatoken })
    return { txHash, paid: '0' }
  }
  const { txHash, baseTokenAmount } = await buyDatatoken(wallet, { addresses, datatoken, exchangeId: sale.exchangeId, amount: oneDatatoken })
  return { txHash, paid: `${formatUnits(baseTokenAmount, sale.baseTokenDecimals)} ${sale.baseTokenSymbol}` }
}

/** The account's datatoken balance, in wei. */
export function datatokenBalance(client: ReadClient, datatoken: Address, owner: Address): Promise<bigint> {
  return getTokenBalance(client, { token: datatoken, owner })
}

/** Starts an order of one job: the node's signed provider fee, then `startOrder` (spends one datatoken). */
export async function orderOne(wallet: AccountClient, vault: VaultClient, datatoken: Address): Promise<Hash> {
  const consumer = wallet.account.address
  const providerFee = await getProviderFee(vault, { dataset: datatoken, consumer })
  const { txHash } = await startOrder(wallet, { datatoken, consumer, providerFee })
  return txHash
}
