import { DataVaultError } from '@datavault/sdk'
import type { Database } from './database.ts'

/** Limits on jobs waiting to run (`queued` or `awaiting-approval`) and on how fast a wallet submits. */
export type JobQuotaInit = {
  /** Jobs waiting on the node, all wallets together. Default 1000. */
  nodeWaiting?: number
  /** Jobs one wallet may have waiting. Default 16. */
  perWalletWaiting?: number
  /** Jobs one wallet may submit per hour. Default 120. */
  perWalletPerHour?: number
}

/**
 * A submission over one of the node's job limits: 429, with which limit in `details`
 * (`node-waiting`, `per-wallet-waiting`). The order is not spent: the same order can be submitted
 * again once a place is free.
 */
export class JobQueueFullError extends DataVaultError {
  override name = 'JobQueueFullError'
  constructor(shortMessage: string, details: 'node-waiting' | 'per-wallet-waiting') {
    super(shortMessage, { code: 'JOB_QUEUE_FULL', status: 429, details })
  }
}

/** A wallet submitting jobs faster than the node allows: 429; the order is not spent. */
export class JobRateLimitedError extends DataVaultError {
  override name = 'JobRateLimitedError'
  constructor(perHour: number) {
    super(`A wallet may submit at most ${perHour} jobs per hour; submit the same order again later.`, {
      code: 'JOB_RATE_LIMITED',
      status: 429,
      details: 'per-wallet-rate',
    })
  }
}

/** What the job route asks of the quota. */
export type JobQuota = {
  /** Throws {@link JobQueueFullError} or {@link JobRateLimitedError} when `wallet` may not submit one more job now. */
  check(wallet: string, now?: number): void
}

/**
 * The job quota over the node's database (compute-to-data's `jobs` table): no number of wallets
 * can queue more than `nodeWaiting` jobs, and no wallet more than `perWalletWaiting`, or more than
 * `perWalletPerHour` an hour. Checked synchronously just before the job is stored, so concurrent
 * submissions cannot overshoot it.
 *
 * @example
 * const quota = jobQuota({ perWalletWaiting: 4 })({ db })
 * quota.check(buyer) // throws 429 JOB_QUEUE_FULL when the buyer already has four jobs waiting
 */
export function jobQuota(init: JobQuotaInit = {}) {
  const { nodeWaiting = 1000, perWalletWaiting = 16, perWalletPerHour = 120 } = init
  return ({ db }: { db: Database }): JobQuota => {
    const count = (sql: string, ...args: string[]) => Number((db.prepare(sql).get(...args) as { n: number }).n)
    const waiting = "state IN ('queued', 'awaiting-approval')"
    return {
      check(wallet, now = Date.now()) {
        const buyer = wallet.toLowerCase()
        if (count(`SELECT COUNT(*) AS n FROM jobs WHERE buyer = ? AND created_at > ?`, buyer, new Date(now - 3600_000).toISOString()) >= perWalletPerHour)
          throw new JobRateLimitedError(perWalletPerHour)
        if (count(`SELECT COUNT(*) AS n FROM jobs WHERE buyer = ? AND ${waiting}`, buyer) >= perWalletWaiting)
          throw new JobQueueFullError(`This wallet has ${perWalletWaiting} jobs waiting to run; submit the same order again when one has started.`, 'per-wallet-waiting')
        if (count(`SELECT COUNT(*) AS n FROM jobs WHERE ${waiting}`) >= nodeWaiting)
          throw new JobQueueFullError('This node has as many jobs waiting as it accepts; submit the same order again later.', 'node-waiting')
      },
    }
  }
}
