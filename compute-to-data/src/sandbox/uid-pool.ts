import { mkdir, readFile, readdir, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Pids of every live process whose real uid is `uid`, from /proc. Zombies are left out: they run
 * nothing and hold no memory, and bubblewrap's pid-1 reaper, orphaned when bubblewrap exits, may
 * wait as a zombie until the host's init reaps it.
 */
export async function processesOfUid(uid: number): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '')
    const match = /^Uid:\s+(\d+)/m.exec(status)
    if (match && Number(match[1]) === uid && !/^State:\s+Z/m.test(status)) pids.push(Number(entry))
  }
  return pids
}

/** SIGKILLs every process of `uid` until none is left (only for a uid that belongs to one job). */
export async function killProcessesOfUid(uid: number): Promise<number> {
  let killed = 0
  for (let round = 0; round < 200; round++) {
    const pids = await processesOfUid(uid)
    if (pids.length === 0) return killed
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
        killed++
      } catch {}
    }
    await sleep(10)
  }
  return killed
}

/** True when a process with this pid exists (a pid we may not signal exists too). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Hands out uids of a range, one per running job, skipping any uid that still owns a process. */
export type UidPool = {
  acquire(): Promise<{ uid: number; release(): Promise<void> }>
}

/**
 * A pool over `[start, start + count)`. Each job gets a uid no other job holds, so jobs can
 * neither see nor signal each other's processes nor read each other's files. Holding is recorded
 * host-wide as a lock file `lockDir/<uid>` holding the holder's pid (created exclusively), so
 * several node processes on one host never share a uid; a lock whose holder died is taken over.
 * A uid that still owns a live process (left by a crashed node, or used by someone else) is skipped.
 */
export function createUidPool({ start, count, lockDir }: { start: number; count: number; lockDir: string }): UidPool {
  let next = Math.floor(Math.random() * count)
  const tryLock = async (uid: number): Promise<boolean> => {
    const path = join(lockDir, String(uid))
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 })
        return true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim())
        // A holder that died (or a torn write) leaves a stale lock: remove it and try once more.
        if (Number.isInteger(holder) && holder > 0 && isProcessAlive(holder)) return false
        await unlink(path).catch(() => {})
      }
    }
    return false
  }
  return {
    async acquire() {
      await mkdir(lockDir, { recursive: true, mode: 0o700 })
      for (let tried = 0; tried < count; tried++) {
        const uid = start + ((next + tried) % count)
        if (!(await tryLock(uid))) continue
        const release = async () => {
          await unlink(join(lockDir, String(uid))).catch(() => {})
        }
        if ((await processesOfUid(uid)).length > 0) {
          await release()
          continue
        }
        next = (uid - start + 1) % count
        return { uid, release }
      }
      throw new Error(`no free sandbox uid in [${start}, ${start + count})`)
    },
  }
}
