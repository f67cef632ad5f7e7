import type { DatabaseSync } from 'node:sqlite'
import { z } from 'zod'
import { migrate } from '../jobs/migrate.ts'
import { parseArguments } from './arguments.ts'
import {
  type PrivacyAmount,
  PrivacyBudgetExceededError,
  PrivacyBudgetNotSetError,
  PrivacyLedgerConflictError,
  PrivacyReservationNotFoundError,
} from './errors.ts'

const migrations = [
  `CREATE TABLE privacy_budgets (
     dataset_id TEXT PRIMARY KEY,
     epsilon REAL NOT NULL CHECK (epsilon >= 0),
     delta REAL NOT NULL CHECK (delta >= 0 AND delta < 1),
     updated_at TEXT NOT NULL
   )`,
  // One row per job that asked for budget. `spent_*` is set when the job commits.
  `CREATE TABLE privacy_entries (
     job_id TEXT PRIMARY KEY,
     dataset_id TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('reserved', 'committed', 'released')),
     reserved_epsilon REAL NOT NULL CHECK (reserved_epsilon >= 0),
     reserved_delta REAL NOT NULL CHECK (reserved_delta >= 0),
     spent_epsilon REAL,
     spent_delta REAL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   )`,
  `CREATE INDEX privacy_entries_dataset ON privacy_entries(dataset_id, status)`,
]

/**
 * Relative slack when comparing sums of ε or δ with a budget, so that amounts that fit exactly
 * (ten reservations of 0.1 in a budget of 1) are not refused for the last bit of a double. It can
 * overspend a budget by at most one part in a billion.
 */
const roundingSlack = 1e-9

/** Where a job's share of a dataset's budget stands. */
export type PrivacyLedgerEntryStatus = 'reserved' | 'committed' | 'released'

/** One job's line in a dataset's privacy ledger. */
export type PrivacyLedgerEntry = {
  jobId: string
  datasetId: string
  status: PrivacyLedgerEntryStatus
  /** What the job reserved before it ran. */
  reserved: PrivacyAmount
  /** What it spent, once committed (δ is the reserved δ: the ε was computed at it). */
  spent: PrivacyAmount | undefined
  createdAt: string
  updatedAt: string
}

/** A dataset's budget and how much of it is gone. */
export type PrivacyUsage = {
  /** The owner's budget; undefined when none is set (then nothing may be reserved). */
  budget: PrivacyAmount | undefined
  /** Sum over committed jobs. */
  spent: PrivacyAmount
  /** Sum over jobs that reserved and have neither committed nor released. */
  reserved: PrivacyAmount
  /** budget − spent − reserved, never below 0. */
  remaining: PrivacyAmount
}

/** Parameters of {@link PrivacyLedger.reserve}. */
export type PrivacyReservation = { datasetId: string; jobId: string } & PrivacyAmount

/**
 * Per-dataset differential-privacy budgets and what jobs take from them, in SQLite.
 *
 * Jobs compose by basic composition: a dataset whose jobs ran with (ε₁, δ₁), …, (εₖ, δₖ) is
 * (Σ εᵢ, Σ δᵢ)-DP, so both ε and δ are summed against the budget. δ is summed rather than
 * maxed because each job's δ is a probability of its guarantee failing, and k jobs can fail
 * together with probability up to Σ δᵢ; a max would be unsound. Buyers should therefore run with a
 * δ well below the dataset's (δ_budget / the number of jobs it should allow).
 *
 * Every call is one `BEGIN IMMEDIATE` transaction (a savepoint inside a caller's transaction), so
 * processes sharing the database file cannot overspend between them; the connection needs a
 * `busy_timeout` (the vault's database sets one) for writers to wait rather than fail. Reserving,
 * committing and releasing are idempotent per job id, so a step repeated after a crash neither
 * counts twice nor loses budget.
 */
