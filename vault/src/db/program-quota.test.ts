import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { algorithmStore } from './algorithms.ts'
import { type Database, openDatabase } from './database.ts'
import { programQuota } from './program-quota.ts'

const alice = '0x00000000000000000000000000000000000000a1'
const bob = '0x00000000000000000000000000000000000000b2'
const program = (n: number) => new TextEncoder().encode(`console.log(${n})\n`)

let dir: string
let db: Database
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'program-quota-'))
  db = openDatabase(':memory:')
  // compute-to-data's jobs table lives in the same database on a node; the quota reads trainer_json only.
  db.exec('CREATE TABLE jobs (id TEXT PRIMARY KEY, trainer_json TEXT NOT NULL)')
})
afterEach(async () => {
  db.close()
  await rm(dir, { recursive: true, force: true })
})

const useInJob = (hash: string) => db.prepare('INSERT INTO jobs (id, trainer_json) VALUES (?, ?)').run(hash, JSON.stringify({ id: 'custom', hash }))

describe('programQuota', () => {
  test('default: a wallet holds at most four programs no job uses; the fifth is a 429 UPLOAD_QUOTA_EXCEEDED; re-uploads and other wallets are not affected', async () => {
    const store = await algorithmStore({ db, dir })
    for (let n = 0; n < 4; n++) await store.save({ code: program(n), uploader: alice, runtime: 'node' })
    await expect(store.save({ code: program(4), uploader: alice, runtime: 'node' })).rejects.toMatchObject({
      code: 'UPLOAD_QUOTA_EXCEEDED',
      status: 429,
      details: 'per-wallet-unused',
    })
    await expect(store.save({ code: program(0), uploader: alice, runtime: 'node' })).resolves.toMatch(/^0x[0-9a-f]{64}$/)
    await expect(store.save({ code: program(4), uploader: bob, runtime: 'node' })).resolves.toMatch(/^0x/)
  })

  test('behavior: a program a job names is used: it frees a place and never expires; unused ones are deleted, file and all, once their time is up', async () => {
    let now = Date.parse('2026-12-06T10:00:00Z')
    const store = await algorithmStore({ db, dir, quota: programQuota({ perWalletUnused: 2, unusedTtlMs: 3600_000 })({ db }), now: () => now })
    const used = await store.save({ code: program(1), uploader: alice, runtime: 'node' })
    const idle = await store.save({ code: program(2), uploader: alice, runtime: 'node' })
    await expect(store.save({ code: program(3), uploader: alice, runtime: 'node' })).rejects.toMatchObject({ code: 'UPLOAD_QUOTA_EXCEEDED' })
    useInJob(used)
    const third = await store.save({ code: program(3), uploader: alice, runtime: 'node' })
    now += 2 * 3600_000
    await store.save({ code: program(4), uploader: bob, runtime: 'node' })
    expect(store.path(used)).toBeDefined()
    expect(existsSync(store.path(used)!)).toBe(true)
    expect(store.path(idle)).toBeUndefined()
    expect(store.path(third)).toBeUndefined()
    expect(existsSync(join(dir, idle.slice(2)))).toBe(false)
  })

  test('error: more new programs per hour than allowed is a 429 UPLOAD_RATE_LIMITED; the node-wide limit holds for all wallets together', async () => {
    const rate = await algorithmStore({ db, dir, quota: programQuota({ perWalletPerHour: 2, perWalletUnused: 100 })({ db }) })
    await rate.save({ code: program(1), uploader: alice, runtime: 'node' })
    await rate.save({ code: program(2), uploader: alice, runtime: 'node' })
    await expect(rate.save({ code: program(3), uploader: alice, runtime: 'node' })).rejects.toMatchObject({ code: 'UPLOAD_RATE_LIMITED', status: 429 })
    const node = await algorithmStore({ db, dir, quota: programQuota({ nodeUnused: 3 })({ db }) })
    await node.save({ code: program(4), uploader: bob, runtime: 'node' })
    await expect(node.save({ code: program(5), uploader: bob, runtime: 'node' })).rejects.toMatchObject({ code: 'UPLOAD_QUOTA_EXCEEDED', details: 'node-unused' })
  })
})
