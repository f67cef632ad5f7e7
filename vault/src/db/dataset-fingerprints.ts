import type { Database } from './database.ts'

/**
 * The owners' keyed file fingerprints, one per dataset, in a table of their own: the datasets
 * table feeds the public views and listing, and a fingerprint must never reach them.
 */
export const datasetFingerprintMigrations = [
  `CREATE TABLE dataset_fingerprints (
     dataset_id TEXT PRIMARY KEY REFERENCES datasets(id),
     fingerprint TEXT NOT NULL           -- HMAC-SHA256 under a key only the owner's wallet makes (64 hex)
   )`,
  `CREATE INDEX dataset_fingerprints_by_value ON dataset_fingerprints (fingerprint)`,
]

/** Which file (by its owner's keyed fingerprint) each dataset was published from. */
export type DatasetFingerprintStore = {
  /** Records the fingerprint of `datasetId`'s file (replacing an earlier one). */
  set(datasetId: string, fingerprint: string): void
  /** The ids of `owner`'s datasets with this fingerprint, oldest first (revoked ones included). */
  datasetsOf(owner: string, fingerprint: string): `0x${string}`[]
}

/**
 * The fingerprint store over the node's database. It answers by owner and fingerprint together,
 * so a caller learns only its own datasets.
 *
 * @example
 * const fingerprints = datasetFingerprintStore({ db })
 * fingerprints.set(dataset.id, fingerprint)
 * fingerprints.datasetsOf(owner, fingerprint) // [dataset.id]
 */
export function datasetFingerprintStore({ db }: { db: Database }): DatasetFingerprintStore {
  return {
    set(datasetId, fingerprint) {
      db.prepare(
        `INSERT INTO dataset_fingerprints (dataset_id, fingerprint) VALUES (?, ?)
         ON CONFLICT (dataset_id) DO UPDATE SET fingerprint = excluded.fingerprint`,
      ).run(datasetId.toLowerCase(), fingerprint.toLowerCase())
    },
    datasetsOf(owner, fingerprint) {
      const rows = db
        .prepare(
          `SELECT d.id AS id FROM dataset_fingerprints f JOIN datasets d ON d.id = f.dataset_id
           WHERE f.fingerprint = ? AND d.owner = ? ORDER BY d.created_at, d.id`,
        )
        .all(fingerprint.toLowerCase(), owner.toLowerCase()) as { id: `0x${string}` }[]
      return rows.map((row) => row.id)
    },
  }
}
