import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { type JobStore, sqliteJobStore } from '@datavault/compute-to-data'
import { type Database, openDatabase } from './database.ts'
import { jobQuota } from './job-quota.ts'

const alice = '0x00000000000000000000000000000000000000a1'
const bob = '0x00000000000000000000000000000000000000b2'
const dataset = '0x00000000000000000000000000000000000000d5'

let db: Database
let jobs: JobStore
let orders = 0
beforeEach(() => {
  db = openDatabase(':memory:')
  jobs = sqliteJobStore({ db })
})
afterEach(() => db.close())

const submit = (buyer: `0x${string}`, awaitingApproval = false) =>
  jobs.create({
    datasetId: dataset,
    buyer,
    orderTx: `0x${(++orders).toString(16).padStart(64, '0')}`,
    trainer: { id: 'logistic-regression', version: '1', hash: `0x${'ab'.repeat(32)}` },
    params: {},
    awaitingApproval,
  })

describe('jobQuota', () => {
  test('default: a wallet may have 16 jobs waiting; the 17th is a 429 JOB_QUEUE_FULL; other wallets are not affected', () => {
    const quota = jobQuota()({ db })
    for (let n = 0; n < 16; n++) {
      quota.check(alice)
      submit(alice, n % 2 === 0)
    }
    expect(() => quota.check(alice)).toThrow(expect.objectContaining({ code: 'JOB_QUEUE_FULL', status: 429, details: 'per-wallet-waiting' }))
    expect(() => quota.check(bob)).not.toThrow()
  })

  test('behavior: a job that has started frees its place', () => {
    const quota = jobQuota({ perWalletWaiting: 2 })({ db })
    submit(alice)
    submit(alice)
    expect(() => quota.check(alice)).toThrow(expect.objectContaining({ code: 'JOB_QUEUE_FULL' }))
    expect(jobs.claimNext()?.buyer).toBe(alice)
    expect(() => quota.check(alice)).not.toThrow()
  })

  test('behavior: the node-wide limit holds whatever the number of wallets', () => {
    const quota = jobQuota({ nodeWaiting: 3 })({ db })
    for (let n = 0; n < 3; n++) submit(`0x${String(n + 1).padStart(40, '0')}`)
    expect(() => quota.check(alice)).toThrow(expect.objectContaining({ code: 'JOB_QUEUE_FULL', details: 'node-waiting' }))
  })

  test('behavior: the per-wallet rate counts the last hour, finished jobs included', () => {
    const quota = jobQuota({ perWalletPerHour: 2, perWalletWaiting: 100 })({ db })
    submit(alice)
    submit(alice)
    jobs.claimNext()
    jobs.claimNext()
    expect(() => quota.check(alice)).toThrow(expect.objectContaining({ code: 'JOB_RATE_LIMITED', status: 429, details: 'per-wallet-rate' }))
    expect(() => quota.check(alice, Date.now() + 3601_000)).not.toThrow()
  })

  test('args: addresses match whatever their case', () => {
    const quota = jobQuota({ perWalletWaiting: 1 })({ db })
    submit(alice)
    expect(() => quota.check(alice.toUpperCase().replace('0X', '0x'))).toThrow(expect.objectContaining({ code: 'JOB_QUEUE_FULL' }))
  })
})
