import type { Job } from '@datavault/compute-to-data'
import { describe, expect, test } from 'vitest'
import { jobReceipt, poolJobRows } from './pool-job-rows.ts'

const hex = (byte: string, bytes: number) => `0x${byte.repeat(bytes)}` as `0x${string}`
const receipt = {
  chainId: 8996,
  node: hex('11', 20),
  message: {
    jobId: 'job-1',
    dataset: hex('aa', 20),
    datasetCids: ['bafy1', 'bafy2'],
    datasetIds: [hex('b1', 20), hex('b2', 20)],
    datasetRows: ['120', '80'],
    buyer: hex('22', 20),
    orderTx: hex('33', 32),
    trainerId: 'logistic-regression',
    trainerVersion: '1.1.0',
    trainerHash: hex('44', 32),
    paramsHash: hex('55', 32),
    outputsHash: hex('66', 32),
    epsilon: '0',
    delta: '1',
    acceptedAt: '1',
    startedAt: '2',
    finishedAt: '3',
  },
  hash: hex('77', 32),
  signature: hex('88', 65),
}

function store(pool: boolean) {
  const recorded: unknown[] = []
  return {
    recorded,
    datasets: { get: () => (pool ? ({ pool: hex('99', 20) } as never) : ({} as never)), recordPoolJob: (jobId: string, rows: unknown) => void recorded.push([jobId, rows]) },
  }
}

describe('poolJobRows', () => {
  test('default: a finished pool job records the rows it read from each member, from its receipt', () => {
    const { datasets, recorded } = store(true)
    poolJobRows({ datasets })({ id: 'job-1', datasetId: hex('aa', 20), state: 'finished', receipt } as unknown as Job)
    expect(recorded).toEqual([['job-1', [{ id: hex('b1', 20), rows: 120 }, { id: hex('b2', 20), rows: 80 }]]])
  })

  test('behavior: a job on a plain dataset, or not finished, records nothing', () => {
    const plain = store(false)
    poolJobRows({ datasets: plain.datasets })({ id: 'job-1', datasetId: hex('aa', 20), state: 'finished', receipt } as unknown as Job)
    const pool = store(true)
    poolJobRows({ datasets: pool.datasets })({ id: 'job-1', datasetId: hex('aa', 20), state: 'running' } as unknown as Job)
    expect([plain.recorded, pool.recorded]).toEqual([[], []])
  })
})

describe('jobReceipt', () => {
  test('default: the stored receipt, checked; none for a job without one', () => {
    expect(jobReceipt({ receipt })).toEqual(receipt)
    expect([jobReceipt({}), jobReceipt(undefined)]).toEqual([undefined, undefined])
  })

  test('error: a stored receipt that is not one throws (a corrupt store is not a receipt)', () => {
    expect(() => jobReceipt({ receipt: { ...receipt, message: { ...receipt.message, datasetRows: [120] } } })).toThrow()
  })
})
