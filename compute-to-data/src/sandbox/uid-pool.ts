import { readdir, readFile } from 'node:fs/promises'
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

/** Hands out uids of a range, one per running job, skipping any uid that still owns a process. */
export type UidPool = {
  acquire(): Promise<{ uid: number; release(): void }>
}

/**
 * A pool over `[start, start + count)`. Each job gets a uid no other job holds, so jobs can
 * neither see nor signal each other's processes nor read each other's files. A uid that owns a
 * process (left by a crashed node, or used by someone else) is skipped.
 */
export function createUidPool({ start, count }: { start: number; count: number }): UidPool {
  const held = new Set<number>()
  let next = 0
  return {
    async acquire() {
      for (let tried = 0; tried < count; tried++) {
        const uid = start + ((next + tried) % count)
        if (held.has(uid)) continue
        held.add(uid)
        if ((await processesOfUid(uid)).length > 0) {
          held.delete(uid)
          continue
        }
        next = (uid - start + 1) % count
        return { uid, release: () => held.delete(uid) }
      }
      throw new Error(`no free sandbox uid in [${start}, ${start + count})`)
    },
  }
}
