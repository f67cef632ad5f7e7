import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { chmod, chown, lstat, mkdir, mkdtemp, open, readdir, readlink, rm, stat, statfs, symlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { SandboxSetupError } from './errors.ts'
import { type OutputMounts, spawnedOutputMounts } from './output-mounts.ts'

const run = promisify(execFile)

/** Where a job writes `/out` on the host, and how it gets to the caller's output dir. */
export type OutputStaging = {
  /** Host directory bound as `/out`. */
  dir: string
  mode: 'tmpfs' | 'directory+rlimit-fsize'
  /** True when the tmpfs is full (bytes or entries): the job hit its output limit. */
  full(): Promise<boolean>
  /**
   * Copies what the job left into `outputDir`, without following links: regular files,
   * directories and symlinks as they are, FIFOs and sockets as FIFOs (so the egress guard sees
   * them and refuses them). Returns false when the total exceeded `maxBytes` (copy abandoned).
   */
  copyTo(outputDir: string): Promise<boolean>
  /** Unmounts and removes the staging area. */
  dispose(): Promise<void>
}

/**
 * Makes `workDir` (0711) and checks that a job's uid can reach it: bubblewrap, running as that
 * uid, must traverse every ancestor to bind `/out` (it refuses even an open directory fd).
 */
export async function prepareWorkDir(workDir: string): Promise<void> {
  const absolute = resolve(workDir)
  await mkdir(absolute, { recursive: true, mode: 0o711 })
  for (let path = absolute; ; path = dirname(path)) {
    const stats = await stat(path)
    if ((stats.mode & 0o001) === 0) throw new Error(`${path} is not traversable by other users (mode ${(stats.mode & 0o777).toString(8)})`)
    if (path === dirname(path)) return
  }
}

/** Options of a job's output staging: whose it is and how much it may hold. */
export type OutputStagingOptions = { uid: number; gid: number; maxBytes: number; maxEntries: number; allowTmpfs: boolean; mounts?: OutputMounts | undefined }

/**
 * Creates the job's `/out`: a tmpfs of `maxBytes` and `maxEntries` inodes owned by the job's uid,
 * mounted under `workDir` (needs root), so a job cannot fill the host's disk and its outputs never
 * touch it; else, when mounting is refused, a plain directory (bounded per file by RLIMIT_FSIZE and
 * in total when copied out). `mounts` mounts and unmounts it (default: mount(8) and umount(8)).
 */
export async function createOutputStaging(workDir: string, options: OutputStagingOptions): Promise<OutputStaging> {
  return (await prepareOutputStaging(workDir)).finish(options)
}

/** A job's staging directory made ahead of its job: nothing mounted and nobody's but root's until `finish`. */
export type PreparedStaging = {
  /** The host directory that becomes `/out`. */
  dir: string
  /** Mounts the job's tmpfs (or hands the directory to its uid) and gives its staging; removes the directory when that fails. */
  finish(options: OutputStagingOptions): Promise<OutputStaging>
  /** Removes the directory (for one never finished). */
  dispose(): Promise<void>
}

/**
 * The part of {@link createOutputStaging} that needs no job: the staging directory (0711, named
 * with the node's pid), its `out` (0700, root's). The runner makes it ahead of a job.
 */
export async function prepareOutputStaging(workDir: string): Promise<PreparedStaging> {
  await mkdir(workDir, { recursive: true, mode: 0o711 })
  // The pid in the name lets a later node process recognise stagings left by one that died.
  const jobDir = await mkdtemp(join(workDir, `job-${process.pid}-`))
  const removeJobDir = () => rm(jobDir, { recursive: true, force: true }).catch(() => run('rm', ['-rf', '--one-file-system', '--', jobDir])).then(() => {})
  const dir = join(jobDir, 'out')
  try {
    // The job's uid has to traverse to its /out; nothing else is in here.
    await chmod(jobDir, 0o711)
    await mkdir(dir, { mode: 0o700 })
  } catch (error) {
    await removeJobDir()
    throw error
  }
  return {
    dir,
    dispose: removeJobDir,
    async finish(options) {
      try {
        return await finishOutputStaging(dir, options, removeJobDir)
      } catch (error) {
        await removeJobDir()
        throw error
      }
    },
  }
}

async function finishOutputStaging(
  dir: string,
  { uid, gid, maxBytes, maxEntries, allowTmpfs, mounts = spawnedOutputMounts() }: OutputStagingOptions,
  removeJobDir: () => Promise<void>,
): Promise<OutputStaging> {
  let mode: OutputStaging['mode'] = 'directory+rlimit-fsize'
  if (allowTmpfs) {
    const size = Math.max(4096, Math.ceil(maxBytes / 4096) * 4096)
    try {
      await mounts.mountTmpfs(dir, { size, inodes: maxEntries + 1, uid, gid })
      mode = 'tmpfs'
    } catch {}
  }
  if (mode !== 'tmpfs') await chown(dir, uid, gid)

  return {
    dir,
    mode,
    async full() {
      if (mode !== 'tmpfs') return false
      const stats = await statfs(dir)
      return stats.bavail === 0 || stats.ffree === 0
    },
    async copyTo(outputDir) {
      await mkdir(outputDir, { recursive: true, mode: 0o700 })
      const budget = { bytes: maxBytes, entries: maxEntries }
      try {
        return await copyTree(dir, outputDir, budget, 0)
      } catch (error) {
        // Every name under /out is the program's choice and may spell data; an error message
        // naming a path must never reach a log, so only its errno code is kept. A tree too deep
        // for a host path is the program's doing: it counts against its output limit.
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENAMETOOLONG') return false
        throw new SandboxSetupError(`The job's outputs could not be copied out of the sandbox (${typeof code === 'string' ? code : 'error'}).`)
      }
    },
    async dispose() {
      if (mode === 'tmpfs') {
        await mounts.unmount(dir)
      }
      // A tree deeper than PATH_MAX (made with relative paths) defeats a path-based rm; rm(1) is not.
      await removeJobDir()
    },
  }
}

async function copyTree(from: string, to: string, budget: { bytes: number; entries: number }, depth: number): Promise<boolean> {
  if (depth > 16) return false
  for (const name of await readdir(from)) {
    if (--budget.entries < 0) return false
    const source = join(from, name)
    const target = join(to, name)
    const stats = await lstat(source)
    if (stats.isSymbolicLink()) {
      await symlink(await readlink(source), target)
    } else if (stats.isDirectory()) {
      await mkdir(target, { mode: 0o700 })
      if (!(await copyTree(source, target, budget, depth + 1))) return false
    } else if (stats.isFile()) {
      if (stats.size > budget.bytes) return false
      budget.bytes -= stats.size
      const handle = await open(source, constants.O_RDONLY | constants.O_NOFOLLOW)
      try {
        const bytes = new Uint8Array(stats.size)
        let read = 0
        while (read < stats.size) {
          const { bytesRead } = await handle.read(bytes, read, stats.size - read, read)
          if (bytesRead === 0) break
          read += bytesRead
        }
        await writeFile(target, bytes.subarray(0, read), { mode: 0o600, flag: 'wx' })
      } finally {
        await handle.close()
      }
    } else {
      // FIFO or socket: nothing to copy, but it must stay visible to the egress guard.
      await run('mkfifo', ['-m', '600', target])
    }
  }
  return true
}
