import type { Database } from './database.ts'
import { UploadQuotaExceededError, UploadRateLimitedError } from './quota-errors.ts'

/** Limits on ciphertext uploads (`POST /v1/uploads`) that no dataset registers yet, per wallet and for the node. */
export type UploadQuotaInit = {
  /** Bytes one wallet may hold in uploads no registration names, those in progress included. */
  perWalletPendingBytes: number
  /** The same, all wallets together: no number of wallets fills the disk. */
  nodePendingBytes: number
  /** The largest single upload, bytes. */
  maxUploadBytes: number
  /** Uploads one wallet may start per hour. */
  perWalletPerHour: number
}

/** An upload in progress: the most bytes it may take, and `end()` once it is stored or failed. */
export type UploadAllowance = { maxBytes: number; end(): void }

/** What the upload route asks of the quota. */
export type UploadQuota = {
  /**
   * Reserves room for one upload of `wallet`: its allowance counts against the wallet and the node
   * until `end()`. An upload whose size is known up front (an upload session) passes `size` and
   * reserves at most that much (the caller refuses a `size` above the allowance's `maxBytes`); one
   * streamed without a size reserves all the room there is. Throws {@link UploadQuotaExceededError}
   * or {@link UploadRateLimitedError} (429).
   */
  begin(wallet: string, now?: number, size?: number): UploadAllowance
  /** Records a stored upload (idempotent for a CID already stored): it counts as pending until a dataset registers it. */
  stored(upload: { cid: string; uploader: string; size: number }, now?: number): void
}

/**
 * The upload quota over the node's `uploads` table (stored uploads no dataset names yet) and the
 * uploads in progress, whose allowance is reserved while they stream, so concurrent uploads
 * cannot overshoot a limit.
 *
 * @example
 * const allowance = uploadQuota({ perWalletPendingBytes, nodePendingBytes, maxUploadBytes, perWalletPerHour })({ db }).begin(wallet)
 * try { await storage.add(body, { maxBytes: allowance.maxBytes }) } finally { allowance.end() }
 */
export function uploadQuota(init: UploadQuotaInit) {
  const { perWalletPendingBytes, nodePendingBytes, maxUploadBytes, perWalletPerHour } = init
  return ({ db }: { db: Database }): UploadQuota => {
    const inFlight = new Map<number, { wallet: string; bytes: number }>()
    let nextId = 0
    const pendingSql = 'SELECT COALESCE(SUM(size), 0) AS bytes FROM uploads WHERE cid NOT IN (SELECT cid FROM datasets)'
    const reserved = (wallet?: string) => [...inFlight.values()].filter((entry) => wallet === undefined || entry.wallet === wallet).reduce((sum, entry) => sum + entry.bytes, 0)
    return {
      begin(walletAddress, now = Date.now(), size) {
        const wallet = walletAddress.toLowerCase()
        const started = Number((db.prepare('SELECT COUNT(*) AS n FROM uploads WHERE uploader = ? AND created_at > ?').get(wallet, new Date(now - 3600_000).toISOString()) as { n: number }).n)
        const running = [...inFlight.values()].filter((entry) => entry.wallet === wallet).length
        if (started + running >= perWalletPerHour)
          throw new UploadRateLimitedError(`A wallet may upload at most ${perWalletPerHour} ciphertexts per hour; try again later.`)
        const walletPending = Number((db.prepare(`${pendingSql} AND uploader = ?`).get(wallet) as { bytes: number }).bytes) + reserved(wallet)
        const walletRoom = perWalletPendingBytes - walletPending
        if (walletRoom <= 0)
          throw new UploadQuotaExceededError(
            `This wallet already has ${perWalletPendingBytes} bytes of uploads that no dataset registers (those in progress included); register them or wait before uploading more.`,
            'per-wallet-pending',
          )
        const nodeRoom = nodePendingBytes - Number((db.prepare(pendingSql).get() as { bytes: number }).bytes) - reserved()
        if (nodeRoom <= 0)
          throw new UploadQuotaExceededError('This node holds as many unregistered uploads as it accepts; try again later.', 'node-pending')
        const id = nextId++
        const maxBytes = Math.min(maxUploadBytes, walletRoom, nodeRoom, size ?? Number.POSITIVE_INFINITY)
        inFlight.set(id, { wallet, bytes: maxBytes })
        return { maxBytes, end: () => void inFlight.delete(id) }
      },
      stored({ cid, uploader, size }, now = Date.now()) {
        db.prepare('INSERT INTO uploads (cid, uploader, size, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(cid) DO NOTHING').run(cid, uploader.toLowerCase(), size, new Date(now).toISOString())
      },
    }
  }
}
