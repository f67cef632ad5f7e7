import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { chown, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** The cgroup v1 controllers a job uses. */
const controllers = ['memory', 'pids', 'cpuacct'] as const
type Controller = (typeof controllers)[number]

/** A job's own cgroups (one per controller), children of the node process's cgroups. */
export type JobCgroups = {
  /** `cgroup.procs` files the sandbox's first process writes its pid to, before it execs bubblewrap. */
  procsFiles: string[]
  /** Sets the memory limit (memory+swap too, where swap is accounted) and the task limit; throws when the kernel refuses. */
  limit(limits: { memoryBytes: number; maxTasks: number }): void
  cpuNanoseconds(): Promise<number | null>
  peakMemoryBytes(): Promise<number | null>
  /** Times the kernel's OOM killer killed a task of this job. */
  oomKills(): Promise<number>
  /** SIGKILLs every task until none is left. */
  killAll(): Promise<void>
  /** Kills what is left, then removes the cgroups. */
  remove(): Promise<void>
}

/**
 * A cgroup control file's text, or null when it cannot be read (the cgroup is gone). Read
 * synchronously: cgroupfs answers from memory in microseconds, and an awaited read is four trips
 * through libuv's thread pool (open, stat, read, close), ~0.25 ms each on a busy host.
 */
function readControl(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

/** Where this process's cgroup of each v1 controller lives, or null when v1 controllers are not mounted writable. */
export async function findCgroupV1Parents(): Promise<Record<Controller, string> | null> {
  let self: string
  let mountinfo: string
  try {
    self = await readFile('/proc/self/cgroup', 'utf8')
    mountinfo = await readFile('/proc/self/mountinfo', 'utf8')
  } catch {
    return null
  }
  const parents: Partial<Record<Controller, string>> = {}
  for (const controller of controllers) {
    // /proc/self/cgroup: "4:memory:/some/path"
    const path = self
      .split('\n')
      .map((line) => line.split(':'))
      .find((parts) => parts.length >= 3 && parts[1]!.split(',').includes(controller))?.[2]
    if (path === undefined) return null
    // mountinfo: "35 31 0:32 <root> <mountpoint> <opts> - cgroup cgroup rw,memory"
    const mount = mountinfo
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => {
        const dash = fields.indexOf('-')
        return dash > 0 && fields[dash + 1] === 'cgroup' && (fields[dash + 3] ?? '').split(',').includes(controller)
      })
    if (mount === undefined || !(mount[5] ?? '').split(',').includes('rw')) return null
    const root = mount[3]!
    const mountpoint = mount[4]!
    if (root !== '/' && !path.startsWith(root)) return null
    parents[controller] = join(mountpoint, root === '/' ? path : path.slice(root.length))
  }
  return parents as Record<Controller, string>
}

/**
 * Creates the job's cgroups under the node's own (so the node's limits still bound it), sets the
 * memory limit (memory+swap too, where swap is accounted) and the task limit, and hands the
 * `cgroup.procs` files to the job's uid so its first process can move itself in before bubblewrap
 * starts: everything the sandbox ever runs, and the memory of its private tmpfs, is then counted.
 */
export async function createJobCgroups(
  parents: Record<Controller, string>,
  { jobId, uid, gid, memoryBytes, maxTasks }: { jobId: string; uid: number; gid: number; memoryBytes: number; maxTasks: number },
): Promise<JobCgroups> {
  const cgroups = await prepareJobCgroups(parents, { jobId, uid, gid })
  try {
    cgroups.limit({ memoryBytes, maxTasks })
  } catch (error) {
    await cgroups.remove().catch(() => {})
    throw error
  }
  return cgroups
}

/**
 * The first half of {@link createJobCgroups}, which needs no job: the cgroups made and their
 * `cgroup.procs` handed to `uid`, without limits yet. Nothing may run in them before
 * `limit()`: the runner prepares them ahead of a job and limits them when the job comes.
 */
export async function prepareJobCgroups(parents: Record<Controller, string>, { jobId, uid, gid }: { jobId: string; uid: number; gid: number }): Promise<JobCgroups> {
  // The pid in the name lets a later node process recognise cgroups left by one that died.
  const name = `datavault-${process.pid}-${jobId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}-${randomBytes(4).toString('hex')}`
  const dirs = Object.fromEntries(controllers.map((controller) => [controller, join(parents[controller], name)])) as Record<Controller, string>
  const created: string[] = []
  const remove = async () => {
    await killAll()
    for (const dir of created.reverse()) {
      for (let attempt = 0; ; attempt++) {
        try {
          await rmdir(dir)
          break
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          if (code === 'ENOENT') break
          if (code !== 'EBUSY' || attempt >= 50) throw error
          await sleep(20)
        }
      }
    }
  }
  const killAll = async () => {
    for (let round = 0; round < 200; round++) {
      let alive = 0
      for (const dir of created) {
        const pids = readControl(join(dir, 'cgroup.procs')) ?? ''
        for (const pid of pids.split('\n').filter(Boolean)) {
          alive++
          try {
            process.kill(Number(pid), 'SIGKILL')
          } catch {}
        }
      }
      if (alive === 0) return
      // A killed task leaves its cgroup within a ms or two: look again soon, then every 10 ms.
      await sleep(Math.min(10, 2 ** round))
    }
  }
  try {
    for (const controller of controllers) {
      await mkdir(dirs[controller])
      created.push(dirs[controller])
      await chown(join(dirs[controller], 'cgroup.procs'), uid, gid)
    }
  } catch (error) {
    await remove().catch(() => {})
    throw error
  }
  return {
    procsFiles: controllers.map((controller) => join(dirs[controller], 'cgroup.procs')),
    limit({ memoryBytes, maxTasks }) {
      // Synchronous: cgroupfs writes take microseconds, and this is on the job's path.
      writeFileSync(join(dirs.memory, 'memory.limit_in_bytes'), String(memoryBytes))
      // Swap would let the job exceed its memory; where swap is accounted, cap memory+swap too.
      try {
        writeFileSync(join(dirs.memory, 'memory.memsw.limit_in_bytes'), String(memoryBytes))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
      writeFileSync(join(dirs.pids, 'pids.max'), String(maxTasks))
    },
    async cpuNanoseconds() {
      const text = readControl(join(dirs.cpuacct, 'cpuacct.usage'))
      return text === null ? null : Number(text.trim())
    },
    async peakMemoryBytes() {
      const text = readControl(join(dirs.memory, 'memory.max_usage_in_bytes'))
      return text === null ? null : Number(text.trim())
    },
    async oomKills() {
      const text = readControl(join(dirs.memory, 'memory.oom_control')) ?? ''
      const match = /^oom_kill (\d+)$/m.exec(text)
      return match ? Number(match[1]) : 0
    },
    killAll,
    remove,
  }
}

/** True when this process may create child cgroups under `parents` (tried, then removed). */
export async function canManageCgroupsV1(parents: Record<Controller, string>): Promise<boolean> {
  const probe = `datavault-probe-${randomBytes(4).toString('hex')}`
  const made: string[] = []
  try {
    for (const controller of controllers) {
      await mkdir(join(parents[controller], probe))
      made.push(join(parents[controller], probe))
    }
    await writeFile(join(parents.pids, probe, 'pids.max'), '16')
    return true
  } catch {
    return false
  } finally {
    for (const dir of made) await rmdir(dir).catch(() => {})
  }
}
