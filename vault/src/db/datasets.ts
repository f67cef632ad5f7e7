import {
  type ComputePolicy,
  DataVaultError,
  type DatasetSchema,
  type DatasetView,
} from '@datavault/sdk'
import type { Database } from './database.ts'

/** A registered dataset as the node stores it. */
export type Dataset = Omit<DatasetView, 'keyEscrowed'>

/** No dataset with that id. */
export class DatasetNotFoundError extends DataVaultError {
  override name = 'DatasetNotFoundError'
  constructor(id: string) {
    super(`Dataset ${id} is not registered on this node.`, { code: 'DATASET_NOT_FOUND', status: 404 })
  }
}

/** A dataset with that datatoken is registered already. */
export class DatasetExistsError extends DataVaultError {
  override name = 'DatasetExistsError'
  constructor(id: string) {
    super(`Dataset ${id} is already registered.`, { code: 'DATASET_EXISTS', status: 409 })
  }
}

type DatasetRow = {
  id: string
  cid: string
  owner: string
  name: string
  description: string
  schema_json: string
  policy_json: string
  size: number
  created_at: string
  revoked_at: string | null
  pool: string | null
}

const toDataset = (row: DatasetRow): Dataset => ({
  id: row.id as `0x${string}`,
  datatoken: row.id as `0x${string}`,
  cid: row.cid,
  owner: row.owner as `0x${string}`,
  name: row.name,
  description: row.description,
  schema: JSON.parse(row.schema_json) as DatasetSchema,
  policy: JSON.parse(row.policy_json) as ComputePolicy,
  size: row.size,
  createdAt: row.created_at,
  ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
  ...(row.pool ? { pool: row.pool as `0x${string}` } : {}),
})

/** Registered datasets. A dataset's id is its datatoken address. */
export type DatasetStore = {
  register(dataset: Omit<Dataset, 'id' | 'createdAt'>): Dataset
  get(id: string): Dataset | undefined
  require(id: string): Dataset
  list(filter?: { owner?: string; search?: string; limit?: number }): Dataset[]
  /** Marks a dataset revoked (idempotent); it stays listed as revoked, for its receipts. */
  revoke(id: string): Dataset
  /** Replaces a dataset's policy and/or schema (the owner's update after publishing). */
  update(id: string, change: { policy?: ComputePolicy | undefined; schema?: DatasetSchema | undefined }): Dataset
  /** Points a dataset at a new ciphertext (key rotation); the old CID is kept in its history. */
  rotate(id: string, { cid, size }: { cid: string; size: number }): Dataset
  /** The CIDs a dataset pointed at before, newest first. */
  retiredCids(id: string): { cid: string; retiredAt: string }[]
  /** Records which datasets a finished pool job read, with their rows. */
  recordPoolJob(jobId: string, datasets: { id: string; rows: number }[]): void
  /** The pool jobs that read a dataset, newest first. */
  poolJobsOf(datasetId: string): { jobId: string; rows: number }[]
  /** The datasets a finished pool job read. */
  poolJobReaders(jobId: string): string[]
  /** Remembers the rows a pool job was planned for (the pool's members change between jobs). */
  setPoolJobRows(jobId: string, rows: number): void
  /** The dataset a job runs on, as it was when accepted: a pool with the rows its job was planned for. */
  forJob(job: { id: string; datasetId: string }): Dataset | undefined
}

/** Later dataset migrations (appended to the vault's list). */
export const datasetHistoryMigrations = [
  `CREATE TABLE dataset_cid_history (
     dataset_id TEXT NOT NULL REFERENCES datasets(id),
     cid TEXT NOT NULL,
     retired_at TEXT NOT NULL
   )`,
  // A pool is listed like a dataset (its datatoken is the id buyers order); its data are its members'.
  `ALTER TABLE datasets ADD COLUMN pool TEXT`,
  `CREATE TABLE pool_job_plans (
     job_id TEXT PRIMARY KEY,
     rows INTEGER NOT NULL              -- the members' declared rows when the job was accepted
   )`,
  `CREATE TABLE pool_job_datasets (
     job_id TEXT NOT NULL,
     dataset_id TEXT NOT NULL,
     rows INTEGER NOT NULL,
     PRIMARY KEY (job_id, dataset_id)
   )`,
]

