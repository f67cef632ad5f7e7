// How amounts, times and states read in the app.
import type { DatatokenPrice, JobState } from '@datavault/sdk'
import { formatUnits } from 'viem'

/** `5 OCEAN`, `0.0123 ETH`: at most 6 significant decimals, no trailing zeros. */
export function formatAmount(amount: bigint, decimals: number, symbol: string): string {
  const [whole, fraction = ''] = formatUnits(amount, decimals).split('.')
  const kept = fraction.slice(0, 6).replace(/0+$/, '')
  const shown = kept ? `${whole}.${kept}` : whole
  return `${shown === '0' && amount > 0n ? `< 0.000001` : shown} ${symbol}`
}

/**
 * A dataset's price for one job as its owner set it (what the exchange pays them); with
 * `withFees`, also what buyers pay with Ocean's and the market's fees.
 */
export function formatPrice(price: DatatokenPrice, { withFees = false }: { withFees?: boolean } = {}): string {
  if (price.type === 'free') return 'Free'
  if (price.type === 'not-for-sale') return 'Not for sale'
  const net = price.amount - price.fees.ocean - price.fees.market
  const text = `${formatAmount(net, price.baseTokenDecimals, price.baseTokenSymbol)} per job`
  return withFees && net !== price.amount ? `${text}; buyers pay ${formatAmount(price.amount, price.baseTokenDecimals, price.baseTokenSymbol)} with fees` : text
}

/** A local date and time. */
export function formatTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** A job's state in words. */
export function jobStateLabel(state: JobState): string {
  return {
    'awaiting-approval': 'Waiting for your approval',
    queued: 'Queued',
    provisioning: 'Starting',
    running: 'Running',
    checking: 'Checking outputs',
    finished: 'Finished',
    failed: 'Failed',
  }[state]
}
