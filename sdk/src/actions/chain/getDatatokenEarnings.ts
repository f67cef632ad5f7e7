import type { Address, BlockNumber, BlockTag, Chain, Client, Hex, Transport } from 'viem'
import { erc20Abi, isAddressEqual } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { erc20TemplateAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { ChainReadError } from '../../chain/errors.ts'

/** What one FixedRateExchange of a datatoken took in. Amounts are in the base token's smallest units. */
export type ExchangeEarnings = {
  exchange: Address
  exchangeId: Hex
  baseToken: Address
  baseTokenSymbol: string
  baseTokenDecimals: number
  /** Datatokens bought from the exchange, net of any sold back (wei). */
  datatokensSold: bigint
  /** Base token the owner earned: what buyers paid less Ocean's and the markets' fees (net of sales back). */
  earned: bigint
  /** Of `earned`, already collected to the datatoken's payment collector (`collectBT`). */
  collected: bigint
  /** Base token the exchange holds for the owner now: `collectBT` sends it to the payment collector. */
  collectable: bigint
}

export type GetDatatokenEarningsParameters = {
  datatoken: Address
  /** First block to read events from; the chain's first by default. */
  fromBlock?: BlockNumber | BlockTag | undefined
}

export type GetDatatokenEarningsReturnType = {
  datatoken: Address
  /** `startOrder` calls on the datatoken (`OrderStarted` events): one per job paid for. */
  orders: number
  /** Datatokens spent on those orders (wei; 1e18 each): most go to the payment collector, 3% to Ocean. */
  datatokensOrdered: bigint
  /** Distinct consumers that ordered. */
  consumers: number
  /** One entry per FixedRateExchange the datatoken has (none for a free or unpriced datatoken). */
  sales: ExchangeEarnings[]
}

export type GetDatatokenEarningsErrorType = ChainReadError

/**
 * What a datatoken earned, from chain events: its orders (`OrderStarted`) and, for each of its
 * FixedRateExchanges, the base token buyers paid (`Swapped`) less fees, what was collected
 * (`TokenCollected`) and what is still collectable (`btBalance`). Reads logs from `fromBlock`;
 * pass the publishing block on a long chain.
 *
 * @example
 * const { orders, sales } = await getDatatokenEarnings(publicClient, { datatoken })
 */
export async function getDatatokenEarnings(
  client: Client<Transport, Chain | undefined>,
  { datatoken, fromBlock = 'earliest' }: GetDatatokenEarningsParameters,
): Promise<GetDatatokenEarningsReturnType> {
  const doing = `reading the earnings of ${datatoken}`
  const read = <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      throw ChainReadError.from(doing, error)
    })
  const [orderEvents, fixedRates] = await Promise.all([
    read(getContractEvents(client, { address: datatoken, abi: erc20TemplateAbi, eventName: 'OrderStarted', fromBlock, toBlock: 'latest', strict: true })),
    read(readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getFixedRates' })),
  ])
  const sales = await Promise.all(
    fixedRates.map(async ({ contractAddress: exchange, id: exchangeId }): Promise<ExchangeEarnings> => {
      const [exchangeState, swaps, collections] = await Promise.all([
        read(readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] })),
        read(getContractEvents(client, { address: exchange, abi: fixedRateExchangeAbi, eventName: 'Swapped', args: { exchangeId }, fromBlock, toBlock: 'latest', strict: true })),
        read(getContractEvents(client, { address: exchange, abi: fixedRateExchangeAbi, eventName: 'TokenCollected', args: { exchangeId }, fromBlock, toBlock: 'latest', strict: true })),
      ])
      const [, , , baseToken, btDecimals, , , , , , btBalance] = exchangeState
      const symbol = await read(readContract(client, { address: baseToken, abi: erc20Abi, functionName: 'symbol' }))
      let earned = 0n
      let datatokensSold = 0n
      for (const { args } of swaps) {
        const fees = args.marketFeeAmount + args.oceanFeeAmount + args.consumeMarketFeeAmount
        if (isAddressEqual(args.tokenOutAddress, datatoken)) {
          // A buy: the buyer paid baseTokenSwappedAmount, fees included.
          earned += args.baseTokenSwappedAmount - fees
          datatokensSold += args.datatokenSwappedAmount
        } else {
          // A sale back: the seller got baseTokenSwappedAmount, fees already taken out of the exchange's balance.
          earned -= args.baseTokenSwappedAmount + fees
          datatokensSold -= args.datatokenSwappedAmount
        }
      }
      const collected = collections.filter(({ args }) => isAddressEqual(args.token, baseToken)).reduce((sum, { args }) => sum + args.amount, 0n)
      return { exchange, exchangeId, baseToken, baseTokenSymbol: symbol, baseTokenDecimals: Number(btDecimals), datatokensSold, earned, collected, collectable: btBalance }
    }),
  )
  return {
    datatoken,
    orders: orderEvents.length,
    datatokensOrdered: orderEvents.reduce((sum, { args }) => sum + args.amount, 0n),
    consumers: new Set(orderEvents.map(({ args }) => args.consumer.toLowerCase())).size,
    sales,
  }
}
