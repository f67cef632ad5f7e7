import { existsSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir } from 'node:fs/promises'
import { constants as osConstants, tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { z } from 'zod'
import { type JobCgroups, createJobCgroups, prepareJobCgroups } from './cgroup-v1.ts'
import { SandboxSetupError, SandboxSpecError, SandboxUnavailableError } from './errors.ts'
import { createEventLineReader, createTail } from './event-lines.ts'
import { outputMountHelper } from './output-mounts.ts'
import { type LaunchedProcess, processLauncher } from './process-launcher.ts'
import { type OutputStaging, type PreparedStaging, createOutputStaging, prepareOutputStaging, prepareWorkDir } from './output-staging.ts'
import { createProgressGate } from './progress-gate.ts'
import { type SandboxCapabilities, probeSandbox } from './probe.ts'
import { sweepStaleSandboxes } from './stale.ts'
import { sandboxSeccompFilter } from './seccomp.ts'
import { bwrapArguments, encodeBwrapArgs, jobLoadavg, jobMeminfo, jobStat, jobUptime } from './bwrapArguments.ts'
import type { PrestartRequest, RunOptions, RunOutcome, RunResult, RunSpec, Runner, SandboxEnforcement, SandboxLogger } from './runner.ts'
import { createUidPool, killProcessesOfUid } from './uid-pool.ts'
import { warmJobFrames } from './warm-job.ts'

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
  /**
   * How many sandboxes {@link BubblewrapRunner.prestart} keeps started ahead per kind. Default 1; 0
   * disables pre-starting (every job starts cold).
   */
  prestartPerKind?: number | undefined
  /**
   * How many sets of what a cold sandbox holds that no job decides (a leased uid, its cgroups made
   * and handed to it, a staging directory) are kept made ahead, once a cold job has run: a cold job
   * takes one and only sets its limits and mounts its `/out`; it is topped up after that job
   * returned. Each set serves one job and is cleaned up after it like any other. Default 1; 0
   * makes every cold job's set on its path.
   */
  preparedAhead?: number | undefined
}

/**
 * The bubblewrap runner: a {@link Runner} that can also start sandboxes ahead. A pre-started sandbox
 * is a cold one's twin (its own uid, cgroups, output tmpfs, bubblewrap with the same namespaces,
 * seccomp filter, rlimits and Node permissions, its program hashed and started) that waits with
 * nothing of any job inside; `run` of a spec with the same program and limits hands it that one
 * job (config and inputs on a descriptor) and it is torn down after, as a cold one.
 */