export type PrivacyLedger = {
  /** Sets (or changes) a dataset's budget. Lowering it below what is spent leaves nothing to reserve; nothing spent is undone. */
  setBudget(datasetId: string, budget: PrivacyAmount): PrivacyUsage
  /**
   * Reserves a job's (ε, δ) before it runs; throws `PrivacyBudgetExceededError` (409, with what
   * is left) when spent + reserved + this would pass the budget, or the job's δ alone passes the
   * dataset's δ; `PrivacyBudgetNotSetError` when the dataset has no budget. Reserving again for
   * the same job with the same amounts answers the existing entry; other amounts are a conflict.
   */
  reserve(reservation: PrivacyReservation): PrivacyLedgerEntry
  /**
   * What {@link PrivacyLedger.reserve} would decide for this amount now, without reserving: the
   * dataset's usage after it, or the same `PrivacyBudgetExceededError` / `PrivacyBudgetNotSetError`.
   * Writes nothing (a quote before any order).
   */
  check(request: { datasetId: string } & PrivacyAmount): PrivacyUsage
  /**
   * Records what a finished job actually spent, at most what it reserved; the rest goes back.
   * Committing again with the same ε answers the entry; a released job cannot commit.
   */
  commit(params: { jobId: string; epsilon: number }): PrivacyLedgerEntry
  /**
   * Gives a job's whole reservation back (it failed before anything it computed left the node).
   * A committed job's spend is never given back; releasing twice, or a job that reserved nothing,
   * is a no-op (undefined for the latter).
   */
  release(params: { jobId: string }): PrivacyLedgerEntry | undefined
  /** Releases the open reservations of these jobs (the engine's recovery: jobs a stopped process left mid-flight); returns how many. */
  releaseStale(params: { jobIds: readonly string[] }): number
  /** Every open reservation, oldest first, across datasets: what recovery compares with its live jobs. */
  reservations(): PrivacyLedgerEntry[]
  usage(datasetId: string): PrivacyUsage
  /** The dataset's ledger, oldest first. */
  entries(datasetId: string): PrivacyLedgerEntry[]
}

type EntryRow = {
  job_id: string
  dataset_id: string
  status: PrivacyLedgerEntryStatus
  reserved_epsilon: number
  reserved_delta: number
  spent_epsilon: number | null
  spent_delta: number | null
  created_at: string
  updated_at: string
}

