import { randomUUID } from 'node:crypto'
import type { DatabaseSync } from 'node:sqlite'
import type { JobState } from '@datavault/sdk'
import {
  type Job,
  type JobFailure,
  type JobTimings,
  type JobTrainer,
  JobNotFoundError,
  JobTransitionError,
  OrderAlreadyUsedError,
  jobFailureCodes,
  jobTransitions,
} from './job.ts'
import { migrate } from './migrate.ts'

/** How many failed attempts of the buyer's making (see `jobFailureCodes`) one order covers before it is spent. */
export const maxAttemptsPerOrder = 3

const migrations = [
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     dataset_id TEXT NOT NULL,
     buyer TEXT NOT NULL,
     order_tx TEXT NOT NULL,
     trainer_json TEXT NOT NULL,
     params_json TEXT NOT NULL,
     state TEXT NOT NULL,
     failure_json TEXT,
     progress_json TEXT,
     metrics_json TEXT,
     result_json TEXT,
     receipt_json TEXT,
     timings_json TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   )`,
  `CREATE INDEX jobs_state ON jobs(state, created_at)`,
  `CREATE INDEX jobs_buyer ON jobs(buyer, created_at)`,
  `CREATE INDEX jobs_dataset ON jobs(dataset_id, created_at)`,
  // One row per order transaction: which job holds it, and whether it is spent.
  `CREATE TABLE job_orders (
     order_tx TEXT PRIMARY KEY,
     dataset_id TEXT NOT NULL,
     buyer TEXT NOT NULL,
     job_id TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('held', 'consumed', 'released')),
     attempts INTEGER NOT NULL
   )`,
  `ALTER TABLE jobs ADD COLUMN owner_log TEXT`,
  `ALTER TABLE jobs ADD COLUMN environment TEXT`,
  // Owner logs were kept as plaintext before they were sealed to the owner: none is kept open.
  `UPDATE jobs SET owner_log = 'discarded' WHERE owner_log IS NOT NULL AND owner_log NOT LIKE 'dvol1:%'`,
]

/** What a new job needs. */
export type NewJob = {
  /** The job's id, when the caller needs it before the job exists (e.g. to reserve privacy budget). */
  id?: string
  datasetId: `0x${string}`
  buyer: `0x${string}`
  orderTx: `0x${string}`
  trainer: JobTrainer
  params: Record<string, unknown>
  /** The compute environment the job runs in (chosen at submission). */
  environment?: string | undefined
  /** When the order was verified (ms), the start of the job-start latency. */
  acceptedAt?: number
  /** Starts in `awaiting-approval` (a custom algorithm the owner has not approved) instead of `queued`. */
  awaitingApproval?: boolean
}

/** Persistent job queue and state machine. Every change is one SQLite transaction. */
export type JobStore = {
  /** Adds a queued job, holding its order; throws `OrderAlreadyUsedError` if the order is spent or held. */
  create(job: NewJob): Job
  get(id: string): Job | undefined
  /** Like `get`, but throws `JobNotFoundError`. */
  require(id: string): Job
  /** Takes the oldest queued job and moves it to `provisioning`, atomically. */
  claimNext(): Job | undefined
  /** Moves a job along its state machine; `patch` fields are stored with the move. */
  transition(id: string, to: Exclude<JobState, 'failed' | 'awaiting-approval'>, patch?: JobPatch): Job
  /** Fails a job that is not final yet; releases or consumes its order by the failure's code. */
  fail(id: string, failure: JobFailure, patch?: Pick<JobPatch, 'ownerLog'>, options?: { forfeitOrder?: boolean }): Job
  /** Records progress (epoch, loss) of a running job. */
  setProgress(id: string, progress: NonNullable<Job['progress']>): void
  /** Merges milestone timestamps. */
  setTimings(id: string, timings: JobTimings): void
  /** Fails every job left mid-flight by a stopped process and returns their ids. Queued and awaiting jobs stay. */
  recoverInterrupted(): string[]
  list(filter?: { buyer?: `0x${string}`; datasetId?: `0x${string}`; limit?: number }): Job[]
}

/** Fields that may be stored with a transition. */
export type JobPatch = Partial<Pick<Job, 'metrics' | 'result' | 'receipt' | 'ownerLog'>>

type JobRow = {
  id: string
  dataset_id: string
  buyer: string
  order_tx: string
  trainer_json: string
  params_json: string
  state: string
  failure_json: string | null
  progress_json: string | null
  metrics_json: string | null
  result_json: string | null
  receipt_json: string | null
  owner_log: string | null
  environment: string | null
  timings_json: string
  created_at: string
  updated_at: string
}

const parse = <T>(json: string | null): T | undefined => (json === null ? undefined : (JSON.parse(json) as T))

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    datasetId: row.dataset_id as `0x${string}`,
    buyer: row.buyer as `0x${string}`,
    orderTx: row.order_tx as `0x${string}`,
    trainer: JSON.parse(row.trainer_json) as JobTrainer,
    params: JSON.parse(row.params_json) as Record<string, unknown>,
    state: row.state as JobState,
    failure: parse(row.failure_json),
    progress: parse(row.progress_json),
    metrics: parse(row.metrics_json),
    result: parse(row.result_json),
    receipt: parse(row.receipt_json),
    ownerLog: row.owner_log ?? undefined,
    environment: row.environment ?? undefined,
    timings: JSON.parse(row.timings_json) as JobTimings,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/**
 * A job store on the node's SQLite database.
 *
 * @example
 * const jobs = sqliteJobStore({ db })
 * const job = jobs.create({ datasetId, buyer, orderTx, trainer, params })
 */
export function sqliteJobStore({ db, now = () => new Date() }: { db: DatabaseSync; now?: () => Date }): JobStore {
  migrate(db, 'compute-to-data:jobs', migrations)

  const tx = <T>(fn: () => T): T => {
    db.exec('BEGIN IMMEDIATE')
    try {
      const result = fn()
      db.exec('COMMIT')
      return result
    } catch (error) {
      db.exec('ROLLBACK')
      throw error
    }
  }
  const selectJob = db.prepare('SELECT * FROM jobs WHERE id = ?')
  const get = (id: string) => {
    const row = selectJob.get(id) as JobRow | undefined
    return row ? toJob(row) : undefined
  }
  const require = (id: string) => {
    const job = get(id)
    if (!job) throw new JobNotFoundError(id)
    return job
  }

  return {
    create(job) {
      return tx(() => {
        const order = db.prepare('SELECT * FROM job_orders WHERE order_tx = ?').get(job.orderTx) as
          | { dataset_id: string; buyer: string; status: string; attempts: number }
          | undefined
        const id = job.id ?? randomUUID()
        if (order) {
          const reusable =
            order.status === 'released' &&
            order.buyer === job.buyer &&
            order.dataset_id === job.datasetId &&
            order.attempts < maxAttemptsPerOrder
          if (!reusable) throw new OrderAlreadyUsedError(job.orderTx)
          db.prepare("UPDATE job_orders SET status = 'held', job_id = ? WHERE order_tx = ?").run(
            id,
            job.orderTx,
          )
        } else {
          db.prepare("INSERT INTO job_orders (order_tx, dataset_id, buyer, job_id, status, attempts) VALUES (?, ?, ?, ?, 'held', 0)").run(
            job.orderTx,
            job.datasetId,
            job.buyer,
            id,
          )
        }
        const at = now().toISOString()
        db.prepare(
          `INSERT INTO jobs (id, dataset_id, buyer, order_tx, trainer_json, params_json, environment, state, timings_json, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          id,
          job.datasetId,
          job.buyer,
          job.orderTx,
          JSON.stringify(job.trainer),
          JSON.stringify(job.params),
          job.environment ?? null,
          job.awaitingApproval ? 'awaiting-approval' : 'queued',
          JSON.stringify({ acceptedAt: job.acceptedAt ?? Date.now() }),
          at,
          at,
        )
        return require(id)
      })
    },

    get,
    require,

    claimNext() {
      return tx(() => {
        const row = db.prepare("SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at, rowid LIMIT 1").get() as
          | { id: string }
          | undefined
        if (!row) return undefined
        db.prepare("UPDATE jobs SET state = 'provisioning', updated_at = ? WHERE id = ? AND state = 'queued'").run(
          now().toISOString(),
          row.id,
        )
        return require(row.id)
      })
    },

    transition(id, to, patch = {}) {
      return tx(() => {
        const job = require(id)
        if (!jobTransitions[job.state].includes(to)) throw new JobTransitionError({ id, from: job.state, to })
        db.prepare(
          `UPDATE jobs SET state = ?, updated_at = ?,
             metrics_json = COALESCE(?, metrics_json), result_json = COALESCE(?, result_json), receipt_json = COALESCE(?, receipt_json),
             owner_log = COALESCE(?, owner_log)
           WHERE id = ?`,
        ).run(
          to,
          now().toISOString(),
          patch.metrics === undefined ? null : JSON.stringify(patch.metrics),
          patch.result === undefined ? null : JSON.stringify(patch.result),
          patch.receipt === undefined ? null : JSON.stringify(patch.receipt),
          patch.ownerLog ?? null,
          id,
        )
        if (to === 'finished') db.prepare("UPDATE job_orders SET status = 'consumed' WHERE job_id = ?").run(id)
        return require(id)
      })
    },

    fail(id, failure, patch = {}, { forfeitOrder = false } = {}) {
      return tx(() => {
        const job = require(id)
        if (!jobTransitions[job.state].includes('failed')) throw new JobTransitionError({ id, from: job.state, to: 'failed' })
        db.prepare("UPDATE jobs SET state = 'failed', failure_json = ?, owner_log = COALESCE(?, owner_log), updated_at = ? WHERE id = ?").run(
          JSON.stringify(failure),
          patch.ownerLog ?? null,
          now().toISOString(),
          id,
        )
        const { retryable, charged } = jobFailureCodes[failure.code]
        db.prepare('UPDATE job_orders SET status = ?, attempts = attempts + ? WHERE job_id = ?').run(
          retryable && !forfeitOrder ? 'released' : 'consumed',
          charged ? 1 : 0,
          id,
        )
        return require(id)
      })
    },

    setProgress(id, progress) {
      db.prepare('UPDATE jobs SET progress_json = ?, updated_at = ? WHERE id = ?').run(
        JSON.stringify(progress),
        now().toISOString(),
        id,
      )
    },

    setTimings(id, timings) {
      tx(() => {
        const job = require(id)
        db.prepare('UPDATE jobs SET timings_json = ? WHERE id = ?').run(JSON.stringify({ ...job.timings, ...timings }), id)
      })
    },

    recoverInterrupted() {
      return tx(() => {
        const rows = db.prepare("SELECT id FROM jobs WHERE state IN ('provisioning', 'running', 'checking')").all() as { id: string }[]
        for (const { id } of rows) {
          db.prepare("UPDATE jobs SET state = 'failed', failure_json = ?, updated_at = ? WHERE id = ?").run(
            JSON.stringify({ code: 'interrupted', message: 'The node stopped while the job was running; submit it again with the same order.' }),
            now().toISOString(),
            id,
          )
          db.prepare("UPDATE job_orders SET status = 'released' WHERE job_id = ?").run(id)
        }
        return rows.map((row) => row.id)
      })
    },

    list({ buyer, datasetId, limit = 100 } = {}) {
      const clauses: string[] = []
      const args: string[] = []
      if (buyer) (clauses.push('buyer = ?'), args.push(buyer))
      if (datasetId) (clauses.push('dataset_id = ?'), args.push(datasetId))
      const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''
      const rows = db.prepare(`SELECT * FROM jobs ${where} ORDER BY created_at DESC, rowid DESC LIMIT ?`).all(...args, Math.min(limit, 1000)) as JobRow[]
      return rows.map(toJob)
    },
  }
}
