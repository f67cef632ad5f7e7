import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Worker } from 'node:worker_threads'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { privacyLedger } from './privacyLedger.ts'
import type { RaceMessage, RaceTask } from './privacyLedger.race-worker.ts'

const dataset = `0x${'11'.repeat(20)}`
const other = `0x${'22'.repeat(20)}`
const error = (code: string) => expect.objectContaining({ code })

const directories: string[] = []
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true })
})

function databaseFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'privacy-ledger-'))
  directories.push(directory)
  return join(directory, 'node.sqlite')
}

function ledger() {
  return privacyLedger({ db: new DatabaseSync(':memory:') })
}

describe('privacyLedger', () => {
  test('default: reserve before a job, commit what it spent, the rest goes back', () => {
    const privacy = ledger()
    expect(privacy.setBudget(dataset, { epsilon: 10, delta: 1e-5 })).toEqual({
      budget: { epsilon: 10, delta: 1e-5 },
      spent: { epsilon: 0, delta: 0 },
      reserved: { epsilon: 0, delta: 0 },
      remaining: { epsilon: 10, delta: 1e-5 },
    })
    const entry = privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 4, delta: 1e-6 })
    expect(entry).toMatchObject({ jobId: 'job-1', datasetId: dataset, status: 'reserved', reserved: { epsilon: 4, delta: 1e-6 }, spent: undefined })
    expect(privacy.usage(dataset)).toMatchObject({ reserved: { epsilon: 4, delta: 1e-6 }, remaining: { epsilon: 6, delta: 9e-6 } })

    expect(privacy.commit({ jobId: 'job-1', epsilon: 3 })).toMatchObject({ status: 'committed', spent: { epsilon: 3, delta: 1e-6 } })
    expect(privacy.usage(dataset)).toMatchObject({ spent: { epsilon: 3, delta: 1e-6 }, reserved: { epsilon: 0, delta: 0 }, remaining: { epsilon: 7 } })
    expect(privacy.entries(dataset).map((line) => [line.jobId, line.status])).toEqual([['job-1', 'committed']])
    expect(privacy.usage(other).budget).toBeUndefined()
  })

  test('behavior: a job that would overspend ε is refused with what is left', () => {
    const privacy = ledger()
    privacy.setBudget(dataset, { epsilon: 5, delta: 1e-5 })
    privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 2, delta: 1e-6 })
    privacy.reserve({ datasetId: dataset, jobId: 'job-2', epsilon: 2, delta: 1e-6 })
    privacy.commit({ jobId: 'job-1', epsilon: 2 })
    let refusal: unknown
    try {
      privacy.reserve({ datasetId: dataset, jobId: 'job-3', epsilon: 1.5, delta: 1e-6 })
    } catch (caught) {
      refusal = caught
    }
    expect(refusal).toMatchObject({
      name: 'PrivacyBudgetExceededError',
      code: 'PRIVACY_BUDGET_EXCEEDED',
      status: 409,
      datasetId: dataset,
      requested: { epsilon: 1.5, delta: 1e-6 },
      remaining: { epsilon: 1 },
    })
    expect((refusal as Error).message).toContain('ε = 1,')
    // Exactly what is left still fits.
    expect(privacy.reserve({ datasetId: dataset, jobId: 'job-3', epsilon: 1, delta: 1e-6 }).status).toBe('reserved')
    expect(privacy.usage(dataset).remaining.epsilon).toBe(0)
  })

  test('behavior: check answers what reserve would decide, and writes nothing', () => {
    const privacy = ledger()
    privacy.setBudget(dataset, { epsilon: 5, delta: 1e-5 })
    privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 2, delta: 1e-6 })
    expect(privacy.check({ datasetId: dataset, epsilon: 1.5, delta: 1e-6 })).toMatchObject({
      reserved: { epsilon: 3.5, delta: 2e-6 },
      remaining: { epsilon: 1.5, delta: 8e-6 },
    })
    expect(privacy.usage(dataset).remaining).toEqual({ epsilon: 3, delta: 9e-6 })
    expect(privacy.entries(dataset)).toHaveLength(1)
    expect(() => privacy.check({ datasetId: dataset, epsilon: 3.5, delta: 1e-6 })).toThrow(
      expect.objectContaining({ code: 'PRIVACY_BUDGET_EXCEEDED', requested: { epsilon: 3.5, delta: 1e-6 }, remaining: { epsilon: 3, delta: 9e-6 } }),
    )
    expect(() => privacy.reserve({ datasetId: dataset, jobId: 'job-2', epsilon: 3.5, delta: 1e-6 })).toThrow(error('PRIVACY_BUDGET_EXCEEDED'))
    expect(() => privacy.check({ datasetId: other, epsilon: 1, delta: 1e-6 })).toThrow(error('PRIVACY_BUDGET_NOT_SET'))
  })

  test('behavior: δ composes by sum, and a job’s δ alone may not pass the dataset’s', () => {
    const privacy = ledger()
    privacy.setBudget(dataset, { epsilon: 100, delta: 1e-5 })
    expect(() => privacy.reserve({ datasetId: dataset, jobId: 'greedy', epsilon: 1, delta: 2e-5 })).toThrow(
      expect.objectContaining({ code: 'PRIVACY_BUDGET_EXCEEDED', details: expect.stringContaining('δ alone') }),
    )
    privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 1, delta: 6e-6 })
    // ε fits easily; δ does not: 6e-6 + 6e-6 > 1e-5.
    expect(() => privacy.reserve({ datasetId: dataset, jobId: 'job-2', epsilon: 1, delta: 6e-6 })).toThrow(
      expect.objectContaining({ code: 'PRIVACY_BUDGET_EXCEEDED', details: expect.stringContaining('δ.') }),
    )
    privacy.reserve({ datasetId: dataset, jobId: 'job-2', epsilon: 1, delta: 4e-6 })
  })

  test('behavior: amounts that add up to the budget exactly fit, despite rounding', () => {
    const privacy = ledger()
    privacy.setBudget(dataset, { epsilon: 1, delta: 1e-5 })
    for (let k = 0; k < 10; k++) privacy.reserve({ datasetId: dataset, jobId: `job-${k}`, epsilon: 0.1, delta: 1e-6 })
    expect(() => privacy.reserve({ datasetId: dataset, jobId: 'job-10', epsilon: 1e-6, delta: 0 })).toThrow(error('PRIVACY_BUDGET_EXCEEDED'))
  })

  test('behavior: reserve, commit and release are idempotent per job', () => {
    const privacy = ledger()
    privacy.setBudget(dataset, { epsilon: 10, delta: 1e-5 })
    const first = privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 3, delta: 1e-6 })
    expect(privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 3, delta: 1e-6 })).toEqual(first)
    expect(privacy.usage(dataset).reserved.epsilon).toBe(3)
    expect(() => privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 4, delta: 1e-6 })).toThrow(error('PRIVACY_LEDGER_CONFLICT'))
    expect(() => privacy.reserve({ datasetId: other, jobId: 'job-1', epsilon: 3, delta: 1e-6 })).toThrow(error('PRIVACY_LEDGER_CONFLICT'))

    const committed = privacy.commit({ jobId: 'job-1', epsilon: 2 })
    expect(privacy.commit({ jobId: 'job-1', epsilon: 2 })).toEqual(committed)
    expect(() => privacy.commit({ jobId: 'job-1', epsilon: 2.5 })).toThrow(error('PRIVACY_LEDGER_CONFLICT'))
    // A repeated reserve after the commit (a retried request) does not reserve again.
    expect(privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 3, delta: 1e-6 }).status).toBe('committed')
    expect(privacy.usage(dataset)).toMatchObject({ spent: { epsilon: 2 }, reserved: { epsilon: 0 } })

    privacy.reserve({ datasetId: dataset, jobId: 'job-2', epsilon: 5, delta: 1e-6 })
    expect(privacy.release({ jobId: 'job-2' })).toMatchObject({ status: 'released', spent: undefined })
    expect(privacy.release({ jobId: 'job-2' })).toMatchObject({ status: 'released' })
    expect(privacy.usage(dataset)).toMatchObject({ spent: { epsilon: 2 }, reserved: { epsilon: 0 }, remaining: { epsilon: 8 } })
  })

  test('behavior: what was spent is never given back', () => {
    const privacy = ledger()
    privacy.setBudget(dataset, { epsilon: 10, delta: 1e-5 })
    privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 3, delta: 1e-6 })
    privacy.commit({ jobId: 'job-1', epsilon: 3 })
    expect(privacy.release({ jobId: 'job-1' })).toMatchObject({ status: 'committed' })
    expect(privacy.releaseStale({ jobIds: ['job-1'] })).toBe(0)
    expect(privacy.usage(dataset).spent.epsilon).toBe(3)
  })

  test('behavior: a lowered budget refuses new jobs and undoes nothing; a raised one admits them', () => {
    const privacy = ledger()
    privacy.setBudget(dataset, { epsilon: 10, delta: 1e-5 })
    privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 6, delta: 1e-6 })
    expect(privacy.setBudget(dataset, { epsilon: 4, delta: 1e-5 })).toMatchObject({ reserved: { epsilon: 6 }, remaining: { epsilon: 0 } })
    expect(() => privacy.reserve({ datasetId: dataset, jobId: 'job-2', epsilon: 0.1, delta: 1e-6 })).toThrow(error('PRIVACY_BUDGET_EXCEEDED'))
    privacy.setBudget(dataset, { epsilon: 7, delta: 1e-5 })
    expect(privacy.reserve({ datasetId: dataset, jobId: 'job-2', epsilon: 1, delta: 1e-6 }).status).toBe('reserved')
  })

  test('behavior: reservations survive a restart; recovery releases the stale ones', () => {
    const file = databaseFile()
    const before = new DatabaseSync(file)
    const privacy = privacyLedger({ db: before })
    privacy.setBudget(dataset, { epsilon: 10, delta: 1e-5 })
    privacy.reserve({ datasetId: dataset, jobId: 'finished', epsilon: 2, delta: 1e-6 })
    privacy.commit({ jobId: 'finished', epsilon: 1.5 })
    privacy.reserve({ datasetId: dataset, jobId: 'interrupted', epsilon: 3, delta: 1e-6 })
    privacy.reserve({ datasetId: dataset, jobId: 'queued', epsilon: 4, delta: 1e-6 })
    before.close()

    const after = privacyLedger({ db: new DatabaseSync(file) })
    expect(after.usage(dataset)).toMatchObject({ spent: { epsilon: 1.5 }, reserved: { epsilon: 7 } })
    expect(after.reservations().map((entry) => entry.jobId)).toEqual(['interrupted', 'queued'])
    // The engine knows 'interrupted' was mid-flight when the process stopped; 'queued' will still run.
    expect(after.releaseStale({ jobIds: ['interrupted', 'finished', 'never-seen'] })).toBe(1)
    expect(after.releaseStale({ jobIds: ['interrupted'] })).toBe(0)
    expect(after.usage(dataset)).toMatchObject({ spent: { epsilon: 1.5 }, reserved: { epsilon: 4 }, remaining: { epsilon: 4.5 } })
  })

  test('behavior: inside a caller’s transaction the ledger commits or rolls back with it', () => {
    const db = new DatabaseSync(':memory:')
    const privacy = privacyLedger({ db })
    privacy.setBudget(dataset, { epsilon: 10, delta: 1e-5 })
    db.exec('BEGIN')
    privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 3, delta: 1e-6 })
    db.exec('ROLLBACK')
    expect(privacy.entries(dataset)).toEqual([])
    db.exec('BEGIN')
    expect(() => privacy.reserve({ datasetId: dataset, jobId: 'job-2', epsilon: 30, delta: 1e-6 })).toThrow(error('PRIVACY_BUDGET_EXCEEDED'))
    privacy.reserve({ datasetId: dataset, jobId: 'job-3', epsilon: 3, delta: 1e-6 })
    db.exec('COMMIT')
    expect(privacy.entries(dataset).map((entry) => entry.jobId)).toEqual(['job-3'])
  })

  test('args: a dataset without a budget takes no reservation; unknown jobs have nothing to commit or release', () => {
    const privacy = ledger()
    expect(() => privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 1, delta: 1e-6 })).toThrow(
      expect.objectContaining({ name: 'PrivacyBudgetNotSetError', code: 'PRIVACY_BUDGET_NOT_SET', status: 409 }),
    )
    expect(privacy.usage(dataset)).toEqual({ budget: undefined, spent: { epsilon: 0, delta: 0 }, reserved: { epsilon: 0, delta: 0 }, remaining: { epsilon: 0, delta: 0 } })
    expect(() => privacy.commit({ jobId: 'job-1', epsilon: 1 })).toThrow(
      expect.objectContaining({ name: 'PrivacyReservationNotFoundError', code: 'PRIVACY_RESERVATION_NOT_FOUND', status: 404 }),
    )
    expect(privacy.release({ jobId: 'job-1' })).toBeUndefined()
  })

  test('error: a commit above the reservation, or after a release, is refused', () => {
    const privacy = ledger()
    privacy.setBudget(dataset, { epsilon: 10, delta: 1e-5 })
    privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: 2, delta: 1e-6 })
    expect(() => privacy.commit({ jobId: 'job-1', epsilon: 2.5 })).toThrow(error('PRIVACY_LEDGER_CONFLICT'))
    expect(privacy.usage(dataset).reserved.epsilon).toBe(2)
    privacy.release({ jobId: 'job-1' })
    expect(() => privacy.commit({ jobId: 'job-1', epsilon: 1 })).toThrow(error('PRIVACY_LEDGER_CONFLICT'))
  })

  test('error: out-of-domain amounts and ids are refused', () => {
    const privacy = ledger()
    const invalid = expect.objectContaining({ name: 'PrivacyArgumentError', code: 'PRIVACY_ARGUMENT_INVALID', status: 400 })
    expect(() => privacy.setBudget(dataset, { epsilon: -1, delta: 1e-5 })).toThrow(invalid)
    expect(() => privacy.setBudget(dataset, { epsilon: 1, delta: 1 })).toThrow(invalid)
    expect(() => privacy.setBudget(dataset, { epsilon: Infinity, delta: 1e-5 })).toThrow(invalid)
    expect(() => privacy.setBudget('', { epsilon: 1, delta: 1e-5 })).toThrow(invalid)
    privacy.setBudget(dataset, { epsilon: 1, delta: 1e-5 })
    expect(() => privacy.reserve({ datasetId: dataset, jobId: 'job-1', epsilon: Number.NaN, delta: 1e-6 })).toThrow(invalid)
    expect(() => privacy.reserve({ datasetId: dataset, jobId: '', epsilon: 0.1, delta: 1e-6 })).toThrow(invalid)
    expect(() => privacy.commit({ jobId: 'job-1', epsilon: -0.1 })).toThrow(invalid)
  })

  describe('concurrency', () => {
    // Four threads, each with its own SQLite connection to one database file, as four node
    // processes sharing a data dir would have. Started once: loading the ledger takes most of a second.
    let workers: Worker[] = []
    beforeAll(() => {
      workers = Array.from({ length: 4 }, () => new Worker(new URL('./privacyLedger.race-worker.ts', import.meta.url)))
    })
    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.terminate()))
    })

    async function race(file: string, plans: string[][], epsilon: number, delta: number) {
      const start = new SharedArrayBuffer(4)
      const ready: Promise<void>[] = []
      const results = plans.map((jobIds, w) => {
        const worker = workers[w]!
        let atBarrier: () => void
        ready.push(new Promise<void>((resolve) => (atBarrier = resolve)))
        const result = new Promise<Extract<RaceMessage, { type: 'result' }>>((resolve, reject) => {
          const onMessage = (message: RaceMessage) => {
            if (message.type === 'ready') return atBarrier()
            worker.off('message', onMessage)
            worker.off('error', reject)
            resolve(message)
          }
          worker.on('message', onMessage)
          worker.once('error', reject)
        })
        worker.postMessage({ file, datasetId: dataset, jobIds, epsilon, delta, start } satisfies RaceTask)
        return result
      })
      await Promise.all(ready)
      Atomics.store(new Int32Array(start), 0, 1)
      Atomics.notify(new Int32Array(start), 0)
      return Promise.all(results)
    }

    function prepare(budget: { epsilon: number; delta: number }) {
      const file = databaseFile()
      const db = new DatabaseSync(file)
      db.exec('PRAGMA journal_mode = WAL')
      privacyLedger({ db }).setBudget(dataset, budget)
      return { file, db }
    }

    test('behavior: writers on separate connections racing to reserve never overspend, and fill the budget exactly', async () => {
      const { file, db } = prepare({ epsilon: 10, delta: 1e-5 })
      // 4 × 30 attempts of ε = 0.25 against ε = 10: exactly 40 fit (δ allows 100).
      const plans = Array.from({ length: 4 }, (_, w) => Array.from({ length: 30 }, (_, k) => `w${w}-job${k}`))
      const results = await race(file, plans, 0.25, 1e-7)

      expect(results.flatMap((result) => result.errors)).toEqual([])
      const reserved = results.flatMap((result) => result.reserved)
      expect(reserved).toHaveLength(40)
      expect(results.reduce((sum, result) => sum + result.refused, 0)).toBe(80)
      for (const result of results) expect(result.highestSeen).toBeLessThanOrEqual(10)
      const privacy = privacyLedger({ db })
      expect(privacy.usage(dataset)).toMatchObject({ reserved: { epsilon: 10 }, remaining: { epsilon: 0 } })
      expect(privacy.entries(dataset).map((entry) => entry.jobId).sort()).toEqual([...reserved].sort())
      db.close()
    })

    test('behavior: the same jobs reserved from several connections count once', async () => {
      const { file, db } = prepare({ epsilon: 100, delta: 1e-5 })
      const jobIds = Array.from({ length: 25 }, (_, k) => `job-${k}`)
      const results = await race(file, [jobIds, [...jobIds].reverse(), jobIds, [...jobIds].reverse()], 1, 1e-7)

      expect(results.flatMap((result) => result.errors)).toEqual([])
      expect(privacyLedger({ db }).usage(dataset)).toMatchObject({ reserved: { epsilon: 25 }, remaining: { epsilon: 75 } })
      expect(privacyLedger({ db }).entries(dataset)).toHaveLength(25)
      db.close()
    })
  })
})
