import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { type Database, openDatabase } from './database.ts'
import { uploadQuota } from './upload-quota.ts'

const alice = '0x00000000000000000000000000000000000000a1'
const bob = '0x00000000000000000000000000000000000000b2'
const limits = { perWalletPendingBytes: 1000, nodePendingBytes: 2500, maxUploadBytes: 600, perWalletPerHour: 5 }

let db: Database
beforeEach(() => {
  db = openDatabase(':memory:')
})
afterEach(() => db.close())

let cids = 0
const cid = () => `bafy${String(++cids).padStart(20, 'a')}`
const register = (stored: string) =>
  db
    .prepare(
      "INSERT INTO datasets (id, owner, cid, name, description, schema_json, policy_json, size, created_at) VALUES (?, ?, ?, 'n', '', '{}', '{}', 1, ?)",
    )
    .run(`0x${String(cids).padStart(40, '0')}`, alice, stored, new Date().toISOString())

describe('uploadQuota', () => {
  test('default: an upload may take the smallest of the upload limit, the wallet\'s room and the node\'s room', () => {
    const quota = uploadQuota(limits)({ db })
    const first = quota.begin(alice)
    expect(first.maxBytes).toBe(600)
    quota.stored({ cid: cid(), uploader: alice, size: 600 })
    first.end()
    expect(quota.begin(alice).maxBytes).toBe(400)
  })

  test('behavior: uploads in progress count, so concurrent uploads cannot overshoot; ending one frees its room', () => {
    const quota = uploadQuota(limits)({ db })
    const a = quota.begin(alice)
    const b = quota.begin(alice)
    expect(a.maxBytes + b.maxBytes).toBe(1000)
    expect(() => quota.begin(alice)).toThrow(expect.objectContaining({ code: 'UPLOAD_QUOTA_EXCEEDED', status: 429, details: 'per-wallet-pending' }))
    a.end()
    expect(quota.begin(alice).maxBytes).toBe(600)
  })

  test('args: size: an upload of known size (an upload session) reserves only that much, so others of the wallet still fit', () => {
    const quota = uploadQuota(limits)({ db })
    const session = quota.begin(alice, undefined, 250)
    expect(session.maxBytes).toBe(250)
    expect(quota.begin(alice, undefined, 300).maxBytes).toBe(300)
    expect(quota.begin(alice).maxBytes).toBe(450)
    expect(() => quota.begin(alice)).toThrow(expect.objectContaining({ code: 'UPLOAD_QUOTA_EXCEEDED', details: 'per-wallet-pending' }))
    session.end()
    expect(quota.begin(alice, undefined, 900).maxBytes).toBe(250)
  })

  test('behavior: the node-wide limit holds whatever the number of wallets, and a registered upload is no longer pending', () => {
    const quota = uploadQuota(limits)({ db })
    const wallets = Array.from({ length: 5 }, (_, n) => `0x${String(n + 1).padStart(40, '0')}`)
    const stored: string[] = []
    for (const wallet of wallets.slice(0, 4)) {
      const allowance = quota.begin(wallet)
      const id = cid()
      quota.stored({ cid: id, uploader: wallet, size: allowance.maxBytes })
      stored.push(id)
      allowance.end()
    }
    // 4 × 600 = 2400 pending: 100 bytes of room left on the node for anyone.
    expect(quota.begin(wallets[4]!).maxBytes).toBe(100)
    expect(() => quota.begin(bob)).toThrow(expect.objectContaining({ code: 'UPLOAD_QUOTA_EXCEEDED', details: 'node-pending' }))
    register(stored[0]!)
    expect(quota.begin(bob).maxBytes).toBe(600)
  })

  test('behavior: a wallet may start five uploads an hour, those in progress included', () => {
    const quota = uploadQuota({ ...limits, perWalletPendingBytes: 10_000, nodePendingBytes: 10_000 })({ db })
    const now = Date.parse('2026-12-06T10:00:00Z')
    for (let n = 0; n < 4; n++) quota.stored({ cid: cid(), uploader: alice, size: 1 }, now)
    const fifth = quota.begin(alice, now)
    expect(() => quota.begin(alice, now)).toThrow(expect.objectContaining({ code: 'UPLOAD_RATE_LIMITED', status: 429, details: 'per-wallet-rate' }))
    expect(() => quota.begin(bob, now).end()).not.toThrow()
    fifth.end()
    expect(() => quota.begin(alice, now + 3601_000)).not.toThrow()
  })
})
