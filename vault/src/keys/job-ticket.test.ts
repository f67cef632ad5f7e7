import { zeroAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { jobTicketFor } from './job-ticket.ts'

const job = { id: 'job-1', orderTx: `0x${'ab'.repeat(32)}`, buyer: `0x${'11'.repeat(20)}`, trainer: { id: 'logistic-regression', hash: `0x${'cd'.repeat(32)}` } } as const
const params = { holder: `0x${'22'.repeat(20)}`, dataset: `0x${'33'.repeat(20)}`, job, termsHash: `0x${'00'.repeat(32)}`, jobKey: '0x04aa', expiry: 1_900_000_000n } as const

describe('jobTicketFor', () => {
  test('default: the job\'s fields, the zero pool for a dataset\'s own order, and the trainer\'s hash', () => {
    const ticket = jobTicketFor(params)
    expect(ticket).toMatchObject({
      holder: params.holder,
      dataset: params.dataset,
      pool: zeroAddress,
      jobId: 'job-1',
      orderTx: job.orderTx,
      buyer: job.buyer,
      trainerId: 'logistic-regression',
      trainerHash: `0x${'cd'.repeat(32)}`,
      termsHash: params.termsHash,
      jobKey: '0x04aa',
      expiry: 1_900_000_000n,
    })
    expect(ticket.nonce).toMatch(/^0x[0-9a-f]{32}$/)
  })

  test('behavior: every ticket has its own nonce (a holder refuses a replayed one), and a pool order names the pool', () => {
    const pool = `0x${'44'.repeat(20)}` as const
    const first = jobTicketFor({ ...params, pool })
    const second = jobTicketFor({ ...params, pool })
    expect(first.pool).toBe(pool)
    expect(first.nonce).not.toBe(second.nonce)
  })
})
