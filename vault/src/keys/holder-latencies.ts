import type { Address } from 'viem'

/** Options of {@link holderLatencies}. */
export type HolderLatenciesInit = {
  /** How many recent releases the hedge delay is taken from. */
  window?: number
  /** The hedge delay is this many times the median of recent releases… */
  hedgeFactor?: number
  /** …and at least this long, in ms (also the delay before any release was timed). */
  minHedgeMs?: number
  /** How long a holder that failed goes to the back of the line, in ms. */
  failurePenaltyMs?: number
  now?: () => number
}

/** What the key service remembers of its holders' answers, to ask the likely fastest first. */
export type HolderLatencies = {
  /** The indices of `holders` in the order to ask them: not failed lately first, then by recent answer time, then by their place. */
  order(holders: readonly Address[]): number[]
  /** A holder released a valid share after `ms`. */
  answered(holder: Address, ms: number): void
  /** A holder refused, failed or could not be reached. */
  failed(holder: Address): void
  /** A whole release took `ms` (its first t valid shares in). */
  released(ms: number): void
  /** How long to wait for the first t holders before asking one more (and again): a multiple of the recent median release. */
  hedgeDelayMs(): number
}

/**
 * Recent answer times of the key holders, per holder (an exponentially weighted mean) and per
 * release (the last `window`), for the threshold key service: it asks the t holders that answered
 * fastest lately, and another only when one fails or the release runs past the hedge delay.
 */
export function holderLatencies({ window = 32, hedgeFactor = 2, minHedgeMs = 25, failurePenaltyMs = 30_000, now = Date.now }: HolderLatenciesInit = {}): HolderLatencies {
  const mean = new Map<string, number>()
  const failedAt = new Map<string, number>()
  const recent: number[] = []
  return {
    order(holders) {
      const at = now()
      const key = (index: number) => {
        const holder = holders[index]!.toLowerCase()
        const failed = failedAt.get(holder)
        return { failed: failed !== undefined && at - failed < failurePenaltyMs ? 1 : 0, mean: mean.get(holder) ?? 0 }
      }
      return holders
        .map((_, index) => ({ index, ...key(index) }))
        .sort((a, b) => a.failed - b.failed || a.mean - b.mean || a.index - b.index)
        .map(({ index }) => index)
    },
    answered(holder, ms) {
      const id = holder.toLowerCase()
      const previous = mean.get(id)
      mean.set(id, previous === undefined ? ms : 0.8 * previous + 0.2 * ms)
      failedAt.delete(id)
    },
    failed(holder) {
      failedAt.set(holder.toLowerCase(), now())
    },
    released(ms) {
      recent.push(ms)
      if (recent.length > window) recent.shift()
    },
    hedgeDelayMs() {
      if (recent.length === 0) return minHedgeMs
      const sorted = [...recent].sort((a, b) => a - b)
      return Math.max(minHedgeMs, hedgeFactor * sorted[Math.floor(sorted.length / 2)]!)
    },
  }
}
