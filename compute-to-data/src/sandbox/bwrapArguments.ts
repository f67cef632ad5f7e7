import type { SandboxCapabilities } from './probe.ts'
import { SandboxSpecError } from './errors.ts'

/** File descriptors the runner passes bubblewrap, by role. */
export type BwrapDescriptors = {
  /** bubblewrap writes its JSON status (the program's exit code) here. */
  status: number
  /** bubblewrap waits on this before it starts the program. */
  block: number
  program: number
  config: number
  /** The seccomp filter, when there is one. */
  seccomp: number
  /** What the program reads as `/proc/meminfo` (the job's own memory, not the host's). */
  meminfo: number
  /** What the program reads as `/proc/loadavg` (zeros, not the host's load). */
  loadavg: number
  /** What the program reads as `/proc/stat` (one idle CPU, no boot time, not the host's counters). */
  stat: number
  /** What the program reads as `/proc/uptime` (zero, not the host's). */
  uptime: number
  /** The first input; input i is `firstInput + i`. */
  firstInput: number
}

/** What {@link bwrapArguments} builds the command line from: all of it data, nothing read from the host. */
export type BwrapArgumentsParameters = {
  caps: Pick<SandboxCapabilities, 'systemMounts' | 'node' | 'prlimit' | 'identity'>
  /** `python` runs `/sandbox/program.py` with `/usr/bin/python3 -I -B`; `node` runs `/sandbox/program.mjs` with the node binary under Node's permission model (when `nodePermissions`). */
  runtime: 'node' | 'python'
  /** Input names; each is `/data/<name>`. */
  inputs: readonly string[]
  /** Host directory bound as `/out`. */
  stagingDir: string
  /** Size of the sandbox's `/tmp`, bytes. */
  tmpBytes: number
  limits: { cpuSeconds: number; outputBytes: number; processes: number; memoryBytes: number }
  /** Whether cgroup v1 holds memory and tasks (else RLIMIT_DATA holds memory). */
  cgroup: boolean
  nodePermissions: boolean
  /** Whether a seccomp filter is passed on `fds.seccomp`. */
  seccomp: boolean
  /** bubblewrap's own tasks (its monitor and the pid-1 reaper) count against the task limit. */
  bubblewrapTasks: number
  /** What RLIMIT_DATA adds to the memory limit for Node (V8's code range), bytes. */
  rlimitDataOverhead: number
  fds: BwrapDescriptors
  /**
   * A pre-started sandbox: no `/job/config.json` and no `/data` (no job is known yet); the program
   * finds its one job's frames on this descriptor, named by `DATAVAULT_JOB_FD` (see `warm-job.ts`).
   */
  jobFd?: number | undefined
}

/**
 * bubblewrap's arguments for one job, split in two: `args`, every option (mounts, namespaces,
 * descriptors), which bubblewrap reads NUL-separated from `argsFd`, and `argv`, its command line:
 * `--args FD` and the command (prlimit's limits, the interpreter, the program's fixed path). So
 * `/proc/1/cmdline` inside the sandbox names no host path, uid or pid of the node. The program sees read-only /usr (without `/usr/local`, the
 * host's own installs) and libraries, its program, `/job/config.json`, `/data/<name>`, `/out`, a
 * size-limited /tmp, a /proc whose `meminfo`, `loadavg`, `stat` and `uptime` are the job's (bound over the host's),
 * a read-only /dev, no network, no capabilities, and rlimits (CPU, file size, no core, 256 files,
 * tasks with per-job uids, data without cgroups). Pure: the same parameters give the same words.
 *
 * @example
 * const { argv, args } = bwrapArguments({ caps, runtime: 'python', inputs: ['train.csv'], stagingDir, tmpBytes, limits, cgroup: true, nodePermissions: true, seccomp: true, bubblewrapTasks: 2, rlimitDataOverhead, fds })
 */
