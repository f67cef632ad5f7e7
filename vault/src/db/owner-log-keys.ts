import { hexToBytes } from 'viem'
import { sealOwnerLog } from '@datavault/sdk'
import type { OwnerLogSealer } from '@datavault/compute-to-data'
import type { Database } from './database.ts'

/** The owner log keys' table: one X25519 public key per wallet, registered by that wallet. */
export const ownerLogKeyMigrations = [
  `CREATE TABLE owner_log_keys (
     wallet TEXT PRIMARY KEY,            -- lower-case address of a dataset owner
     public_key TEXT NOT NULL,           -- 0x + 64 hex: X25519; the private key never reaches the node
     updated_at TEXT NOT NULL
   )`,
]

/** Prefix of a sealed owner log as the job store keeps it (then base64 of `sealOwnerLog`). */
export const sealedOwnerLogPrefix = 'dvol1:'

/** What the job store keeps when the owner had no key to seal a program's log to. */
export const discardedOwnerLog = 'discarded'

/** The owner log keys wallets registered with this node. */
export type OwnerLogKeyStore = {
  /** Records `wallet`'s key (replacing an earlier one). */
  set(wallet: string, publicKey: `0x${string}`): void
  /** `wallet`'s key, if it registered one. */
  get(wallet: string): `0x${string}` | undefined
}

/**
 * The owner log key store over the node's database.
 *
 * @example
 * const keys = ownerLogKeyStore({ db })
 * keys.set(owner, publicKey)
 */
export function ownerLogKeyStore({ db }: { db: Database }): OwnerLogKeyStore {
  return {
    set(wallet, publicKey) {
      db.prepare(
        `INSERT INTO owner_log_keys (wallet, public_key, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (wallet) DO UPDATE SET public_key = excluded.public_key, updated_at = excluded.updated_at`,
      ).run(wallet.toLowerCase(), publicKey.toLowerCase(), new Date().toISOString())
    },
    get(wallet) {
      const row = db.prepare('SELECT public_key FROM owner_log_keys WHERE wallet = ?').get(wallet.toLowerCase()) as { public_key: `0x${string}` } | undefined
      return row?.public_key
    },
  }
}

/**
 * The engine's owner log sealer: a job's stderr tail sealed to its dataset owner's registered key,
 * or `discarded` when the owner has registered none (or the job reads a pool, which has no one owner). The plaintext is
 * never returned, so it never reaches the database.
 *
 * @example
 * computeEngine(init)({ ...components, ownerLogs: ownerLogSealer({ keys, ownerOf: (id) => datasets.get(id)?.owner }) })
 */
export function ownerLogSealer({ keys, ownerOf }: { keys: Pick<OwnerLogKeyStore, 'get'>; ownerOf: (datasetId: string) => string | undefined }): OwnerLogSealer {
  return {
    seal(job, stderrTail) {
      const owner = ownerOf(job.datasetId)
      const publicKey = owner ? keys.get(owner) : undefined
      if (!publicKey) return discardedOwnerLog
      try {
        const sealed = sealOwnerLog(hexToBytes(publicKey), stderrTail, { jobId: job.id })
        return sealedOwnerLogPrefix + Buffer.from(sealed).toString('base64')
      } catch {
        // A key the route accepted always seals; anything else keeps no log rather than a plaintext one.
        return discardedOwnerLog
      }
    },
  }
}
