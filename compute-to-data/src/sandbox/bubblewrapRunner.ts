import { existsSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import { constants as osConstants, tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { Readable, Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { z } from 'zod'
import { type JobCgroups, createJobCgroups } from './cgroup-v1.ts'
import { SandboxSetupError, SandboxSpecError, SandboxUnavailableError } from './errors.ts'
import { createEventLineReader, createTail } from './event-lines.ts'
import { outputMountHelper } from './output-mounts.ts'
import { type LaunchedProcess, processLauncher } from './process-launcher.ts'
import { type OutputStaging, createOutputStaging, prepareWorkDir } from './output-staging.ts'
import { createProgressGate } from './progress-gate.ts'
import { type SandboxCapabilities, probeSandbox } from './probe.ts'
import { sweepStaleSandboxes } from './stale.ts'
import { sandboxSeccompFilter } from './seccomp.ts'
import { bwrapArguments, encodeBwrapArgs, jobLoadavg, jobMeminfo, jobStat, jobUptime } from './bwrapArguments.ts'
import type { RunOptions, RunOutcome, RunResult, RunSpec, Runner, SandboxEnforcement, SandboxLogger } from './runner.ts'
import { createUidPool, killProcessesOfUid } from './uid-pool.ts'

/** Settings of the bubblewrap runner. Every field has a default that suits a node running as root. */
export type BubblewrapRunnerInit = {
  /** Where each job's `/out` is staged (a tmpfs is mounted per job when possible). Holds no plaintext. Default `<tmpdir>/datavault-sandbox`. */
  workDir?: string | undefined
  /** The bubblewrap binary; default: found under /usr/bin. */
  bwrapPath?: string | undefined
  /** The Node binary the program runs on (bound read-only at `/sandbox/node`). Default `process.execPath`. */
  nodePath?: string | undefined
  /** Uids handed out one per running job. Default 1,900,000,000 to 1,900,009,999. */
  uidRange?: { start: number; count: number } | undefined
  /** Host-wide directory of uid locks, shared by every node process on the host. Default `/run/datavault-sandbox/uids`. */
  uidLockDir?: string | undefined
  /** `current-user` runs sandboxes as the node's own user even when per-job uids would work. */
  identity?: 'auto' | 'current-user' | undefined
  /** `off` enforces memory, tasks and CPU with rlimits only, even where cgroups could be used. */
  cgroups?: 'auto' | 'off' | undefined
  /** Also confine the program with Node's permission model (no child processes, workers or writes outside /out and /tmp). Default true. */
  nodePermissions?: boolean | undefined
  /** Size of the sandbox's private /tmp (memory-backed, counted in the job's memory). Default 64 MiB. */
  tmpBytes?: number | undefined
  /** How much of the program's stderr is kept for the owner. Default 16 KiB. */
  stderrTailBytes?: number | undefined
  /** Most files and directories a job may create in `/out`. Default 64. */
  maxOutputEntries?: number | undefined
  /** Most protocol events read from one run. Default 10,000. */
  maxEvents?: number | undefined
  /**
   * Pace of the epoch events a run delivers (progress reaches the buyer while the job runs, so it
   * is a channel out): the first `burst` pass, then one per `intervalMs`, the latest kept in
   * between. Default 50 and 2,000 ms.
   */
  progress?: { burst?: number | undefined; intervalMs?: number | undefined } | undefined
}

/** What the bubblewrap runner uses from the host process. */
export type BubblewrapRunnerComponents = { logger: SandboxLogger }

const inputName = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/, 'input names are letters, digits, ".", "_" and "-", not starting with "."')
const specSchema = z.object({
  jobId: z.string().min(1).max(128),
  program: z.object({
    path: z.string().refine(isAbsolute, 'must be absolute'),
    sha256: z.string().regex(/^0x[0-9a-f]{64}$/).optional(),
    runtime: z.enum(['node', 'python']).optional(),
  }),
  inputs: z.array(z.object({ name: inputName, source: z.any() })).max(1024).refine((inputs) => new Set(inputs.map((i) => i.name)).size === inputs.length, 'input names must be unique'),
  outputDir: z.string().refine(isAbsolute, 'must be absolute'),
  limits: z.object({
    wallTimeMs: z.number().int().min(1).max(7 * 86_400_000),
    cpuSeconds: z.number().int().min(1).max(7 * 86_400),
    memoryBytes: z.number().int().min(64 * 1024 ** 2),
    outputBytes: z.number().int().min(1),
    processes: z.number().int().min(8).max(65_536),
  }),
})

const mib = 1024 ** 2
/** bubblewrap's own two processes (monitor and pid-1 reaper) are tasks of the job too. */
const bubblewrapTasks = 2
/** V8 reserves a writable code range of about half a GiB at start, which RLIMIT_DATA counts. */
const rlimitDataOverhead = 768 * mib
const cpuPollMs = 200
/**
 * How Node reports running out of memory on stderr: V8's heap limit (`--max-old-space-size`), or
 * an allocation refused under RLIMIT_DATA. Only matched, never logged; a program that prints it
 * on purpose only changes its own failure reason.
 */
const outOfMemory = /Reached heap limit|heap out of memory|Fatal process out of memory|Array buffer allocation failed|ERR_MEMORY_ALLOCATION_FAILED/

/**
 * The local sandbox: runs a job's program with bubblewrap in fresh user, mount, pid, network,
 * IPC, UTS and cgroup namespaces (no network but its own loopback), all capabilities dropped, a
 * new session, and killed with its parent. It sees read-only /usr and libraries, the Node binary,
 * its program, `/job/config.json` and `/data/<name>` (copied by bubblewrap from pipes into its
 * private tmpfs, so plaintext never touches a host path), a private memory-backed /tmp, and `/out`.
 *
 * Each job runs as a uid of its own when the node is root; memory, tasks and total CPU are
 * enforced with cgroup v1 controllers when available and with rlimits otherwise; output size
 * with a size-limited tmpfs and RLIMIT_FSIZE; wall time with a timer that kills everything.
 * `RunResult.enforcement` records which mechanism held each limit.
 *
 * @example
 * const runner = bubblewrapRunner({ workDir: '/var/lib/datavault/sandbox' })({ logger })
 * const result = await runner.run({ jobId, program: { path }, config, inputs, outputDir, limits })
 */
export function bubblewrapRunner(init: BubblewrapRunnerInit = {}) {
  const {
    workDir = join(tmpdir(), 'datavault-sandbox'),
    bwrapPath,
    nodePath = process.execPath,
    uidRange = { start: 1_900_000_000, count: 10_000 },
    uidLockDir = '/run/datavault-sandbox/uids',
    identity = 'auto',
    cgroups = 'auto',
    nodePermissions = true,
    tmpBytes = 64 * mib,
    stderrTailBytes = 16 * 1024,
    maxOutputEntries = 64,
    maxEvents = 10_000,
    progress = {},
  } = init
  if (!Number.isInteger(uidRange.start) || !Number.isInteger(uidRange.count) || uidRange.start < 1000 || uidRange.count < 1 || uidRange.start + uidRange.count > 2 ** 31 - 1)
    throw new SandboxSpecError('uidRange must be integers within [1000, 2^31 - 1).')

  return (components: BubblewrapRunnerComponents): Runner => {
    const logger = components.logger.child({ component: 'c2d:sandbox' })
    const uids = createUidPool({ ...uidRange, lockDir: uidLockDir })
    // Each job's /out is a tmpfs mounted and unmounted by one long-lived helper (two system calls a
    // job), not by mount(8) and umount(8) (two processes a job, each a fork of the node).
    const mounts = outputMountHelper({ workDir })
    // Each job's first process is started by a small launcher process: a fork of the node (often a
    // GiB) would cost far more and block its event loop while it copies the page tables.
    const launcher = processLauncher()
    // The same filter for every job: built once.
    const seccomp = sandboxSeccompFilter()
    let probed: Promise<SandboxCapabilities> | undefined

    // The probe runs bubblewrap as a job uid, so it leases one like a job: run unleased, a job given
    // that uid meanwhile would kill the probe as it cleans up, and the node would fall back to
    // running sandboxes as itself.
    const probe = async () => {
      const lease = identity === 'auto' && process.getuid?.() === 0 ? await uids.acquire().catch(() => undefined) : undefined
      try {
        return await probeSandbox({ bwrapPath, nodePath, probeUid: lease?.uid ?? uidRange.start, identity, cgroups })
      } finally {
        await lease?.release()
      }
    }

    const capabilities = () =>
      (probed ??= probe().then(async (result) => {
        if ('unavailable' in result) throw new SandboxUnavailableError(result.unavailable)
        if (result.identity === 'per-job-uid')
          await prepareWorkDir(workDir).catch((cause: unknown) => {
            throw new SandboxUnavailableError(`The sandbox work dir cannot be used by job uids: ${(cause as Error).message}.`, { cause })
          })
        if (process.getuid?.() === 0) {
          const swept = await sweepStaleSandboxes({ workDir, cgroupParents: result.cgroupParents, uidLockDir }).catch((error: unknown) => {
            logger.warn({ err: errorName(error) }, 'could not sweep sandboxes left by a stopped node')
            return { stagings: 0, cgroups: 0, uidLocks: 0 }
          })
          if (swept.stagings + swept.cgroups > 0) logger.info(swept, 'removed sandbox leftovers of a stopped node')
        }
        if (process.getuid?.() === 0) mounts.warm()
        void launcher.warm()
        if (result.identity !== 'per-job-uid') logger.warn({ reason: result.identityNote }, 'sandboxes run as the node user, not a uid per job')
        if (result.cgroupParents === null) logger.warn({}, 'cgroup v1 controllers not usable: memory, tasks and CPU are limited per process with rlimits only')
        logger.info({ identity: result.identity, cgroups: result.cgroupParents !== null, bwrap: result.bwrap }, 'sandbox ready')
        return result
      }).catch((error: unknown) => {
        // A failed probe is not remembered: the next job (or `ready()`) probes again.
        probed = undefined
        throw error
      }))

    async function run(spec: RunSpec, options: RunOptions = {}): Promise<RunResult> {
      const begun = performance.now()
      const checked = specSchema.safeParse(spec)
      if (!checked.success) throw new SandboxSpecError(checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '))
      const { signal } = options
      signal?.throwIfAborted()
      const caps = await capabilities()
      const log = logger.child({ jobId: spec.jobId })
      const { limits } = spec

      const existing = await readdir(spec.outputDir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return []
        throw error
      })
      if (existing.length > 0) throw new SandboxSpecError('outputDir must be empty.')
      await mkdir(spec.outputDir, { recursive: true, mode: 0o700 })

      let lease: { uid: number; release(): Promise<void> } | undefined
      let staging: OutputStaging | undefined
      let cgroup: JobCgroups | undefined
      /** Set once every process of the job is known dead (by cgroup and by uid) after the sandbox closed. */
      const swept = { done: false }
      let result: RunResult | undefined
      try {
        let uid = process.getuid?.() ?? 0
        let gid = process.getgid?.() ?? 0
        if (caps.identity === 'per-job-uid') {
          lease = await uids.acquire().catch((cause: unknown) => {
            throw new SandboxUnavailableError('No free sandbox uid.', { cause })
          })
          uid = gid = lease.uid
        }
        const isRoot = process.getuid?.() === 0
        // The output staging (a tmpfs mount) and the cgroups are independent: made side by side,
        // each kept for the clean-up below even when the other fails.
        const [staged, grouped] = await Promise.allSettled([
          createOutputStaging(workDir, { uid, gid, maxBytes: limits.outputBytes, maxEntries: maxOutputEntries, allowTmpfs: isRoot, mounts }),
          caps.cgroupParents === null
            ? undefined
            : createJobCgroups(caps.cgroupParents, { jobId: spec.jobId, uid, gid, memoryBytes: limits.memoryBytes, maxTasks: limits.processes + bubblewrapTasks }),
        ])
        if (staged.status === 'fulfilled') staging = staged.value
        if (grouped.status === 'fulfilled') cgroup = grouped.value
        if (staged.status === 'rejected') throw staged.reason
        if (grouped.status === 'rejected') throw grouped.reason
        const stagingDone = staged.value

        const enforcement: SandboxEnforcement = {
          backend: 'bubblewrap',
          identity: caps.identity,
          uid,
          memory: cgroup ? 'cgroup-v1' : 'rlimit-data',
          processes: cgroup ? 'cgroup-v1' : caps.identity === 'per-job-uid' ? 'rlimit-nproc' : 'pid-namespace-only',
          cpu: cgroup ? 'cgroup-v1+rlimit-cpu' : 'rlimit-cpu',
          outputs: stagingDone.mode,
          nodePermissions,
          seccomp: seccomp !== undefined,
        }
        log.info({ uid, enforcement, inputs: spec.inputs.length }, 'sandbox starting')
        result = await execute(spec, { caps, uid, gid, staging: stagingDone, cgroup, enforcement, signal, swept, begun })
        log.info(
          {
            outcome: result.outcome,
            exitCode: result.exitCode,
            signal: result.signal,
            errorCode: result.errorCode,
            durationMs: Math.round(result.durationMs),
            startLatencyMs: result.startLatencyMs === null ? null : Math.round(result.startLatencyMs),
            cpuMs: result.cpuMs,
            peakMemoryBytes: result.peakMemoryBytes,
            protocolViolations: result.protocolViolations,
          },
          'sandbox finished',
        )
        return result
      } finally {
        // Nothing of the job may outlive the run: kill by cgroup and by uid (unless the run did
        // already, once the sandbox closed), then clean up: the staging and the cgroups side by side.
        const cleanupBegun = performance.now()
        if (!swept.done) {
          await cgroup?.killAll().catch(() => {})
          if (lease) await killProcessesOfUid(lease.uid).catch(() => {})
        }

        await Promise.all([
          staging?.dispose().catch((error: unknown) => log.error({ err: errorName(error) }, 'could not remove output staging')),
          cgroup?.remove().catch((error: unknown) => log.error({ err: errorName(error) }, 'could not remove job cgroups')),
        ])

        await lease?.release()
        if (result?.phases) result.phases.cleanup = performance.now() - cleanupBegun
      }
    }

    async function execute(
      spec: RunSpec,
      context: {
        caps: SandboxCapabilities
        uid: number
        gid: number
        staging: OutputStaging
        cgroup: JobCgroups | undefined
        enforcement: SandboxEnforcement
        signal: AbortSignal | undefined
        /** Set here once every process of the job is known dead. */
        swept: { done: boolean }
        /** When `run` was called (for the phase timings). */
        begun: number
      },
    ): Promise<RunResult> {
      const { caps, uid, gid, staging, cgroup, enforcement, signal, swept, begun } = context
      const { limits } = spec
      const fds = { status: 3, block: 4, program: 5, config: 6, seccomp: 7, meminfo: 8, loadavg: 9, stat: 11, uptime: 12, firstInput: 13 }
      const argsFd = 10
      const python = spec.program.runtime === 'python'
      if (python && !pythonConfinable(caps))
        throw new SandboxUnavailableError(
          'Python programs need cgroup limits (memory, tasks, CPU for the whole job) and /usr/bin/python3; this host has not both.',
        )
      const { argv, args: bwrapArgs } = bwrapArguments({
        caps,
        runtime: python ? 'python' : 'node',
        inputs: spec.inputs.map((input) => input.name),
        stagingDir: staging.dir,
        tmpBytes,
        limits,
        cgroup: cgroup !== undefined,
        nodePermissions,
        seccomp: seccomp !== undefined,
        bubblewrapTasks,
        rlimitDataOverhead,
        fds,
        argsFd,
      })
      const stdio = [
        'ignore',
        'pipe',
        'pipe',
        'pipe',
        'pipe',
        'pipe',
        'pipe',
        seccomp ? 'pipe' : 'ignore',
        'pipe',
        'pipe',
        'pipe',
        // /proc/stat and /proc/uptime (fds 11 and 12).
        'pipe',
        'pipe',
        ...spec.inputs.map(() => 'pipe' as const),
      ] as const
      // A first shell (already the job's uid) closes every descriptor the node process inherited
      // without close-on-exec (from its supervisor, a terminal, a test harness…): bubblewrap passes
      // them all into the sandbox, where a writable one is a way out and a directory one a way
      // around the mount namespace. With cgroups it then moves itself into the job's cgroups, so
      // every process of the sandbox is counted from its first instant, and becomes bubblewrap.
      const args = [
        '-c',
        'keep=$1; shift; for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -ge "$keep" ]; then eval "exec $fd>&-"; fi; done; ' +
          'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"',
        'sandbox',
        String(stdio.length),
        String(cgroup?.procsFiles.length ?? 0),
        ...(cgroup?.procsFiles ?? []),
        caps.bwrap,
        ...argv,
      ]

      const started = performance.now()
      let releasedAt: number | undefined
      let child: LaunchedProcess
      try {
        child = await launcher.launch(caps.bash, args, {
          uid: caps.identity === 'per-job-uid' ? uid : undefined,
          gid: caps.identity === 'per-job-uid' ? gid : undefined,
          cwd: '/',
          env: { PATH: '/usr/bin:/bin' },
          stdio: [...stdio],
          read: [1, 2, fds.status],
        })
      } catch (cause) {
        throw new SandboxSetupError('bubblewrap could not be started.', { cause })
      }

      // Why the runner killed the sandbox: a limit, the caller's abort, or a failed input feed.
      let killedFor: 'timeout' | 'cpu-limit' | 'abort' | 'feed' | undefined
      let sourceError: unknown
      let startLatencyMs: number | null = null
      let errorCode: string | undefined
      let programExit: number | undefined
      let exited = false
      const kill = (reason: NonNullable<typeof killedFor>) => {
        if (exited) return
        killedFor ??= reason
        child.kill('SIGKILL')
        void cgroup?.killAll()
        if (caps.identity === 'per-job-uid') void killProcessesOfUid(uid)
      }

      const closed = child.closed

      const gate = createProgressGate((event) => safely(() => spec.onEvent?.(event)), progress)
      const events = createEventLineReader(
        (event) => {
          if (event.event === 'started' && startLatencyMs === null) {
            startLatencyMs = performance.now() - started
            safely(() => spec.onStarted?.())

          }
          if (event.event === 'error') errorCode ??= event.code
          gate.push(event)
        },
        { maxEvents },
      )
      const stderr = createTail(stderrTailBytes)
      child.stdio[1]!.on('data', (chunk: Buffer) => events.push(chunk))
      child.stdio[2]!.on('data', (chunk: Buffer) => stderr.push(chunk))
      let statusText = ''
      child.stdio[fds.status]!.on('data', (chunk: Buffer) => {
        statusText += chunk.toString('utf8')
        const exit = /"exit-code"\s*:\s*(\d+)/.exec(statusText)
        if (exit) programExit = Number(exit[1])
      })
      for (let fd = 3; fd < child.stdio.length; fd++) child.stdio[fd]?.on('error', () => {})

      const safely = (fn: () => void) => {
        try {
          fn()
        } catch (error) {
          logger.warn({ jobId: spec.jobId, err: errorName(error) }, 'run callback threw')
        }
      }

      const wallTimer = setTimeout(() => kill('timeout'), limits.wallTimeMs)
      const cpuTimer = cgroup
        ? setInterval(() => {
            void cgroup.cpuNanoseconds().then((ns) => {
              if (ns !== null && ns >= limits.cpuSeconds * 1e9) kill('cpu-limit')
            })
          }, cpuPollMs)
        : undefined
      const onAbort = () => kill('abort')
      signal?.addEventListener('abort', onAbort, { once: true })
      // Aborted while the sandbox was being set up (uid, staging, cgroups): the listener came too late.
      if (signal?.aborted) onAbort()

      // Feed program, config and inputs; release the sandbox (block fd) only when all arrived whole.
      const guarded = (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) =>
        (async function* () {
          try {
            for await (const chunk of source) yield chunk
          } catch (error) {
            sourceError ??= error
            throw error
          }
        })()
      const feed = async (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, fd: number) => {
        await pipeline(Readable.from(guarded(source)), child.stdio[fd] as Writable)
      }
      let programHash = ''
      const hasher = createHash('sha256')
      const feeding = Promise.all([
        feed(
          createReadStream(spec.program.path).pipe(
            new Transform({
              transform(chunk: Buffer, _encoding, callback) {
                hasher.update(chunk)
                callback(null, chunk)
              },
              flush(callback) {
                programHash = `0x${hasher.digest('hex')}`
                callback()
              },
            }),
          ),
          fds.program,
        ),
        feed([new TextEncoder().encode(JSON.stringify(spec.config ?? null))], fds.config),
        ...(seccomp ? [feed([seccomp], fds.seccomp)] : []),
        feed([new TextEncoder().encode(jobMeminfo(limits.memoryBytes))], fds.meminfo),
        feed([new TextEncoder().encode(jobLoadavg)], fds.loadavg),
        feed([new TextEncoder().encode(jobStat)], fds.stat),
        feed([new TextEncoder().encode(jobUptime)], fds.uptime),
        feed([encodeBwrapArgs(bwrapArgs)], argsFd),
        ...spec.inputs.map((input, i) => feed(input.source as AsyncIterable<Uint8Array> | Iterable<Uint8Array>, fds.firstInput + i)),
      ])
      let hashMismatch = false
      // Once the program may run, stderr is partly its own: it can print lines that look like
      // bubblewrap's. What came before is bash's and bubblewrap's alone, kept to explain a failure.
      let released = false
      let setupStderr = ''
      feeding.then(
        () => {
          if (spec.program.sha256 !== undefined && programHash !== spec.program.sha256) {
            hashMismatch = true
            kill('feed')
            return
          }
          released = true
          releasedAt = performance.now()

          setupStderr = stderr.text()
          ;(child.stdio[fds.block] as Writable).end('go')
        },
        () => {
          // A source failed (e.g. ciphertext failed authentication) or bubblewrap went away: the
          // program must not start on partial data, so it is never released.
          kill('feed')
        },
      )

      let exit: { code: number | null; signal: NodeJS.Signals | null }
      try {
        exit = await closed
        exited = true

      } catch (cause) {
        throw new SandboxSetupError('bubblewrap could not be started.', { cause })
      } finally {
        clearTimeout(wallTimer)
        if (cpuTimer) clearInterval(cpuTimer)
        signal?.removeEventListener('abort', onAbort)
        events.end()
        gate.end()
      }
      const exitedAt = performance.now()
      const durationMs = exitedAt - started
      // A source that never ends must not hold the run: drop our ends of the pipes, wait briefly.
      for (let fd = 3; fd < child.stdio.length; fd++) child.stdio[fd]?.destroy()
      await Promise.race([feeding.catch(() => {}), sleep(200)])

      // By cgroup and by uid, side by side: both must find nothing left.
      await Promise.all([cgroup?.killAll(), caps.identity === 'per-job-uid' ? killProcessesOfUid(uid) : undefined])
      swept.done = true
      const sweptAt = performance.now()

      if (sourceError !== undefined) throw sourceError
      if (hashMismatch) throw new SandboxSpecError('The program does not have the expected SHA-256.')
      // bubblewrap reports an exit code only once the program ran; without one (and unless we
      // killed it for a limit or an abort) the sandbox never came up.
      if (programExit === undefined && (killedFor === undefined || killedFor === 'feed')) {
        // bubblewrap's own messages (mount failures) name paths, never data; but once the program
        // was released, a `bwrap:` line may be the program's own, carrying data into the node's
        // logs. So only what came before the release is quoted.
        const own = setupReason(released ? setupStderr : stderr.text())
        const ended = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with ${exit.code}`
        logger.error({ jobId: spec.jobId, exitCode: exit.code, signal: exit.signal, released, feedFailed: killedFor === 'feed' }, 'bubblewrap ended without the program\'s exit code')
        throw new SandboxSetupError(
          `bubblewrap ${ended} before reporting the program's exit code${released ? ' (after the program was released)' : ''}${own === undefined ? '' : `: ${own}`}`.slice(0, 400),
        )
      }

      const [cpuNs, peakMemory, oomCount] = await Promise.all([cgroup?.cpuNanoseconds(), cgroup?.peakMemoryBytes(), cgroup?.oomKills()])
      const cpuMs = cpuNs === null || cpuNs === undefined ? null : Math.round(cpuNs / 1e6)
      const peakMemoryBytes = peakMemory ?? null
      const oomKills = oomCount ?? 0

      const exitCode = programExit ?? null
      const signalName = exitCode !== null && exitCode > 128 ? signalOf(exitCode - 128) : killedFor !== undefined ? 'SIGKILL' : null
      const stderrTail = stderr.text()

      let outcome: RunOutcome = 'exited'
      if (killedFor === 'timeout') outcome = 'timeout'
      else if (killedFor === 'cpu-limit') outcome = 'cpu-limit'
      else if (oomKills > 0 || (exitCode !== null && exitCode !== 0 && outOfMemory.test(stderrTail))) outcome = 'memory-limit'
      else if (killedFor === 'abort' || killedFor === 'feed') outcome = 'killed'
      else if (exitCode === 128 + osConstants.signals.SIGXCPU || (exitCode === 128 + osConstants.signals.SIGKILL && cpuMs !== null && cpuMs >= limits.cpuSeconds * 1000))
        outcome = 'cpu-limit'
      else if (exitCode === 128 + osConstants.signals.SIGXFSZ || (exitCode !== 0 && (await staging.full()))) outcome = 'output-limit'
      else if (exitCode === null) outcome = 'killed'

      if (!(await staging.copyTo(spec.outputDir)) && outcome === 'exited') outcome = 'output-limit'
      const releaseAt = releasedAt ?? exitedAt

      return {
        outcome,
        exitCode,
        signal: signalName,
        durationMs,
        startLatencyMs,
        errorCode,
        stderrTail,
        cpuMs,
        peakMemoryBytes,
        protocolViolations: events.violations,
        enforcement,
        phases: {
          setup: started - begun,
          sandbox: releaseAt - started,
          program: exitedAt - releaseAt,
          sweep: sweptAt - exitedAt,
          collect: performance.now() - sweptAt,
          cleanup: 0,
        },
      }
    }

    return {
      run,
      async ready() {
        await capabilities()
      },
      async runtimes() {
        return pythonConfinable(await capabilities()) ? ['node', 'python'] : ['node']
      },
    }
  }
}

/**
 * The reason bash or bubblewrap gave on stderr before the program was released (nothing there is
 * the program's): bubblewrap's own `bwrap:` line, else the first line (e.g. bash failing to join
 * the job's cgroups).
 */
function setupReason(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean)
  return (lines.find((line) => line.startsWith('bwrap:')) ?? lines[0])?.slice(0, 300)
}

function signalOf(number: number): NodeJS.Signals | null {
  for (const [name, value] of Object.entries(osConstants.signals)) if (value === number) return name as NodeJS.Signals
  return null
}

/** What of an error may be logged: its name and code. */
function errorName(error: unknown): { name: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' ? { name: error.name, code } : { name: error.name }
  }
  return { name: typeof error }
}

/**
 * Whether Python programs can be confined here. Node programs run under Node's permission model,
 * which forbids child processes, so per-process rlimits bound them; Python can fork, so only
 * cgroups (limits for the whole job) hold its memory, tasks and CPU.
 */
function pythonConfinable(caps: SandboxCapabilities): boolean {
  return caps.cgroupParents !== null && existsSync('/usr/bin/python3')
}