export function bwrapArguments(parameters: BwrapArgumentsParameters & { argsFd: number }): { argv: string[]; args: string[]; programPath: string } {
  const { caps, runtime, inputs, stagingDir, tmpBytes, limits, cgroup, nodePermissions, seccomp, bubblewrapTasks, rlimitDataOverhead, fds, argsFd, jobFd } = parameters
  const python = runtime === 'python'
  if (jobFd !== undefined && (python || inputs.length > 0)) throw new SandboxSpecError('A pre-started sandbox runs a Node program and has no inputs yet.')
  const mib = 1024 ** 2
  const rlimits = [
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--fsize=${limits.outputBytes}:${limits.outputBytes}`,
    '--core=0:0',
    '--nofile=256:256',
    ...(caps.identity === 'per-job-uid' ? [`--nproc=${limits.processes + bubblewrapTasks}:${limits.processes + bubblewrapTasks}`] : []),
    ...(cgroup ? [] : [`--data=${limits.memoryBytes + rlimitDataOverhead}:${limits.memoryBytes + rlimitDataOverhead}`]),
  ]
  const heapMb = Math.max(16, Math.floor((limits.memoryBytes * 0.75) / mib))
  const permissions = nodePermissions
    ? ['--permission', '--allow-fs-read=/sandbox/program.mjs', '--allow-fs-read=/job', '--allow-fs-read=/data', '--allow-fs-write=/out', '--allow-fs-read=/out', '--allow-fs-write=/tmp', '--allow-fs-read=/tmp']
    : []
  const programPath = python ? '/sandbox/program.py' : '/sandbox/program.mjs'
  // Python runs isolated (-I: no environment variables, no user site) and writes no bytecode (-B).
  const interpreter = python ? ['/usr/bin/python3', '-I', '-B', programPath] : ['/sandbox/node', `--max-old-space-size=${heapMb}`, ...permissions, programPath]
  const usrBound = caps.systemMounts.some((mount) => mount.kind === 'bind' && mount.path === '/usr')
  const args = [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'sandbox',
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/bin:/bin',
    '--setenv',
    'HOME',
    '/tmp',
    '--setenv',
    'TMPDIR',
    '/tmp',
    '--setenv',
    'LANG',
    'C.UTF-8',
    ...(jobFd === undefined ? [] : ['--setenv', 'DATAVAULT_JOB_FD', String(jobFd)]),
    ...caps.systemMounts.flatMap((m) => (m.kind === 'bind' ? ['--ro-bind', m.path, m.path] : ['--symlink', m.target!, m.path])),
    // The host's own installs (/usr/local/bin…) are none of the program's business: an empty dir.
    ...(usrBound ? ['--tmpfs', '/usr/local', '--remount-ro', '/usr/local'] : []),
    // Debian picks the BLAS/LAPACK that numpy and torch load through symlinks in
    // /etc/alternatives (update-alternatives): symlinks only, nothing else of /etc.
    ...(python ? ['--ro-bind-try', '/etc/alternatives', '/etc/alternatives'] : []),
    '--ro-bind',
    caps.node,
    '/sandbox/node',
    '--perms',
    '0444',
    '--ro-bind-data',
    String(fds.program),
    programPath,
    ...(jobFd === undefined ? ['--perms', '0444', '--ro-bind-data', String(fds.config), '/job/config.json'] : []),
    ...inputs.flatMap((name, i) => ['--perms', '0444', '--ro-bind-data', String(fds.firstInput + i), `/data/${name}`]),
    '--bind',
    stagingDir,
    '/out',
    '--size',
    String(tmpBytes),
    '--tmpfs',
    '/tmp',
    '--proc',
    '/proc',
    // Host-wide memory and load are a view of other tenants' work: the job sees its own.
    '--ro-bind-data',
    String(fds.meminfo),
    '/proc/meminfo',
    '--ro-bind-data',
    String(fds.loadavg),
    '/proc/loadavg',
    // Host-wide CPU times, context switches, forks and boot time, and the host's uptime, likewise.
    '--ro-bind-data',
    String(fds.stat),
    '/proc/stat',
    '--ro-bind-data',
    String(fds.uptime),
    '/proc/uptime',
    '--dev',
    '/dev',
    // /dev is a tmpfs too: read-only, so /tmp and /out (both size-limited) are the only writable places.
    '--remount-ro',
    '/dev',
    '--remount-ro',
    '/',
    '--chdir',
    '/tmp',
    ...(seccomp ? ['--seccomp', String(fds.seccomp)] : []),
    '--json-status-fd',
    String(fds.status),
    '--block-fd',
    String(fds.block),
  ]
  // bubblewrap reads options from `--args`, but the command must stay on its command line.
  return { argv: ['--args', String(argsFd), '--', caps.prlimit, ...rlimits, '--', ...interpreter], args, programPath }
}

/** `/proc/meminfo` as the job sees it: its own memory limit, all of it free. */
export function jobMeminfo(memoryBytes: number): string {
  const kb = Math.floor(memoryBytes / 1024)
  return `MemTotal:       ${kb} kB\nMemFree:        ${kb} kB\nMemAvailable:   ${kb} kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n`
}

/** `/proc/loadavg` as the job sees it: no load, one task. */
export const jobLoadavg = '0.00 0.00 0.00 1/1 1\n'

/**
 * `/proc/stat` as the job sees it: one CPU with no time spent, no interrupts or context switches,
 * boot time 0, one process. The host's counters would show other tenants' work (a channel between
 * jobs) and the host's boot time.
 */
export const jobStat =
  'cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\nintr 0\nctxt 0\nbtime 0\nprocesses 1\nprocs_running 1\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n'

/** `/proc/uptime` as the job sees it: up for no time, idle for none (not the host's uptime). */
export const jobUptime = '0.00 0.00\n'

/** bubblewrap's `--args` format: each argument followed by a NUL. */
export function encodeBwrapArgs(args: readonly string[]): Uint8Array {
  return new TextEncoder().encode(args.map((arg) => `${arg}\0`).join(''))
}