function toEntry(row: EntryRow): PrivacyLedgerEntry {
  return {
    jobId: row.job_id,
    datasetId: row.dataset_id,
    status: row.status,
    reserved: { epsilon: row.reserved_epsilon, delta: row.reserved_delta },
    spent: row.spent_epsilon === null ? undefined : { epsilon: row.spent_epsilon, delta: row.spent_delta ?? 0 },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

const idSchema = z.string().min(1).max(256)
const epsilonSchema = z.number().min(0)
const deltaSchema = z.number().min(0).lt(1)
const budgetSchema = z.object({ epsilon: epsilonSchema, delta: deltaSchema })
const reservationSchema = z.object({ datasetId: idSchema, jobId: idSchema, epsilon: epsilonSchema, delta: deltaSchema })
const checkSchema = z.object({ datasetId: idSchema, epsilon: epsilonSchema, delta: deltaSchema })
const commitSchema = z.object({ jobId: idSchema, epsilon: epsilonSchema })
const releaseSchema = z.object({ jobId: idSchema })
const releaseStaleSchema = z.object({ jobIds: z.array(idSchema) })

const fits = (total: number, budget: number) => total <= budget * (1 + roundingSlack)

/**
 * The privacy ledger on the node's SQLite database (its own tables, `compute-to-data:privacy`).
 *
 * @example
 * const ledger = privacyLedger({ db })
 * ledger.setBudget(datasetId, { epsilon: 10, delta: 1e-5 })
 * ledger.reserve({ datasetId, jobId, epsilon: 2.5, delta: 1e-6 }) // throws PrivacyBudgetExceededError when it does not fit
 * ledger.commit({ jobId, epsilon: 2.1 }) // the job stopped early: 0.4 goes back
 */
export function privacyLedger({ db }: { db: DatabaseSync }): PrivacyLedger {
  migrate(db, 'compute-to-data:privacy', migrations)

  const statements = {
    budget: db.prepare('SELECT epsilon, delta FROM privacy_budgets WHERE dataset_id = ?'),
    setBudget: db.prepare(
      `INSERT INTO privacy_budgets (dataset_id, epsilon, delta, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(dataset_id) DO UPDATE SET epsilon = excluded.epsilon, delta = excluded.delta, updated_at = excluded.updated_at`,
    ),
    totals: db.prepare(
      `SELECT
         COALESCE(SUM(CASE status WHEN 'committed' THEN spent_epsilon END), 0) AS spent_epsilon,
         COALESCE(SUM(CASE status WHEN 'committed' THEN spent_delta END), 0) AS spent_delta,
         COALESCE(SUM(CASE status WHEN 'reserved' THEN reserved_epsilon END), 0) AS reserved_epsilon,
         COALESCE(SUM(CASE status WHEN 'reserved' THEN reserved_delta END), 0) AS reserved_delta
       FROM privacy_entries WHERE dataset_id = ? AND status != 'released'`,
    ),
    entry: db.prepare('SELECT * FROM privacy_entries WHERE job_id = ?'),
    insert: db.prepare(
      `INSERT INTO privacy_entries (job_id, dataset_id, status, reserved_epsilon, reserved_delta, created_at, updated_at)
       VALUES (?, ?, 'reserved', ?, ?, ?, ?)`,
    ),
    commit: db.prepare(
      "UPDATE privacy_entries SET status = 'committed', spent_epsilon = ?, spent_delta = reserved_delta, updated_at = ? WHERE job_id = ? AND status = 'reserved'",
    ),
    release: db.prepare("UPDATE privacy_entries SET status = 'released', updated_at = ? WHERE job_id = ? AND status = 'reserved'"),
    entries: db.prepare('SELECT * FROM privacy_entries WHERE dataset_id = ? ORDER BY created_at, rowid'),
    reservations: db.prepare("SELECT * FROM privacy_entries WHERE status = 'reserved' ORDER BY created_at, rowid"),
  }

  /** One write transaction; a savepoint when the caller has one open on this connection. */
  function transaction<T>(body: () => T): T {
    const nested = db.isTransaction
    db.exec(nested ? 'SAVEPOINT privacy_ledger' : 'BEGIN IMMEDIATE')
    try {
      const result = body()
      db.exec(nested ? 'RELEASE privacy_ledger' : 'COMMIT')
      return result
    } catch (error) {
      db.exec(nested ? 'ROLLBACK TO privacy_ledger; RELEASE privacy_ledger' : 'ROLLBACK')
      throw error
    }
  }

  const getEntry = (jobId: string) => statements.entry.get(jobId) as EntryRow | undefined
  const getBudget = (datasetId: string) => statements.budget.get(datasetId) as PrivacyAmount | undefined

  function usage(datasetId: string): PrivacyUsage {
    const budget = getBudget(datasetId)
    const totals = statements.totals.get(datasetId) as { spent_epsilon: number; spent_delta: number; reserved_epsilon: number; reserved_delta: number }
    const spent = { epsilon: totals.spent_epsilon, delta: totals.spent_delta }
    const reserved = { epsilon: totals.reserved_epsilon, delta: totals.reserved_delta }
    const remaining = budget
      ? {
          epsilon: Math.max(0, budget.epsilon - spent.epsilon - reserved.epsilon),
          delta: Math.max(0, budget.delta - spent.delta - reserved.delta),
        }
      : { epsilon: 0, delta: 0 }
    return { budget: budget ? { epsilon: budget.epsilon, delta: budget.delta } : undefined, spent, reserved, remaining }
  }

  /** The one decision whether (ε, δ) fits what is left of the dataset's budget; the usage as it would be after. */
  function assertFits(datasetId: string, requested: PrivacyAmount): PrivacyUsage {
    const current = usage(datasetId)
    if (!current.budget) throw new PrivacyBudgetNotSetError(datasetId)
    const { epsilon, delta } = requested
    if (!fits(delta, current.budget.delta))
      throw new PrivacyBudgetExceededError(datasetId, requested, current.remaining, "The job's δ alone exceeds the dataset's δ.")
    if (!fits(current.spent.epsilon + current.reserved.epsilon + epsilon, current.budget.epsilon))
      throw new PrivacyBudgetExceededError(datasetId, requested, current.remaining, 'Spent, reserved and this job together exceed the budget’s ε.')
    if (!fits(current.spent.delta + current.reserved.delta + delta, current.budget.delta))
      throw new PrivacyBudgetExceededError(datasetId, requested, current.remaining, 'Spent, reserved and this job together exceed the budget’s δ.')
    return {
      ...current,
      reserved: { epsilon: current.reserved.epsilon + epsilon, delta: current.reserved.delta + delta },
      remaining: { epsilon: Math.max(0, current.remaining.epsilon - epsilon), delta: Math.max(0, current.remaining.delta - delta) },
    }
  }

  return {
    setBudget(datasetId, budget) {
      const id = parseArguments(idSchema, datasetId)
      const { epsilon, delta } = parseArguments(budgetSchema, budget)
      return transaction(() => {
        statements.setBudget.run(id, epsilon, delta, new Date().toISOString())
        return usage(id)
      })
    },

    reserve(reservation) {
      const { datasetId, jobId, epsilon, delta } = parseArguments(reservationSchema, reservation)
      return transaction(() => {
        const existing = getEntry(jobId)
        if (existing) {
          if (existing.dataset_id === datasetId && existing.reserved_epsilon === epsilon && existing.reserved_delta === delta) return toEntry(existing)
          throw new PrivacyLedgerConflictError(jobId, 'The job already holds a reservation with other amounts or on another dataset.')
        }
        assertFits(datasetId, { epsilon, delta })
        const now = new Date().toISOString()
        statements.insert.run(jobId, datasetId, epsilon, delta, now, now)
        return toEntry(getEntry(jobId)!)
      })
    },

    check(request) {
      const { datasetId, epsilon, delta } = parseArguments(checkSchema, request)
      return assertFits(datasetId, { epsilon, delta })
    },

    commit(params) {
      const { jobId, epsilon } = parseArguments(commitSchema, params)
      return transaction(() => {
        const existing = getEntry(jobId)
        if (!existing) throw new PrivacyReservationNotFoundError(jobId)
        if (existing.status === 'committed') {
          if (existing.spent_epsilon === Math.min(epsilon, existing.reserved_epsilon)) return toEntry(existing)
          throw new PrivacyLedgerConflictError(jobId, 'The job has already committed another ε.')
        }
        if (existing.status === 'released') throw new PrivacyLedgerConflictError(jobId, 'The job’s reservation was released; its budget may be in use by other jobs.')
        if (!fits(epsilon, existing.reserved_epsilon))
          throw new PrivacyLedgerConflictError(jobId, `The job spent ε = ${epsilon}, more than the ε = ${existing.reserved_epsilon} it reserved.`)
        statements.commit.run(Math.min(epsilon, existing.reserved_epsilon), new Date().toISOString(), jobId)
        return toEntry(getEntry(jobId)!)
      })
    },

    release(params) {
      const { jobId } = parseArguments(releaseSchema, params)
      return transaction(() => {
        statements.release.run(new Date().toISOString(), jobId)
        const entry = getEntry(jobId)
        return entry ? toEntry(entry) : undefined
      })
    },

    releaseStale(params) {
      const { jobIds } = parseArguments(releaseStaleSchema, params)
      return transaction(() => {
        const now = new Date().toISOString()
        let released = 0
        for (const jobId of new Set(jobIds)) released += Number(statements.release.run(now, jobId).changes)
        return released
      })
    },

    reservations() {
      return (statements.reservations.all() as EntryRow[]).map(toEntry)
    },

    usage(datasetId) {
      return usage(parseArguments(idSchema, datasetId))
    },

    entries(datasetId) {
      return (statements.entries.all(parseArguments(idSchema, datasetId)) as EntryRow[]).map(toEntry)
    },
  }
}
