import type { Database } from './database.ts'
import { UploadQuotaExceededError, UploadRateLimitedError } from './quota-errors.ts'

/** Limits on the programs buyers upload (`POST /v1/algorithms`), per wallet and for the node. */
export type ProgramQuotaInit = {
  /** Programs of one wallet that no job names yet. Default 4. */
  perWalletUnused?: number
  /** Programs one wallet has stored in all. Default 32. */
  perWalletStored?: number
  /** Programs on the node that no job names yet, all wallets together. Default 256. */
  nodeUnused?: number
  /** New programs one wallet may store per hour. Default 10. */
  perWalletPerHour?: number
  /** A program no job names is deleted this long after its upload, ms. Default 24 h. */
  unusedTtlMs?: number
}

/** What the algorithm store asks of the quota. */
export type ProgramQuota = {
  /** Throws {@link UploadQuotaExceededError} or {@link UploadRateLimitedError} when `wallet` may not store one more program now. */
  check(wallet: string, now?: number): void
  /** Hashes of programs no job names whose time is up (the store deletes them). */
  expired(now?: number): `0x${string}`[]
}

/**
 * The program quota over the node's database: counts rows of `algorithms`, and a program is
 * "used" once a job names its hash. Idempotent re-uploads of a stored hash are not counted.
 *
 * @example
 * const quota = programQuota({ perWalletUnused: 4 })({ db })
 * quota.check(wallet) // throws 429 UPLOAD_QUOTA_EXCEEDED on the fifth unused program
 */
export function programQuota(init: ProgramQuotaInit = {}) {
  const { perWalletUnused = 4, perWalletStored = 32, nodeUnused = 256, perWalletPerHour = 10, unusedTtlMs = 24 * 3600_000 } = init
  return ({ db }: { db: Database }): ProgramQuota => {
    // The jobs table is compute-to-data's, in the same database on a node; without it nothing is used.
    const hasJobs = () => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").get() !== undefined
    const unused = () =>
      hasJobs() ? "NOT EXISTS (SELECT 1 FROM jobs WHERE json_extract(jobs.trainer_json, '$.hash') = algorithms.hash)" : '1'
    const count = (sql: string, ...args: (string | number)[]) => Number((db.prepare(sql).get(...args) as { n: number }).n)
    return {
      check(wallet, now = Date.now()) {
        const uploader = wallet.toLowerCase()
        const since = new Date(now - 3600_000).toISOString()
        if (count('SELECT COUNT(*) AS n FROM algorithms WHERE uploader = ? AND created_at > ?', uploader, since) >= perWalletPerHour)
          throw new UploadRateLimitedError(`A wallet may upload at most ${perWalletPerHour} new programs per hour; try again later.`)
        if (count(`SELECT COUNT(*) AS n FROM algorithms WHERE uploader = ? AND ${unused()}`, uploader) >= perWalletUnused)
          throw new UploadQuotaExceededError(
            `This wallet has ${perWalletUnused} programs no job uses yet; submit a job with one, or wait for them to expire.`,
            'per-wallet-unused',
          )
        if (count('SELECT COUNT(*) AS n FROM algorithms WHERE uploader = ?', uploader) >= perWalletStored)
          throw new UploadQuotaExceededError(`This wallet has stored the ${perWalletStored} programs a wallet may store on this node.`, 'per-wallet-stored')
        if (count(`SELECT COUNT(*) AS n FROM algorithms WHERE ${unused()}`) >= nodeUnused)
          throw new UploadQuotaExceededError('This node holds as many unused programs as it accepts; try again later.', 'node-unused')
      },
      expired(now = Date.now()) {
        const before = new Date(now - unusedTtlMs).toISOString()
        return (db.prepare(`SELECT hash FROM algorithms WHERE created_at < ? AND ${unused()}`).all(before) as { hash: `0x${string}` }[]).map((row) => row.hash)
      },
    }
  }
}
