import { execFile } from 'node:child_process'
import { readFile, readdir, realpath, rm, rmdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { findCgroupV1Parents } from './cgroup-v1.ts'
import { isProcessAlive, removeStaleUidLock } from './uid-pool.ts'

const run = promisify(execFile)

/**
 * Removes what sandboxes of a node process that died left behind: output tmpfs mounts and staging
 * dirs under `workDir`, job cgroups, and uid locks. All carry the owning process's pid in their names; only
 * those whose owner is gone are touched, so node processes sharing a host do not disturb each other.
 */
export async function sweepStaleSandboxes({
  workDir,
  cgroupParents,
  uidLockDir,
}: {
  workDir: string
  cgroupParents: NonNullable<Awaited<ReturnType<typeof findCgroupV1Parents>>> | null
  uidLockDir: string
}): Promise<{ stagings: number; cgroups: number; uidLocks: number }> {
  let stagings = 0
  let cgroups = 0
  let uidLocks = 0
  const dead = (name: string, prefix: RegExp) => {
    const match = prefix.exec(name)
    return match !== null && !isProcessAlive(Number(match[1]))
  }

  const base = await realpath(workDir).catch(() => undefined)
  if (base !== undefined) {
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((line) => line.split(' ')[4])
    for (const entry of await readdir(base)) {
      if (!dead(entry, /^job-(\d+)-/)) continue
      const out = join(base, entry, 'out')
      if (mounts.includes(out)) await run('umount', [out]).catch(() => run('umount', ['-l', out]))
      await rm(join(base, entry), { recursive: true, force: true })
      stagings++
    }
  }

  if (cgroupParents !== null) {
    for (const parent of Object.values(cgroupParents)) {
      for (const entry of await readdir(parent).catch(() => [])) {
        if (!dead(entry, /^datavault-(\d+)-/)) continue
        const dir = join(parent, entry)
        for (let attempt = 0; attempt < 50; attempt++) {
          const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean)
          for (const pid of pids) {
            try {
              process.kill(Number(pid), 'SIGKILL')
            } catch {}
          }
          try {
            await rmdir(dir)
            cgroups++
            break
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 20))
          }
        }
      }
    }
  }
  // Uid locks and the pending files they are linked from, each holding its node's pid.
  for (const entry of await readdir(uidLockDir).catch(() => [])) {
    if ((await removeStaleUidLock(join(uidLockDir, entry)).catch(() => 'held')) === 'removed') uidLocks++
  }
  return { stagings, cgroups, uidLocks }
}
