import { http, createPublicClient, createWalletClient, type Address, type LocalAccount } from 'viem'
import { type SignedReceipt, anchorReceipt, getReceiptAnchor, rpcChain } from '@datavault/sdk'
import type { Logger } from '../logger.ts'
import type { Database } from '../db/database.ts'

/** Anchors finished jobs' receipt hashes on chain from the node's wallet, one transaction at a time. */
export type ReceiptAnchorer = {
  /** Queues a receipt; returns at once. Anchoring failures are logged and retried on the next start. */
  enqueue(jobId: string, receipt: SignedReceipt): void
  /** Stops retrying and waits for the anchor in flight (at stop). */
  idle(): Promise<void>
}

/** Tries per receipt before it waits for the next start (backing off 1 s, 2 s, 4 s, 8 s). */
const maxAttempts = 5

/** Migrations of the anchor table (appended to the vault's list). */
export const receiptAnchorMigrations = [
  `CREATE TABLE receipt_anchors (
     job_id TEXT PRIMARY KEY,
     receipt_hash TEXT NOT NULL,
     tx_hash TEXT,
     error TEXT,
     updated_at TEXT NOT NULL
   )`,
]

/**
 * The node's receipt anchorer on the ReceiptRegistry. Each anchor is recorded in SQLite before it
 * is sent, so a stop never loses one: `resume` re-sends those without a transaction.
 */
export function receiptAnchorer({
  db,
  account,
  rpcUrl,
  chainId,
  registry,
  logger,
}: {
  db: Database
  account: LocalAccount
  rpcUrl: string
  chainId: number
  registry: Address
  logger: Logger
}): ReceiptAnchorer & { resume(receipts: (jobId: string) => SignedReceipt | undefined): void } {
  const log = logger.child({ component: 'vault:anchors' })
  const chain = rpcChain({ chainId, rpcUrl })
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) })
  const reader = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 250 })
  let chainTail: Promise<void> = Promise.resolve()
  let stopped = false
  const record = (sql: string, ...args: (string | null)[]) => {
    try {
      db.prepare(sql).run(...args)
    } catch (error) {
      // The database may be closed when a job finishes during stop; the anchor is resumed next start.
      log.warn({ error: (error as Error).message }, 'could not record an anchor')
    }
  }

  /** Anchors once, confirmed: skips what is on chain already, waits for the receipt, checks its status. */
  const anchorOnce = async (receipt: SignedReceipt): Promise<`0x${string}` | 'already'> => {
    const at = await getReceiptAnchor(reader, { registry, node: account.address, hash: receipt.hash })
    if (at) return 'already'
    const { txHash } = await anchorReceipt(wallet, { registry, hash: receipt.hash })
    const mined = await reader.waitForTransactionReceipt({ hash: txHash, timeout: 60_000 })
    if (mined.status !== 'success') throw new Error(`anchor transaction ${txHash} reverted`)
    return txHash
  }

  const send = (jobId: string, receipt: SignedReceipt) => {
    chainTail = chainTail.then(async () => {
      for (let attempt = 1; attempt <= maxAttempts && !stopped; attempt++) {
        try {
          const result = await anchorOnce(receipt)
          record('UPDATE receipt_anchors SET tx_hash = ?, error = NULL, updated_at = ? WHERE job_id = ?', result === 'already' ? 'on-chain' : result, new Date().toISOString(), jobId)
          log.info({ jobId, receipt: receipt.hash, txHash: result }, 'receipt anchored')
          return
        } catch (error) {
          const message = ((error as { shortMessage?: string }).shortMessage ?? (error as Error).message).slice(0, 500)
          record('UPDATE receipt_anchors SET error = ?, updated_at = ? WHERE job_id = ?', message, new Date().toISOString(), jobId)
          log.warn({ jobId, receipt: receipt.hash, attempt, error: message }, 'could not anchor receipt')
          if (attempt < maxAttempts) await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt).unref())
        }
      }
    })
  }

  return {
    enqueue(jobId, receipt) {
      db.prepare(
        'INSERT INTO receipt_anchors (job_id, receipt_hash, updated_at) VALUES (?, ?, ?) ON CONFLICT(job_id) DO NOTHING',
      ).run(jobId, receipt.hash, new Date().toISOString())
      send(jobId, receipt)
    },
    resume(receipts) {
      const pending = db.prepare('SELECT job_id FROM receipt_anchors WHERE tx_hash IS NULL').all() as { job_id: string }[]
      for (const { job_id } of pending) {
        const receipt = receipts(job_id)
        if (receipt) send(job_id, receipt)
      }
    },
    idle: () => {
      stopped = true
      return chainTail
    },
  }
}
