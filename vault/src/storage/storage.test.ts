import { describe, expect, test } from 'vitest'
import { StorageFullError, isDiskFull } from './storage.ts'

describe('isDiskFull', () => {
  test('default: ENOSPC or EDQUOT, on the error or a cause it wraps, is a full disk', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    expect(isDiskFull(enospc)).toBe(true)
    expect(isDiskFull(new Error('put failed', { cause: new Error('wrapped', { cause: enospc }) }))).toBe(true)
    expect(isDiskFull(Object.assign(new Error('quota'), { code: 'EDQUOT' }))).toBe(true)
    expect(isDiskFull(new Error('Put failed: ENOSPC: no space left on device'))).toBe(true)
  })

  test('error: other failures are not a full disk', () => {
    expect(isDiskFull(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toBe(false)
    expect(isDiskFull(new Error('aborted'))).toBe(false)
    expect(isDiskFull(undefined)).toBe(false)
  })
})

describe('StorageFullError', () => {
  test('default: 507 STORAGE_FULL, shown to the client', () => {
    expect(new StorageFullError()).toMatchObject({ name: 'StorageFullError', code: 'STORAGE_FULL', status: 507, expose: true })
  })
})
