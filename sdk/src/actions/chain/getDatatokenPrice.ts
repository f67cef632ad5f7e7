import type { Address, Chain, Client, Hex, Transport } from 'viem'
import { erc20Abi, zeroAddress } from 'viem'
import { readContract } from 'viem/actions'
import { dispenserAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { readDatatokenSaleChannels } from '../../chain/datatoken-sales.ts'
import { ChainReadError, type ChainTransactionError } from '../../chain/errors.ts'

/** A datatoken sold for base tokens by a FixedRateExchange. */
export type FixedRatePrice = {
  type: 'fixed-rate'
  /** The FixedRateExchange contract. */
  exchange: Address
  exchangeId: Hex
  baseToken: Address
  baseTokenSymbol: string
  baseTokenDecimals: number
  /** Base token per whole datatoken, scaled by 1e18, before fees. */
  rate: bigint
  /** Base token (smallest units) a buyer pays for `datatokens`, fees included: what `buyAccess` spends. */
  amount: bigint
  /** Datatokens the quote is for (1e18 = one order). */
  datatokens: bigint
  /** Of `amount`: Ocean's community fee and the publishing market's fee. */
  fees: { ocean: bigint; market: bigint }
  /** Only this address may buy; `undefined` when anyone may. */
  allowedSwapper: Address | undefined
}

/** A datatoken given away by Ocean's Dispenser. */
export type FreePrice = {
  type: 'free'
  /** The Dispenser contract. */
  dispenser: Address
  /** Most datatokens one request takes, and most one wallet may hold. */
  maxTokens: bigint
  maxBalance: bigint
  allowedSwapper: Address | undefined
}

/** How a datatoken can be had, as the chain says now. */
export type DatatokenPrice = FixedRatePrice | FreePrice | { type: 'not-for-sale' }

export type GetDatatokenPriceParameters = {
  datatoken: Address
  /** Datatokens to quote (wei, 18 decimals); one order spends 1e18, the default. */
  datatokens?: bigint | undefined
}
export type GetDatatokenPriceReturnType = DatatokenPrice
export type GetDatatokenPriceErrorType = ChainReadError | ChainTransactionError

/**
 * Reads how a datatoken is sold from the chain alone: its first active FixedRateExchange (with a
 * quote that includes every fee), else its active Dispenser (free), else `not-for-sale`. No
 * contract addresses are needed: the datatoken lists its exchanges and dispensers itself.
 *
 * @example
 * const price = await getDatatokenPrice(publicClient, { datatoken })
 * if (price.type === 'fixed-rate') console.log(formatUnits(price.amount, price.baseTokenDecimals), price.baseTokenSymbol)
 */
export async function getDatatokenPrice(
  client: Client<Transport, Chain | undefined>,
  { datatoken, datatokens = 10n ** 18n }: GetDatatokenPriceParameters,
): Promise<GetDatatokenPriceReturnType> {
  const doing = `reading the price of ${datatoken}`
  const read = <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      throw ChainReadError.from(doing, error)
    })
  const [fixedRates, dispensers] = await readDatatokenSaleChannels(client, datatoken, read)
  for (const { contractAddress: exchange, id: exchangeId } of fixedRates) {
    const [, , , baseToken, btDecimals, rate, active, , , , , withMint] = await read(
      readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] }),
    )
    if (!active) continue
    if (!withMint) {
      // Without minting, the exchange sells only what the publisher deposited.
      const supply = await read(readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getDTSupply', args: [exchangeId] }))
      if (supply < datatokens) continue
    }
    const [[amount, oceanFee, marketFee], swapper, symbol] = await Promise.all([
      read(readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'calcBaseInGivenOutDT', args: [exchangeId, datatokens, 0n] })),
      read(readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getAllowedSwapper', args: [exchangeId] })),
      read(readContract(client, { address: baseToken, abi: erc20Abi, functionName: 'symbol' })),
    ])
    return {
      type: 'fixed-rate',
      exchange,
      exchangeId,
      baseToken,
      baseTokenSymbol: symbol,
      baseTokenDecimals: Number(btDecimals),
      rate,
      amount,
      datatokens,
      fees: { ocean: oceanFee, market: marketFee },
      allowedSwapper: swapper === zeroAddress ? undefined : swapper,
    }
  }
  for (const dispenser of dispensers) {
    const [active, , isMinter, maxTokens, maxBalance, balance, allowedSwapper] = await read(
      readContract(client, { address: dispenser, abi: dispenserAbi, functionName: 'status', args: [datatoken] }),
    )
    if (!active || (!isMinter && balance < datatokens)) continue
    return { type: 'free', dispenser, maxTokens, maxBalance, allowedSwapper: allowedSwapper === zeroAddress ? undefined : allowedSwapper }
  }
  return { type: 'not-for-sale' }
}
