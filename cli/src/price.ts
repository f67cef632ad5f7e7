// A datatoken's price (as the SDK's getDatatokenPrice reads it from the chain) in words and JSON.
import { formatUnits } from 'viem'
import type { DatatokenPrice } from '@datavault/sdk'

/** A price in words: `5 OCEAN (5.005 with fees)`, `free (dispenser)`, `not for sale`. */
export function describePrice(price: DatatokenPrice): string {
  if (price.type === 'free') return 'free (dispenser)'
  if (price.type === 'not-for-sale') return 'not for sale'
  const rate = formatUnits(price.rate, 18)
  const cost = formatUnits(price.amount, price.baseTokenDecimals)
  return cost === rate ? `${rate} ${price.baseTokenSymbol}` : `${rate} ${price.baseTokenSymbol} (${cost} with fees)`
}

/** A price as JSON for `--json`: decimal strings in whole base tokens, no bigints. */
export function priceJson(price: DatatokenPrice): Record<string, unknown> {
  if (price.type === 'free') return { type: 'free', dispenser: price.dispenser }
  if (price.type === 'not-for-sale') return { type: 'not-for-sale' }
  return {
    type: 'fixed-rate',
    price: formatUnits(price.rate, 18),
    cost: formatUnits(price.amount, price.baseTokenDecimals),
    symbol: price.baseTokenSymbol,
    baseToken: price.baseToken,
    exchange: price.exchange,
    exchangeId: price.exchangeId,
  }
}
