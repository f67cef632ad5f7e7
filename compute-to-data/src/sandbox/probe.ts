import { spawn } from 'node:child_process'
import { access, constants, lstat, readlink, realpath } from 'node:fs/promises'
import { canManageCgroupsV1, findCgroupV1Parents } from './cgroup-v1.ts'

/** What this machine lets the bubblewrap runner do, found once per runner. */
export type SandboxCapabilities = {
  bwrap: string
  /** Starts bubblewrap after closing every descriptor the node inherited (dash cannot close fds above 9). */
  bash: string
  prlimit: string
  node: string
  /** Read-only system mounts: directories bound, merged-/usr symlinks recreated. */
  systemMounts: { kind: 'bind' | 'symlink'; path: string; target?: string }[]
  identity: 'per-job-uid' | 'current-user'
  /** Why per-job uids are not used, when they are not. */
  identityNote?: string
  cgroupParents: Awaited<ReturnType<typeof findCgroupV1Parents>>
}

const systemPaths = ['/usr', '/lib', '/lib64', '/lib32', '/libx32', '/bin', '/sbin']

async function which(candidates: string[]): Promise<string | undefined> {
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK)
      return path
    } catch {}
  }
  return undefined
}

/** Runs `command` to completion and returns its exit code and stderr (for probe diagnostics only). */
export function runQuiet(command: string, args: string[], options: { uid?: number; gid?: number } = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, cwd: '/', env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk
    })
    child.on('error', (error) => resolve({ code: null, stderr: error.message }))
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

/** The read-only mounts the sandbox gets from the host: /usr and the library/binary dirs (or their merged-/usr symlinks). */
export async function systemMounts(): Promise<SandboxCapabilities['systemMounts']> {
  const mounts: SandboxCapabilities['systemMounts'] = []
  for (const path of systemPaths) {
    const stats = await lstat(path).catch(() => undefined)
    if (stats === undefined) continue
    if (stats.isSymbolicLink()) mounts.push({ kind: 'symlink', path, target: await readlink(path) })
    else if (stats.isDirectory()) mounts.push({ kind: 'bind', path })
  }
  return mounts
}

/**
 * Finds what the runner can use: bubblewrap, prlimit and Node; whether it may run each job as a
 * uid of its own (root, and unprivileged user namespaces allowed: tried with a real sandbox as
 * `probeUid`); and whether it may manage cgroup v1 memory/pids/cpuacct controllers.
 */
export async function probeSandbox({
  bwrapPath,
  nodePath,
  probeUid,
  identity,
  cgroups,
}: {
  bwrapPath: string | undefined
  nodePath: string
  probeUid: number
  identity: 'auto' | 'current-user'
  cgroups: 'auto' | 'off'
}): Promise<SandboxCapabilities | { unavailable: string }> {
  const bwrap = bwrapPath ?? (await which(['/usr/bin/bwrap', '/bin/bwrap', '/usr/local/bin/bwrap']))
  if (bwrap === undefined) return { unavailable: 'bubblewrap (bwrap) is not installed' }
  const bash = await which(['/usr/bin/bash', '/bin/bash'])
  if (bash === undefined) return { unavailable: 'bash is not installed' }
  const prlimit = await which(['/usr/bin/prlimit', '/bin/prlimit'])
  if (prlimit === undefined || !prlimit.startsWith('/usr/')) return { unavailable: 'prlimit (util-linux) is not installed under /usr' }
  const node = await realpath(nodePath)
  const mounts = await systemMounts()

  const trial = (uid?: number) =>
    runQuiet(
      bwrap,
      [
        '--unshare-all',
        '--unshare-user',
        '--disable-userns',
        '--die-with-parent',
        '--cap-drop',
        'ALL',
        ...mounts.flatMap((m) => (m.kind === 'bind' ? ['--ro-bind', m.path, m.path] : ['--symlink', m.target!, m.path])),
        '--ro-bind',
        node,
        '/sandbox/node',
        '--proc',
        '/proc',
        '--dev',
        '/dev',
        '--',
        '/sandbox/node',
        '-e',
        '0',
      ],
      uid === undefined ? {} : { uid, gid: uid },
    )

  let chosen: SandboxCapabilities['identity'] = 'current-user'
  let identityNote: string | undefined
  if (identity === 'current-user') identityNote = 'configured to run as the current user'
  else if (process.getuid?.() !== 0) identityNote = 'the node does not run as root, so it cannot give jobs their own uid'
  else {
    const result = await trial(probeUid)
    if (result.code === 0) chosen = 'per-job-uid'
    else identityNote = `bubblewrap as an unprivileged uid failed (${result.stderr.trim().split('\n')[0] ?? result.code}); user namespaces may be disabled`
  }
  if (chosen === 'current-user') {
    const result = await trial()
    if (result.code !== 0) return { unavailable: `bubblewrap cannot create a sandbox here: ${result.stderr.trim().split('\n')[0] ?? result.code}` }
  }

  let cgroupParents: SandboxCapabilities['cgroupParents'] = null
  if (cgroups === 'auto' && process.getuid?.() === 0) {
    const parents = await findCgroupV1Parents()
    if (parents !== null && (await canManageCgroupsV1(parents))) cgroupParents = parents
  }
  return { bwrap, bash, prlimit, node, systemMounts: mounts, identity: chosen, ...(identityNote ? { identityNote } : {}), cgroupParents }
}
