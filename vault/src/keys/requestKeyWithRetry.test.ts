import { describe, expect, test } from 'vitest'
import type { Dataset } from '../db/datasets.ts'
import type { Job } from '@datavault/compute-to-data'
import { KeyReleaseError } from './key-service.ts'
import { keyReleaseMayRecover, requestKeyWithRetry } from './requestKeyWithRetry.ts'

const job = { id: 'job-1' } as Job
const dataset = { id: '0x01' } as unknown as Dataset
const key = new Uint8Array(32).fill(7)
const chainDown = new KeyReleaseError('Only 0 of the 1 key shares needed were released.', {
  code: 'KEY_THRESHOLD_NOT_MET',
  status: 503,
  details: '0xaa: CHAIN_UNAVAILABLE; 0xbb: HOLDER_UNREACHABLE',
})

/** A key service that fails with `failures` in turn, then releases `key`. */
function flaky(failures: unknown[]) {
  let calls = 0
  return {
    calls: () => calls,
    async requestKey() {
      calls++
      const failure = failures.shift()
      if (failure) throw failure
      return key
    },
  }
}

describe('keyReleaseMayRecover', () => {
  test('default: the chain or a holder out of reach may recover; a refusal may not', () => {
    expect(keyReleaseMayRecover(chainDown)).toBe(true)
    expect(keyReleaseMayRecover({ code: 'CHAIN_UNAVAILABLE' })).toBe(true)
    expect(keyReleaseMayRecover({ code: 'KEY_THRESHOLD_NOT_MET', details: '0xaa: CHAIN_UNAVAILABLE; 0xbb: ORDER_NOT_FOUND' })).toBe(false)
    expect(keyReleaseMayRecover({ code: 'KEY_THRESHOLD_NOT_MET' })).toBe(false)
    expect(keyReleaseMayRecover({ code: 'DATASET_REVOKED' })).toBe(false)
    expect(keyReleaseMayRecover(new Error('x'))).toBe(false)
    expect(keyReleaseMayRecover(undefined)).toBe(false)
  })
})

describe('requestKeyWithRetry', () => {
  test('behavior: waits out the chain being gone, with doubling delays, and returns the key', async () => {
    const keys = flaky([chainDown, chainDown, { code: 'CHAIN_UNAVAILABLE' }])
    const delays: number[] = []
    const released = await requestKeyWithRetry(keys, { job, dataset, firstDelayMs: 1, maxDelayMs: 3, onRetry: ({ delayMs }) => delays.push(delayMs) })
    expect(released).toBe(key)
    expect(keys.calls()).toBe(4)
    expect(delays).toEqual([1, 2, 3])
  })

  test('error: a refusal is thrown at once, without a retry', async () => {
    const refused = new KeyReleaseError('The dataset was revoked by its owner.', { code: 'DATASET_REVOKED', status: 410 })
    const keys = flaky([refused])
    await expect(requestKeyWithRetry(keys, { job, dataset, firstDelayMs: 1 })).rejects.toMatchObject({ code: 'DATASET_REVOKED' })
    expect(keys.calls()).toBe(1)
  })

  test('error: past maxWaitMs the last failure is thrown', async () => {
    const keys = flaky(Array.from({ length: 100 }, () => chainDown))
    await expect(requestKeyWithRetry(keys, { job, dataset, firstDelayMs: 5, maxDelayMs: 5, maxWaitMs: 30 })).rejects.toMatchObject({ code: 'KEY_THRESHOLD_NOT_MET' })
    expect(keys.calls()).toBeGreaterThan(1)
    expect(keys.calls()).toBeLessThan(10)
  })

  test('error: the job\'s signal ends the wait', async () => {
    const keys = flaky(Array.from({ length: 100 }, () => chainDown))
    const controller = new AbortController()
    const pending = requestKeyWithRetry(keys, { job, dataset, signal: controller.signal, firstDelayMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    controller.abort(new Error('stopping'))
    await expect(pending).rejects.toThrow('stopping')
    expect(keys.calls()).toBe(1)
  })
})