export type BubblewrapRunner = Runner & {
  /**
   * Starts sandboxes ahead for `request.kind` until it holds `prestartPerKind` for this program and
   * these limits; the kind's oldest (other limits) make way when it is full. Node programs only (a
   * Python program always starts cold); nothing after `stop()`. Never throws: a sandbox that cannot
   * be started is logged and the next job starts cold.
   */
  prestart(request: PrestartRequest): void
  /** Kills every pre-started sandbox and frees what each held; later `prestart`s do nothing. Call it when the node stops. */
  stop(): Promise<void>
  /** How many pre-started sandboxes are held now (starting or waiting). */
  prestarted(): number
  /**
   * Resolves once nothing the runner does in the background is in flight: the clean-up of runs
   * that already returned their result, and the preparation of what the next jobs use. For
   * measurements that must not overlap it, and for tests; the node need not call it (`stop()` waits too).
   */
  idle(): Promise<void>
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
    prestartPerKind = 1,
    preparedAhead = 1,
  } = init
  if (!Number.isInteger(uidRange.start) || !Number.isInteger(uidRange.count) || uidRange.start < 1000 || uidRange.count < 1 || uidRange.start + uidRange.count > 2 ** 31 - 1)
    throw new SandboxSpecError('uidRange must be integers within [1000, 2^31 - 1).')

  if (!Number.isInteger(prestartPerKind) || prestartPerKind < 0) throw new SandboxSpecError('prestartPerKind must be a whole number, 0 or more.')
  if (!Number.isInteger(preparedAhead) || preparedAhead < 0) throw new SandboxSpecError('preparedAhead must be a whole number, 0 or more.')

  return (components: BubblewrapRunnerComponents): BubblewrapRunner => {
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
    /** Work the runner does off the jobs' paths (clean-up after a result, preparation ahead): `idle()` and `stop()` wait for it. */
    const background = new Set<Promise<unknown>>()
    const inBackground = (work: Promise<unknown>) => {
      const tracked = work.catch(() => {}).finally(() => background.delete(tracked))
      background.add(tracked)
    }
    const idle = async () => {
      while (background.size > 0) await Promise.all(background)
    }

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

    /**
     * What a sandbox holds on the host, kept for its clean-up: its uid lease, output staging
     * (`unfinished` while it is a prepared directory not yet mounted) and cgroups.
     */
    type Held = {
      uid: number
      gid: number
      lease?: { uid: number; release(): Promise<void> } | undefined
      staging?: OutputStaging | undefined
      unfinished?: PreparedStaging | undefined
      cgroup?: JobCgroups | undefined
    }

    /**
     * Leases the uid and makes the output staging and cgroups (side by side) into `held`, or, given
     * a `prepared` set (uid, staging dir, cgroups made ahead), sets its limits and mounts its `/out`;
     * each part is recorded as soon as it exists, so {@link letGo} cleans up whatever a failure left.
     */
    async function hold(name: string, limits: RunSpec['limits'], caps: SandboxCapabilities, held: Held, prepared?: Held): Promise<SandboxEnforcement> {
      if (prepared) Object.assign(held, prepared)
      else if (caps.identity === 'per-job-uid') {
        held.lease = await uids.acquire().catch((cause: unknown) => {
          throw new SandboxUnavailableError('No free sandbox uid.', { cause })
        })
        held.uid = held.gid = held.lease.uid
      }
      const { uid, gid } = held
      const isRoot = process.getuid?.() === 0
      const maxTasks = limits.processes + bubblewrapTasks
      const options = { uid, gid, maxBytes: limits.outputBytes, maxEntries: maxOutputEntries, allowTmpfs: isRoot, mounts }
      // The output staging (a tmpfs mount) and the cgroups are independent: made side by side,
      // each kept for the clean-up below even when the other fails.
      const [staged, grouped] = await Promise.allSettled([
        held.unfinished ? held.unfinished.finish(options) : createOutputStaging(workDir, options),
        caps.cgroupParents === null
          ? undefined
          : held.cgroup
            ? held.cgroup.limit({ memoryBytes: limits.memoryBytes, maxTasks })
            : createJobCgroups(caps.cgroupParents, { jobId: name, uid, gid, memoryBytes: limits.memoryBytes, maxTasks }),
      ])
      // A prepared staging that failed to finish removed its directory.
      held.unfinished = undefined
      if (staged.status === 'fulfilled') held.staging = staged.value
      if (grouped.status === 'fulfilled' && grouped.value) held.cgroup = grouped.value
      if (staged.status === 'rejected') throw staged.reason
      if (grouped.status === 'rejected') throw grouped.reason
      return {
        backend: 'bubblewrap',
        identity: caps.identity,
        uid,
        memory: held.cgroup ? 'cgroup-v1' : 'rlimit-data',
        processes: held.cgroup ? 'cgroup-v1' : caps.identity === 'per-job-uid' ? 'rlimit-nproc' : 'pid-namespace-only',
        cpu: held.cgroup ? 'cgroup-v1+rlimit-cpu' : 'rlimit-cpu',
        outputs: staged.value.mode,
        nodePermissions,
        seccomp: seccomp !== undefined,
      }
    }

    /**
     * Nothing of a sandbox may outlive it: kill by cgroup and by uid (unless that was done once it
     * closed: `swept`), then clean up: the staging and the cgroups side by side, then the uid.
     */
    async function letGo(held: Held, swept: boolean, log: SandboxLogger): Promise<void> {
      if (!swept) {
        await held.cgroup?.killAll().catch(() => {})
        if (held.lease) await killProcessesOfUid(held.lease.uid).catch(() => {})
      }
      await Promise.all([
        (held.staging ?? held.unfinished)?.dispose().catch((error: unknown) => log.error({ err: errorName(error) }, 'could not remove output staging')),
        held.cgroup?.remove().catch((error: unknown) => log.error({ err: errorName(error) }, 'could not remove job cgroups')),
      ])
      await held.lease?.release()
    }

    // Sets of what a cold sandbox holds that no job decides (uid lease, cgroups without limits,
    // staging dir not mounted), made ahead: each is taken by exactly one job (shift), never returned.
    const ahead: Held[] = []
    let preparing = 0
    /** Whether a cold job ran: only then are sets kept ahead (a node whose jobs all find pre-started sandboxes holds none). */
    let coldJobsRun = false

    /** Makes one set ahead: the uid leased, the staging dir and the cgroups (no limits, nothing in them) made. */
    async function prepareSet(caps: SandboxCapabilities): Promise<Held> {
      const set: Held = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
      try {
        if (caps.identity === 'per-job-uid') {
          set.lease = await uids.acquire()
          set.uid = set.gid = set.lease.uid
        }
        const [staged, grouped] = await Promise.allSettled([
          prepareOutputStaging(workDir),
          caps.cgroupParents === null ? undefined : prepareJobCgroups(caps.cgroupParents, { jobId: 'ahead', uid: set.uid, gid: set.gid }),
        ])
        if (staged.status === 'fulfilled') set.unfinished = staged.value
        if (grouped.status === 'fulfilled') set.cgroup = grouped.value
        if (staged.status === 'rejected') throw staged.reason
        if (grouped.status === 'rejected') throw grouped.reason
        return set
      } catch (error) {
        await letGo(set, false, logger)
        throw error
      }
    }

    /** Tops the sets made ahead up to `preparedAhead`, in the background; after `stop()`, a set that comes is cleaned up. */
    function topUp(): void {
      while (!stopped && coldJobsRun && ahead.length + preparing < preparedAhead) {
        preparing++
        inBackground(
          capabilities()
            .then(prepareSet)
            .then(
              async (set) => {
                preparing--
                if (stopped) await letGo(set, true, logger)
                else ahead.push(set)
              },
              (error: unknown) => {
                preparing--
                logger.warn({ err: errorName(error) }, 'could not prepare a sandbox ahead; the next cold job prepares its own')
              },
            ),
        )
      }
    }

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

      // A sandbox started ahead for this very program and these limits serves the job; else a cold one.
      const warm = await takeWarm(spec)
      const held: Held = warm?.held ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
      /** Set once every process of the job is known dead (by cgroup and by uid) after the sandbox closed. */
      const swept = { done: false }
      let result: RunResult | undefined
      try {
        let enforcement: SandboxEnforcement
        let launched: Launched
        if (warm) {
          enforcement = warm.enforcement
          launched = warm.launched
        } else {
          // A set made ahead, when there is one (taken here, by this job alone); else made now.
          const prepared = ahead.shift()
          coldJobsRun = true
          enforcement = await hold(spec.jobId, limits, caps, held, prepared)
          launched = await launch(spec.program, limits, caps, held, { config: spec.config, inputs: spec.inputs })
        }
        log.info({ uid: held.uid, enforcement, inputs: spec.inputs.length, prestarted: warm !== undefined }, 'sandbox starting')
        result = await execute(spec, launched, { caps, held, enforcement, signal, swept, begun, prestarted: warm !== undefined })
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
        // Once every process of the job is known dead (swept), nothing of it can touch what it held:
        // the clean-up (staging, cgroups, then the uid) runs after the result, tracked, and `stop()`
        // waits for it. The uid's lock stays until its clean-up is done, so no job gets it before.
        // Without that sweep (a failed start), the run ends only once all is killed and cleaned up.
        if (swept.done) inBackground(letGo(held, true, log).then(topUp))
        else {
          const cleanupBegun = performance.now()
          await letGo(held, false, log)
          if (result?.phases) result.phases.cleanup = performance.now() - cleanupBegun
        }
      }
    }

    /** Why the runner killed a sandbox: a limit, the caller's abort, a failed feed, or a pre-started sandbox no longer wanted. */
    type KillReason = 'timeout' | 'cpu-limit' | 'abort' | 'feed' | 'unused'

    /** A started bubblewrap: its process, what it said so far, and how its start went. */
    type Launched = {
      child: LaunchedProcess
      /** When it was spawned (performance.now()). */
      spawnedAt: number
      stderr: ReturnType<typeof createTail>
      /** Where stdout goes: nowhere until a job's event reader is attached. */
      stdout: { sink: ((chunk: Buffer) => void) | undefined }
      state: {
        exited: boolean
        killedFor: KillReason | undefined
        sourceError: unknown
        hashMismatch: boolean
        released: boolean
        releasedAt: number | undefined
        /** stderr before the program was released: bash's and bubblewrap's alone. */
        setupStderr: string
        programExit: number | undefined
        /** A pre-started sandbox's program printed something before it had a job: it is up and waiting. */
        booted: boolean
      }
      /** Settles once the program (and for a cold sandbox its config and inputs) were fed and the program released. */
      feeding: Promise<unknown>
      closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
      kill(reason: KillReason): void
      /** A pre-started sandbox's job descriptor (see `warm-job.ts`). */
      job: Writable | undefined
    }

    const fds = { status: 3, block: 4, program: 5, config: 6, seccomp: 7, meminfo: 8, loadavg: 9, stat: 11, uptime: 12, firstInput: 13 }
    const argsFd = 10
    /** A pre-started sandbox's job descriptor: where a cold one's first input would be. */
    const warmJobFd = 13

    /**
     * Starts bubblewrap for a program: a cold sandbox with its job's config and inputs (released once
     * they all arrived whole), or, with `job` undefined, a pre-started one that has no job yet and is
     * released at once: its program starts and waits for its job on {@link warmJobFd}.
     */
    async function launch(
      program: RunSpec['program'],
      limits: RunSpec['limits'],
      caps: SandboxCapabilities,
      held: Held,
      job: { config: unknown; inputs: RunSpec['inputs'] } | undefined,
    ): Promise<Launched> {
      const { uid, gid, staging, cgroup } = held
      const python = program.runtime === 'python'
      if (python && !pythonConfinable(caps))
        throw new SandboxUnavailableError(
          'Python programs need cgroup limits (memory, tasks, CPU for the whole job) and /usr/bin/python3; this host has not both.',
        )
      const inputs = job?.inputs ?? []
      const { argv, args: bwrapArgs } = bwrapArguments({
        caps,
        runtime: python ? 'python' : 'node',
        inputs: inputs.map((input) => input.name),
        stagingDir: staging!.dir,
        tmpBytes,
        limits,
        cgroup: cgroup !== undefined,
        nodePermissions,
        seccomp: seccomp !== undefined,
        bubblewrapTasks,
        rlimitDataOverhead,
        fds,
        argsFd,
        jobFd: job === undefined ? warmJobFd : undefined,
      })
      const stdio = [
        'ignore',
        'pipe',
        'pipe',
        'pipe',
        'pipe',
        'pipe',
        job === undefined ? 'ignore' : 'pipe',
        seccomp ? 'pipe' : 'ignore',
        'pipe',
        'pipe',
        'pipe',
        // /proc/stat and /proc/uptime (fds 11 and 12).
        'pipe',
        'pipe',
        ...(job === undefined ? ['pipe' as const] : inputs.map(() => 'pipe' as const)),
      ] as const
      const encode = (text: string) => new TextEncoder().encode(text)
      const spawnedAt = performance.now()
      // Read now, while bubblewrap is being started, so it is fed the moment its descriptor is ours.
      const programRead = readAhead(program.path)
      programRead.catch(() => {})
      let child: LaunchedProcess
      try {
        // bubblewrap, as the job's uid, with no descriptor but these (none the node process
        // inherited from its supervisor, a terminal or a test harness: bubblewrap would pass them
        // into the sandbox, where a writable one is a way out and a directory one a way around the
        // mount namespace), and in the job's cgroups before it has its options, so every process of
        // the sandbox is counted from its first instant. What holds none of the owner's data (its
        // options, the seccomp filter, the /proc files it sees, the job's config) is written as it
        // starts, by whoever starts it: bubblewrap sets up its namespaces meanwhile, without waiting
        // for this process. The program and the inputs are fed by this process (below).
        child = await launcher.launch(caps.bwrap, argv, {
          uid: caps.identity === 'per-job-uid' ? uid : undefined,
          gid: caps.identity === 'per-job-uid' ? gid : undefined,
          cwd: '/',
          env: { PATH: '/usr/bin:/bin' },
          stdio: [...stdio],
          read: [1, 2, fds.status],
          isolate: { bash: caps.bash, cgroupProcs: cgroup?.procsFiles ?? [] },
          write: [
            { fd: argsFd, data: encodeBwrapArgs(bwrapArgs) },
            // The job's config (no data of the owner's: the buyer's settings) goes the same way.
            ...(job === undefined ? [] : [{ fd: fds.config, data: encode(JSON.stringify(job.config ?? null)) }]),
            ...(seccomp ? [{ fd: fds.seccomp, data: seccomp }] : []),
            { fd: fds.meminfo, data: encode(jobMeminfo(limits.memoryBytes)) },
            { fd: fds.loadavg, data: encode(jobLoadavg) },
            { fd: fds.stat, data: encode(jobStat) },
            { fd: fds.uptime, data: encode(jobUptime) },
          ],
        })
      } catch (cause) {
        throw new SandboxSetupError('bubblewrap could not be started.', { cause })
      }

      const state: Launched['state'] = {
        exited: false,
        killedFor: undefined,
        sourceError: undefined,
        hashMismatch: false,
        released: false,
        releasedAt: undefined,
        setupStderr: '',
        programExit: undefined,
        booted: false,
      }
      const kill = (reason: KillReason) => {
        if (state.exited) return
        state.killedFor ??= reason
        child.kill('SIGKILL')
        void cgroup?.killAll()
        if (caps.identity === 'per-job-uid') void killProcessesOfUid(uid)
      }
      const closed = child.closed.then((exit) => {
        state.exited = true
        return exit
      })
      closed.catch(() => {})
      const stderr = createTail(stderrTailBytes)
      const stdout: Launched['stdout'] = { sink: undefined }
      child.stdio[1]!.on('data', (chunk: Buffer) => {
        if (stdout.sink) stdout.sink(chunk)
        // Before a pre-started sandbox has its job, its stdout holds nothing of any job: anything there only says its program is up.
        else state.booted = true
      })
      child.stdio[2]!.on('data', (chunk: Buffer) => stderr.push(chunk))
      let statusText = ''
      child.stdio[fds.status]!.on('data', (chunk: Buffer) => {
        statusText += chunk.toString('utf8')
        const exit = /"exit-code"\s*:\s*(\d+)/.exec(statusText)
        if (exit) state.programExit = Number(exit[1])
      })
      for (let fd = 3; fd < child.stdio.length; fd++) child.stdio[fd]?.on('error', () => {})

      // Feed program, config and inputs; release the sandbox (block fd) only when all arrived whole.
      const feed = async (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, fd: number) => {
        await pipeline(Readable.from(guarded(source, state)), child.stdio[fd] as Writable)
      }
      let programHash = ''
      // The program (read while bubblewrap started), hashed as it is fed.
      async function* programSource(): AsyncGenerator<Uint8Array> {
        const hasher = createHash('sha256')
        const whole = await programRead
        for await (const chunk of whole === undefined ? createReadStream(program.path) : [whole]) {
          hasher.update(chunk as Uint8Array)
          yield chunk as Uint8Array
        }
        programHash = `0x${hasher.digest('hex')}`
      }
      const feeding = Promise.all([
        feed(programSource(), fds.program),
        ...inputs.map((input, i) => feed(input.source as AsyncIterable<Uint8Array> | Iterable<Uint8Array>, fds.firstInput + i)),
      ])
      // Once the program may run, stderr is partly its own: it can print lines that look like
      // bubblewrap's. What came before is bash's and bubblewrap's alone, kept to explain a failure.
      feeding.then(
        () => {
          if (program.sha256 !== undefined && programHash !== program.sha256) {
            state.hashMismatch = true
            kill('feed')
            return
          }
          state.released = true
          state.releasedAt = performance.now()
          state.setupStderr = stderr.text()
          ;(child.stdio[fds.block] as Writable).end('go')
        },
        () => {
          // A source failed (e.g. ciphertext failed authentication) or bubblewrap went away: the
          // program must not start on partial data, so it is never released.
          kill('feed')
        },
      )
      return { child, spawnedAt, stderr, stdout, state, feeding, closed, kill, job: job === undefined ? (child.stdio[warmJobFd] as Writable) : undefined }
    }

    async function execute(
      spec: RunSpec,
      launched: Launched,
      context: {
        caps: SandboxCapabilities
        held: Held
        enforcement: SandboxEnforcement
        signal: AbortSignal | undefined
        /** Set here once every process of the job is known dead. */
        swept: { done: boolean }
        /** When `run` was called (for the phase timings). */
        begun: number
        /** The job is served by a sandbox started ahead: it gets its job on its descriptor now. */
        prestarted: boolean
      },
    ): Promise<RunResult> {
      const { caps, held, enforcement, signal, swept, begun, prestarted } = context
      const { uid, staging, cgroup } = held
      const { limits } = spec
      const { child, state, stderr, kill } = launched
      // A pre-started sandbox's run begins now, with its job: its timings and its wall time count from here.
      const started = prestarted ? performance.now() : launched.spawnedAt
      const booted = prestarted ? launched.state.booted : undefined
      let jobFedAt: number | undefined
      let startLatencyMs: number | null = null
      let errorCode: string | undefined

      const safely = (fn: () => void) => {
        try {
          fn()
        } catch (error) {
          logger.warn({ jobId: spec.jobId, err: errorName(error) }, 'run callback threw')
        }
      }
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
      // A pre-started sandbox's output before its job came held nothing of it and is not the job's.
      launched.stdout.sink = (chunk) => events.push(chunk)

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

      // A pre-started sandbox gets its one job (config, then each input whole, then the end) on its
      // descriptor; a source that fails kills it (its program has not got the whole job).
      const jobFeeding = launched.job
        ? pipeline(
            Readable.from(
              guarded(
                warmJobFrames(
                  new TextEncoder().encode(JSON.stringify(spec.config ?? null)),
                  spec.inputs.map((input) => ({ name: input.name, source: input.source as AsyncIterable<Uint8Array> | Iterable<Uint8Array> })),
                ),
                state,
              ),
            ),
            launched.job,
          ).then(
            () => {
              jobFedAt = performance.now()
              // Nothing more goes in, and nothing the program writes back on it is ever read: closed.
              launched.job?.destroy()
            },
            () => kill('feed'),
          )
        : undefined

      let exit: { code: number | null; signal: NodeJS.Signals | null }
      try {
        exit = await launched.closed
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
      await Promise.race([Promise.all([launched.feeding.catch(() => {}), jobFeeding]), sleep(200)])

      // By cgroup and by uid, side by side: both must find nothing left.
      await Promise.all([cgroup?.killAll(), caps.identity === 'per-job-uid' ? killProcessesOfUid(uid) : undefined])
      swept.done = true
      const sweptAt = performance.now()

      if (state.sourceError !== undefined) throw state.sourceError
      if (state.hashMismatch) throw new SandboxSpecError('The program does not have the expected SHA-256.')
      const { killedFor, programExit, released } = state
      // bubblewrap reports an exit code only once the program ran; without one (and unless we
      // killed it for a limit or an abort) the sandbox never came up.
      if (programExit === undefined && (killedFor === undefined || killedFor === 'feed')) {
        // bubblewrap's own messages (mount failures) name paths, never data; but once the program
        // was released, a `bwrap:` line may be the program's own, carrying data into the node's
        // logs. So only what came before the release is quoted.
        const own = setupReason(released ? state.setupStderr : stderr.text())
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
      else if (killedFor === 'abort' || killedFor === 'feed' || killedFor === 'unused') outcome = 'killed'
      else if (exitCode === 128 + osConstants.signals.SIGXCPU || (exitCode === 128 + osConstants.signals.SIGKILL && cpuMs !== null && cpuMs >= limits.cpuSeconds * 1000))
        outcome = 'cpu-limit'
      else if (exitCode === 128 + osConstants.signals.SIGXFSZ || (exitCode !== 0 && (await staging!.full()))) outcome = 'output-limit'
      else if (exitCode === null) outcome = 'killed'

      if (!(await staging!.copyTo(spec.outputDir)) && outcome === 'exited') outcome = 'output-limit'
      // A pre-started sandbox's program was released before its job: its program phase begins once the job was fed.
      const releaseAt = prestarted ? (jobFedAt ?? exitedAt) : (state.releasedAt ?? exitedAt)

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
        prestarted,
        ...(booted === undefined ? {} : { prestartedBooted: booted }),
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

    // Pre-started sandboxes, by kind (an environment and a program, as the caller names it): each
    // started for one program and one set of limits, serving at most one job.
    type WarmSandbox = { kind: string; key: string; held: Held; enforcement: SandboxEnforcement; launched: Launched }
    type WarmEntry = { kind: string; key: string; starting: Promise<WarmSandbox | undefined> }
    const warm = new Map<string, WarmEntry[]>()
    let warmCount = 0
    let stopped = false
    const keyOf = (program: RunSpec['program'], limits: RunSpec['limits']) =>
      JSON.stringify([program.path, program.sha256 ?? null, program.runtime ?? 'node', limits.memoryBytes, limits.cpuSeconds, limits.outputBytes, limits.processes])

    const remove = (entry: WarmEntry) => {
      const list = warm.get(entry.kind)
      const at = list?.indexOf(entry) ?? -1
      if (at >= 0) list!.splice(at, 1)
      if (list?.length === 0) warm.delete(entry.kind)
    }

    /** Kills a pre-started sandbox that will serve no job, and frees what it held. */
    const discard = async (sandbox: WarmSandbox | undefined) => {
      if (!sandbox) return
      sandbox.launched.kill('unused')
      await sandbox.launched.closed.catch(() => {})
      for (let fd = 0; fd < sandbox.launched.child.stdio.length; fd++) sandbox.launched.child.stdio[fd]?.destroy()
      await letGo(sandbox.held, false, logger)
    }

    /** The pre-started sandbox for this program and these limits, taken out of the pool; undefined when none is alive. */
    async function takeWarm(spec: RunSpec): Promise<WarmSandbox | undefined> {
      const key = keyOf(spec.program, spec.limits)
      for (const list of warm.values()) {
        const entry = list.find((candidate) => candidate.key === key)
        if (!entry) continue
        remove(entry)
        // The refill starts now, while this one serves its job: the next job of its kind finds it booted.
        prestart({ kind: entry.kind, program: spec.program, limits: spec.limits })
        const sandbox = await entry.starting
        // It died while waiting (or its program did not match): the job starts cold.
        if (!sandbox || sandbox.launched.state.exited || sandbox.launched.state.killedFor !== undefined) {
          void discard(sandbox)
          return undefined
        }
        return sandbox
      }
      return undefined
    }

    function prestart(request: PrestartRequest): void {
      if (stopped || prestartPerKind === 0 || request.program.runtime === 'python') return
      const key = keyOf(request.program, request.limits)
      const list = warm.get(request.kind) ?? []
      // Topped up to `prestartPerKind` of these limits, so that with two or more, one has booted
      // while its twin serves a job and the replacement starts.
      for (let count = list.filter((entry) => entry.key === key).length; count < prestartPerKind; count++) startAhead(request, key, list)
      warm.set(request.kind, list)
    }

    /** Starts one sandbox ahead for `request` into its kind's `list`, the kind's oldest making way when it is full. */
    function startAhead(request: PrestartRequest, key: string, list: WarmEntry[]): void {
      // The pool is bounded: a kind's oldest pre-started sandbox of other limits makes way for one of its latest.
      while (list.length >= prestartPerKind) {
        const other = list.findIndex((entry) => entry.key !== key)
        const [oldest] = list.splice(other < 0 ? 0 : other, 1)
        void oldest!.starting.then(discard)
      }
      const name = `prestarted-${++warmCount}`
      const entry = { kind: request.kind, key } as WarmEntry
      entry.starting = (async () => {
        const held: Held = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
        try {
          const caps = await capabilities()
          const enforcement = await hold(name, request.limits, caps, held)
          const launched = await launch(request.program, request.limits, caps, held, undefined)
          const sandbox: WarmSandbox = { kind: request.kind, key, held, enforcement, launched }
          // One that dies unused (or whose program did not match its hash) leaves the pool and frees what it held.
          void launched.closed.then(() => {
            if (warm.get(request.kind)?.includes(entry)) {
              remove(entry)
              void discard(sandbox)
            }
          })
          return sandbox
        } catch (error) {
          logger.warn({ kind: request.kind, err: errorName(error) }, 'could not pre-start a sandbox')
          remove(entry)
          await letGo(held, false, logger)
          return undefined
        }
      })()
      list.push(entry)
    }

    async function stop(): Promise<void> {
      stopped = true
      const entries = [...warm.values()].flat()
      warm.clear()
      await Promise.all(entries.map(async (entry) => discard(await entry.starting)))
      // What was prepared ahead, and the clean-up of runs that already returned.
      for (const set of ahead.splice(0)) inBackground(letGo(set, true, logger))
      await idle()
    }

    return {
      run,
      prestart,
      stop,
      prestarted: () => [...warm.values()].reduce((sum, list) => sum + list.length, 0),
      idle,
      async ready() {
        await capabilities()
        // The launcher too, so that the first job is not started by a fork of the node.
        await launcher.warm()
      },
      async runtimes() {
        return pythonConfinable(await capabilities()) ? ['node', 'python'] : ['node']
      },
    }
  }
}

/** Programs up to this size are read whole before they are fed (bundles are under a MiB); a bigger one is streamed. */
const programReadAheadBytes = 16 * mib

/** The whole file when it is at most {@link programReadAheadBytes}; undefined when bigger (stream it). Rejects as `open` does. */
async function readAhead(path: string): Promise<Uint8Array | undefined> {
  const handle = await open(path, 'r')
  try {
    if ((await handle.stat()).size > programReadAheadBytes) return undefined
    return await handle.readFile()
  } finally {
    await handle.close()
  }
}

/** A source as an iterable that records its first error in `state.sourceError` (then rethrows it). */
function guarded(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, state: { sourceError: unknown }): AsyncGenerator<Uint8Array> {
  return (async function* () {
    try {
      for await (const chunk of source) yield chunk
    } catch (error) {
      state.sourceError ??= error
      throw error
    }
  })()
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
