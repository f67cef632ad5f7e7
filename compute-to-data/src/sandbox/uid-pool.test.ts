import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm, unlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createUidPool, parseProcStatus, processesOfUid, removeStaleUidLock } from './uid-pool.ts'

// Far from the runner's default range, so a sandbox running beside these tests is never touched.
const start = 1_950_000_000
let lockDir: string

beforeEach(async () => {
  lockDir = await mkdtemp(join(tmpdir(), 'uid-pool-test-'))
})
afterEach(async () => {
  await rm(lockDir, { recursive: true, force: true })
})

/** A pid that no process has any more. */
function deadPid(): number {
  return spawnSync('/usr/bin/true').pid!
}

describe('createUidPool', () => {
  test('default: a lease is a lock file holding this pid; released, the uid can be had again', async () => {
    const pool = createUidPool({ start, count: 1, lockDir })
    const lease = await pool.acquire()
    expect(lease.uid).toBe(start)
    expect(await readFile(join(lockDir, String(start)), 'utf8')).toBe(String(process.pid))
    await expect(pool.acquire()).rejects.toThrow('no free sandbox uid')
    await lease.release()
    expect(await readdir(lockDir)).toEqual([])
    expect((await pool.acquire()).uid).toBe(start)
  })

  test('behavior: a lock that holds no pid yet is not taken over (its writer may be between creating and writing it)', async () => {
    // The state a lock was in, for a moment, when locks were created empty and written after: a
    // second acquirer that read it then took it for a dead writer's, removed it and took the uid,
    // so two concurrent jobs ran as one uid and the first to end killed the other's sandbox.
    await writeFile(join(lockDir, String(start)), '')
    const pool = createUidPool({ start, count: 1, lockDir })
    await expect(pool.acquire()).rejects.toThrow('no free sandbox uid')
    expect(await readFile(join(lockDir, String(start)), 'utf8')).toBe('')
  })

  test('behavior: a lock left without a pid long ago (a writer that died mid-write) is taken over', async () => {
    const path = join(lockDir, String(start))
    await writeFile(path, '')
    const longAgo = new Date(Date.now() - 10 * 60_000)
    await utimes(path, longAgo, longAgo)
    const lease = await createUidPool({ start, count: 1, lockDir }).acquire()
    expect(lease.uid).toBe(start)
    expect(await readFile(path, 'utf8')).toBe(String(process.pid))
  })

  test('behavior: a dead holder\'s lock is taken over, a live holder\'s is not', async () => {
    await writeFile(join(lockDir, String(start)), String(process.ppid))
    await writeFile(join(lockDir, String(start + 1)), String(deadPid()))
    const lease = await createUidPool({ start, count: 2, lockDir }).acquire()
    expect(lease.uid).toBe(start + 1)
    expect(await readFile(join(lockDir, String(start)), 'utf8')).toBe(String(process.ppid))
  })

  test('behavior: concurrent acquirers (one pool, or one per node process) never share a uid', async () => {
    const count = 24
    const pools = [createUidPool({ start, count, lockDir }), createUidPool({ start, count, lockDir }), createUidPool({ start, count, lockDir })]
    const leases = await Promise.all(Array.from({ length: count }, (_, i) => pools[i % pools.length]!.acquire()))
    expect(new Set(leases.map((lease) => lease.uid)).size).toBe(count)
    await expect(pools[0]!.acquire()).rejects.toThrow('no free sandbox uid')
    // Only the locks remain: every pending file they were linked from is gone.
    expect((await readdir(lockDir)).sort()).toEqual(leases.map((lease) => String(lease.uid)).sort())
  })

  test('behavior: a release removes its own lock, never one that replaced it', async () => {
    const path = join(lockDir, String(start))
    const lease = await createUidPool({ start, count: 1, lockDir }).acquire()
    // Another node took the uid over (e.g. it judged this node dead): its lock is a new file.
    await unlink(path)
    await writeFile(path, String(process.ppid))
    await lease.release()
    expect(await readFile(path, 'utf8')).toBe(String(process.ppid))
  })
})

describe('removeStaleUidLock', () => {
  test('behavior: removes a dead node\'s lock or pending file; keeps a live one; reports a missing one as gone', async () => {
    const dead = join(lockDir, `.pending-${deadPid()}-abc`)
    await writeFile(dead, String(deadPid()))
    const live = join(lockDir, String(start))
    await writeFile(live, String(process.pid))
    expect(await removeStaleUidLock(dead)).toBe('removed')
    expect(existsSync(dead)).toBe(false)
    expect(await removeStaleUidLock(live)).toBe('held')
    expect(await removeStaleUidLock(join(lockDir, 'missing'))).toBe('gone')
  })
})

describe('parseProcStatus', () => {
  test('default: the real uid (first of the Uid line) and the state', () => {
    expect(parseProcStatus('Name:\tnode\nState:\tS (sleeping)\nUid:\t1900000001\t1900000001\t0\t0\n')).toEqual({ uid: 1_900_000_001, zombie: false })
  })

  test('behavior: a zombie is marked as one', () => {
    expect(parseProcStatus('Name:\tbwrap\nState:\tZ (zombie)\nUid:\t7\t7\t7\t7\n')).toEqual({ uid: 7, zombie: true })
  })

  test('error: a text without a Uid line is not parsed', () => {
    expect(parseProcStatus('Name:\tx\n')).toBeUndefined()
  })
})

describe('processesOfUid', () => {
  test('args: this process is found under its own uid', async () => {
    const uid = process.getuid?.()
    if (uid === undefined) return
    expect(await processesOfUid(uid)).toContain(process.pid)
  })
})