/** Datasets on the node's SQLite database. */
export function datasetStore({ db }: { db: Database }): DatasetStore {
  const get = (id: string) => {
    const row = db.prepare('SELECT * FROM datasets WHERE id = ?').get(id.toLowerCase()) as DatasetRow | undefined
    return row ? toDataset(row) : undefined
  }
  return {
    register(dataset) {
      const id = dataset.datatoken.toLowerCase()
      const createdAt = new Date().toISOString()
      try {
        db.prepare(
          'INSERT INTO datasets (id, cid, owner, name, description, schema_json, policy_json, size, created_at, pool) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          id,
          dataset.cid,
          dataset.owner.toLowerCase(),
          dataset.name,
          dataset.description,
          JSON.stringify(dataset.schema),
          JSON.stringify(dataset.policy),
          dataset.size,
          createdAt,
          dataset.pool?.toLowerCase() ?? null,
        )
      } catch (error) {
        if ((error as { errcode?: number }).errcode === 1555 || /UNIQUE|PRIMARY KEY/.test(String(error))) throw new DatasetExistsError(id)
        throw error
      }
      return get(id) as Dataset
    },
    get,
    require(id) {
      const dataset = get(id)
      if (!dataset) throw new DatasetNotFoundError(id)
      return dataset
    },
    rotate(id, { cid, size }) {
      const current = get(id)
      if (!current) throw new DatasetNotFoundError(id)
      db.exec('BEGIN IMMEDIATE')
      try {
        db.prepare('INSERT INTO dataset_cid_history (dataset_id, cid, retired_at) VALUES (?, ?, ?)').run(current.id, current.cid, new Date().toISOString())
        db.prepare('UPDATE datasets SET cid = ?, size = ? WHERE id = ?').run(cid, size, current.id)
        db.exec('COMMIT')
      } catch (error) {
        db.exec('ROLLBACK')
        throw error
      }
      return get(id) as Dataset
    },
    poolJobReaders(jobId) {
      return (db.prepare('SELECT dataset_id FROM pool_job_datasets WHERE job_id = ?').all(jobId) as { dataset_id: string }[]).map((row) => row.dataset_id)
    },
    setPoolJobRows(jobId, rows) {
      db.prepare('INSERT INTO pool_job_plans (job_id, rows) VALUES (?, ?) ON CONFLICT(job_id) DO UPDATE SET rows = excluded.rows').run(jobId, rows)
    },
    forJob(job) {
      const dataset = get(job.datasetId)
      if (!dataset?.pool) return dataset
      const plan = db.prepare('SELECT rows FROM pool_job_plans WHERE job_id = ?').get(job.id) as { rows: number } | undefined
      return plan ? { ...dataset, schema: { ...dataset.schema, rows: plan.rows } } : dataset
    },
    recordPoolJob(jobId, read) {
      const insert = db.prepare('INSERT INTO pool_job_datasets (job_id, dataset_id, rows) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      for (const entry of read) insert.run(jobId, entry.id.toLowerCase(), entry.rows)
    },
    poolJobsOf(datasetId) {
      return (
        db.prepare('SELECT job_id, rows FROM pool_job_datasets WHERE dataset_id = ? ORDER BY rowid DESC').all(datasetId.toLowerCase()) as { job_id: string; rows: number }[]
      ).map((row) => ({ jobId: row.job_id, rows: row.rows }))
    },
    retiredCids(id) {
      return (
        db.prepare('SELECT cid, retired_at FROM dataset_cid_history WHERE dataset_id = ? ORDER BY rowid DESC').all(id.toLowerCase()) as { cid: string; retired_at: string }[]
      ).map((row) => ({ cid: row.cid, retiredAt: row.retired_at }))
    },
    update(id, { policy, schema }) {
      if (!get(id)) throw new DatasetNotFoundError(id)
      if (policy) db.prepare('UPDATE datasets SET policy_json = ? WHERE id = ?').run(JSON.stringify(policy), id.toLowerCase())
      if (schema) db.prepare('UPDATE datasets SET schema_json = ? WHERE id = ?').run(JSON.stringify(schema), id.toLowerCase())
      return get(id) as Dataset
    },
    revoke(id) {
      db.prepare('UPDATE datasets SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(new Date().toISOString(), id.toLowerCase())
      const dataset = get(id)
      if (!dataset) throw new DatasetNotFoundError(id)
      return dataset
    },
    list({ owner, search, limit = 100 } = {}) {
      const clauses: string[] = []
      const args: (string | number)[] = []
      if (owner) (clauses.push('owner = ?'), args.push(owner.toLowerCase()))
      if (search) (clauses.push("(name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')"), args.push(...Array(2).fill(`%${search.replace(/[\\%_]/g, '\\$&')}%`)))
      const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''
      const rows = db.prepare(`SELECT * FROM datasets ${where} ORDER BY created_at DESC LIMIT ?`).all(...args, Math.min(limit, 1000)) as DatasetRow[]
      return rows.map(toDataset)
    },
  }
}
