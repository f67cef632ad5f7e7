import { http, createWalletClient, type Address, type LocalAccount } from 'viem'
import { type SignedReceipt, anchorReceipt, rpcChain } from '@datavault/sdk'
import type { Logger } from '../logger.ts'
import type { Database } from '../store/database.ts'

/** Anchors finished jobs' receipt hashes on chain from the node's wallet, one transaction at a time. */
export type ReceiptAnchorer = {
  /** Queues a receipt; returns at once. Anchoring failures are logged and retried on the next start. */
  enqueue(jobId: string, receipt: SignedReceipt): void
  /** Waits for queued anchors to be sent. */
  idle(): Promise<void>
}

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
  const wallet = createWalletClient({ account, chain: rpcChain({ chainId, rpcUrl }), transport: http(rpcUrl) })
  let chainTail: Promise<void> = Promise.resolve()

  const send = (jobId: string, receipt: SignedReceipt) => {
    chainTail = chainTail.then(async () => {
      try {
        const { txHash } = await anchorReceipt(wallet, { registry, hash: receipt.hash })
        db.prepare('UPDATE receipt_anchors SET tx_hash = ?, error = NULL, updated_at = ? WHERE job_id = ?').run(txHash, new Date().toISOString(), jobId)
        log.info({ jobId, receipt: receipt.hash, txHash }, 'receipt anchored')
      } catch (error) {
        const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message
        db.prepare('UPDATE receipt_anchors SET error = ?, updated_at = ? WHERE job_id = ?').run(message.slice(0, 500), new Date().toISOString(), jobId)
        log.warn({ jobId, receipt: receipt.hash, error: message }, 'could not anchor receipt')
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
    idle: () => chainTail,
  }
}
