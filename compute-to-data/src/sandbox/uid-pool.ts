import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { link, mkdir, open, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** How many /proc entries {@link processesOfUid} reads before it lets the event loop run. */
const scanSlice = 128

/** The uid on a `/proc/<pid>/status` text's `Uid:` line (the real uid), and whether it is a zombie. */
export function parseProcStatus(status: string): { uid: number; zombie: boolean } | undefined {
  const match = /^Uid:\s+(\d+)/m.exec(status)
  if (match === null) return undefined
  return { uid: Number(match[1]), zombie: /^State:\s+Z/m.test(status) }
}

/**
 * Pids of every live process whose real uid is `uid`, from /proc. Zombies are left out: they run
 * nothing and hold no memory, and bubblewrap's pid-1 reaper, orphaned when bubblewrap exits, may
 * wait as a zombie until the host's init reaps it.
 *
 * Every process's `status` is read (not the owner of `/proc/<pid>`, which shows root for a process
 * that made itself non-dumpable). The reads are synchronous, in slices of {@link scanSlice} between
 * which the event loop runs: /proc files are served from memory, and one awaited read per process
 * (two trips through libuv's thread pool each) made a scan of ~100 processes take 20 ms or more on
 * a loaded host, three times per job.
 */
export async function processesOfUid(uid: number): Promise<number[]> {
  const pids: number[] = []
  const entries = readdirSync('/proc')
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && i % scanSlice === 0) await new Promise((resolve) => setImmediate(resolve))
    const entry = entries[i]!
    if (!/^\d+$/.test(entry)) continue
    let status: string
    try {
      status = readFileSync(`/proc/${entry}/status`, 'utf8')
    } catch {
      continue
    }
    const parsed = parseProcStatus(status)
    if (parsed !== undefined && parsed.uid === uid && !parsed.zombie) pids.push(Number(entry))
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
    // A killed process is gone within a ms or two: look again soon, then every 10 ms.
    await sleep(Math.min(10, 2 ** round))
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
 * How old a lock without a pid must be before it counts as stale. A node that writes its lock in
 * two steps (create, then write the pid: every version before atomic locks) leaves it empty for a
 * moment while it is alive; only one left empty for this long is a writer that died mid-write.
 */
const pidlessLockGraceMs = 60_000

/** Which file a path names: an inode number alone may be reused the moment a file is removed. */
type FileIdentity = { ino: bigint; ctimeNs: bigint }
const sameFile = (a: FileIdentity | undefined, b: FileIdentity) => a !== undefined && a.ino === b.ino && a.ctimeNs === b.ctimeNs

/**
 * Removes the uid lock at `path` when its holder is gone: the pid in it is dead, or it holds no
 * pid and is older than the grace above. Returns `held` when it stays (a live holder, or a lock
 * that was replaced while it was judged), `removed` or `gone` (no lock there any more).
 */
export async function removeStaleUidLock(path: string): Promise<'held' | 'removed' | 'gone'> {
  let judged: FileIdentity & { mtimeMs: number; text: string }
  try {
    const handle = await open(path, 'r')
    try {
      const { ino, ctimeNs, mtimeMs } = await handle.stat({ bigint: true })
      judged = { ino, ctimeNs, mtimeMs: Number(mtimeMs), text: (await handle.readFile('utf8')).trim() }
    } finally {
      await handle.close()
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    throw error
  }
  if (/^[1-9]\d*$/.test(judged.text)) {
    if (isProcessAlive(Number(judged.text))) return 'held'
  } else if (Date.now() - judged.mtimeMs < pidlessLockGraceMs) return 'held'
  // Another node may have taken the stale lock over since it was read: remove only the file judged.
  // (A takeover landing between this stat and the unlink is not caught; Node has no atomic
  // compare-and-unlink. It needs two nodes taking over one dead node's lock at the same instant.)
  const now = await stat(path, { bigint: true }).catch(() => undefined)
  if (now === undefined) return 'gone'
  if (!sameFile(now, judged)) return 'held'
  await unlink(path).catch(() => {})
  return 'removed'
}

/**
 * A pool over `[start, start + count)`. Each job gets a uid no other job holds, so jobs can
 * neither see nor signal each other's processes nor read each other's files. Holding is recorded
 * host-wide as a lock file `lockDir/<uid>` holding the holder's pid, so several node processes on
 * one host never share a uid; a lock whose holder died is taken over. A uid that still owns a live
 * process (left by a crashed node, or used by someone else) is skipped.
 *
 * A lock appears with its pid already in it: the pid is written to a pending file of the
 * acquirer's own, which is then hard-linked to `lockDir/<uid>` (the link fails if the lock
 * exists). A lock created empty and written afterwards would let a concurrent acquirer read it
 * empty in between, take it for a dead writer's, remove it and take the same uid: two jobs as one
 * uid, and the first to end kills the other's processes as it cleans up its uid.
 */
export function createUidPool({ start, count, lockDir }: { start: number; count: number; lockDir: string }): UidPool {
  let next = Math.floor(Math.random() * count)
  /** Takes the lock at `path`; returns the lock file's identity, or undefined when it is held. */
  const tryLock = async (path: string): Promise<FileIdentity | undefined> => {
    // Named with the pid, holding it: the stale sweep removes one left by a node that died here.
    const pending = join(lockDir, `.pending-${process.pid}-${randomBytes(6).toString('hex')}`)
    await writeFile(pending, String(process.pid), { flag: 'wx', mode: 0o600 })
    let linked = false
    try {
      for (let attempt = 0; attempt < 2 && !linked; attempt++) {
        try {
          await link(pending, path)
          linked = true
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
          if ((await removeStaleUidLock(path)) === 'held') break
        }
      }
    } finally {
      await unlink(pending).catch(() => {})
    }
    // Taken once the pending name is gone, which changes the file's ctime; nothing changes it after.
    return linked ? await stat(path, { bigint: true }) : undefined
  }
  return {
    async acquire() {
      await mkdir(lockDir, { recursive: true, mode: 0o700 })
      // Where this acquirer starts, read once: \`next\` moves while it awaits (other acquirers of
      // this pool succeed), and reading it afresh each step would skip uids and try others twice,
      // so an acquirer could give up with a uid still free.
      const first = next
      for (let tried = 0; tried < count; tried++) {
        const uid = start + ((first + tried) % count)
        const path = join(lockDir, String(uid))
        const lock = await tryLock(path)
        if (lock === undefined) continue
        // Remove the lock only while it is this lease's own file, never one that replaced it.
        const release = async () => {
          if (sameFile(await stat(path, { bigint: true }).catch(() => undefined), lock)) await unlink(path).catch(() => {})
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
