import { DatabaseSync } from 'node:sqlite'
import { describe, expect, test } from 'vitest'
import { maxAttemptsPerOrder, sqliteJobStore } from './job-store.ts'

const trainer = { id: 'logistic-regression', version: '1.0.0', hash: `0x${'ab'.repeat(32)}` as const }
const dataset = `0x${'11'.repeat(20)}` as const
const buyer = `0x${'22'.repeat(20)}` as const
const order = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const

function store() {
  return sqliteJobStore({ db: new DatabaseSync(':memory:') })
}

describe('sqliteJobStore', () => {
  test('default: a job walks queued → provisioning → running → checking → finished', () => {
    const jobs = store()
    const created = jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: { label: 'y' } })
    expect(created.state).toBe('queued')
    expect(created.timings.acceptedAt).toBeTypeOf('number')
    const claimed = jobs.claimNext()
    expect(claimed?.id).toBe(created.id)
    expect(claimed?.state).toBe('provisioning')
    expect(jobs.claimNext()).toBeUndefined()
    jobs.transition(created.id, 'running')
    jobs.setProgress(created.id, { epoch: 3, loss: 0.5 })
    jobs.transition(created.id, 'checking')
    const finished = jobs.transition(created.id, 'finished', { metrics: { loss: 0.4 }, result: { files: [] } })
    expect(finished).toMatchObject({ state: 'finished', metrics: { loss: 0.4 }, progress: { epoch: 3, loss: 0.5 } })
  })

  test('behavior: jobs are claimed oldest first', () => {
    const jobs = store()
    const first = jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })
    const second = jobs.create({ datasetId: dataset, buyer, orderTx: order(2), trainer, params: {} })
    expect(jobs.claimNext()?.id).toBe(first.id)
    expect(jobs.claimNext()?.id).toBe(second.id)
  })

  test('error: a transition the state machine does not allow is refused', () => {
    const jobs = store()
    const job = jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })
    expect(() => jobs.transition(job.id, 'finished')).toThrow(expect.objectContaining({ code: 'JOB_TRANSITION_INVALID' }))
    jobs.claimNext()
    jobs.fail(job.id, { code: 'timeout', message: 'too slow' })
    expect(() => jobs.transition(job.id, 'running')).toThrow(expect.objectContaining({ code: 'JOB_TRANSITION_INVALID' }))
    expect(() => jobs.fail(job.id, { code: 'timeout', message: 'again' })).toThrow(expect.objectContaining({ code: 'JOB_TRANSITION_INVALID' }))
  })

  test('error: an order held by a job cannot pay for another', () => {
    const jobs = store()
    jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })
    expect(() => jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })).toThrow(
      expect.objectContaining({ name: 'OrderAlreadyUsedError', code: 'ORDER_ALREADY_USED' }),
    )
  })

  test('error: a finished job consumes its order', () => {
    const jobs = store()
    const job = jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })
    jobs.claimNext()
    jobs.transition(job.id, 'running')
    jobs.transition(job.id, 'checking')
    jobs.transition(job.id, 'finished')
    expect(() => jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })).toThrow(
      expect.objectContaining({ code: 'ORDER_ALREADY_USED' }),
    )
  })

  test('behavior: a retryable failure releases the order to the same buyer, a bounded number of times', () => {
    const jobs = store()
    for (let attempt = 1; attempt <= maxAttemptsPerOrder; attempt++) {
      const job = jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })
      jobs.claimNext()
      jobs.fail(job.id, { code: 'timeout', message: 'too slow' })
    }
    expect(() => jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })).toThrow(
      expect.objectContaining({ code: 'ORDER_ALREADY_USED' }),
    )
  })

  test('behavior: failures the buyer did not cause never use up the order', () => {
    const jobs = store()
    for (let attempt = 1; attempt <= maxAttemptsPerOrder + 3; attempt++) {
      const job = jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })
      jobs.claimNext()
      jobs.fail(job.id, { code: attempt % 2 ? 'interrupted' : 'internal-error', message: 'node trouble' })
    }
    expect(jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} }).state).toBe('queued')
  })

  test('behavior: a released order is not reusable by another buyer or for another dataset', () => {
    const jobs = store()
    const job = jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })
    jobs.claimNext()
    jobs.fail(job.id, { code: 'trainer-failed', message: 'x' })
    const other = `0x${'33'.repeat(20)}` as const
    expect(() => jobs.create({ datasetId: dataset, buyer: other, orderTx: order(1), trainer, params: {} })).toThrow(
      expect.objectContaining({ code: 'ORDER_ALREADY_USED' }),
    )
    expect(() => jobs.create({ datasetId: other, buyer, orderTx: order(1), trainer, params: {} })).toThrow(
      expect.objectContaining({ code: 'ORDER_ALREADY_USED' }),
    )
  })

  test('behavior: an egress violation releases the order for a retry, unless the policy forfeits it', () => {
    const jobs = store()
    const first = jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })
    jobs.claimNext()
    jobs.fail(first.id, { code: 'egress-violation', message: 'extra file' })
    const job = jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })
    jobs.claimNext()
    jobs.fail(job.id, { code: 'egress-violation', message: 'extra file' }, {}, { forfeitOrder: true })
    expect(() => jobs.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })).toThrow(
      expect.objectContaining({ code: 'ORDER_ALREADY_USED' }),
    )
  })

  test('behavior: jobs interrupted by a stop fail on recovery and queued ones stay queued', () => {
    const db = new DatabaseSync(':memory:')
    const before = sqliteJobStore({ db })
    const running = before.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} })
    const queued = before.create({ datasetId: dataset, buyer, orderTx: order(2), trainer, params: {} })
    before.claimNext()
    before.transition(running.id, 'running')
    const after = sqliteJobStore({ db })
    expect(after.recoverInterrupted()).toEqual([running.id])
    expect(after.require(running.id)).toMatchObject({ state: 'failed', failure: { code: 'interrupted' } })
    expect(after.require(queued.id).state).toBe('queued')
    // The interrupted job's order is usable again.
    expect(after.create({ datasetId: dataset, buyer, orderTx: order(1), trainer, params: {} }).state).toBe('queued')
  })

  test('error: an unknown job id', () => {
    expect(() => store().require('nope')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }))
  })
})
