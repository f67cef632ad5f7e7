import type { ComputeEnvironment } from '@datavault/sdk'
import type { TrainerEvent } from './protocol.ts'

/** One plaintext input of a run; it becomes the read-only file `/data/<name>` in the sandbox. */
export type SandboxInput = {
  /** File name under `/data`: letters, digits, `.`, `_`, `-`; not starting with `.`. */
  name: string
  /** The plaintext, streamed straight into the sandbox's private memory. */
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>
}

/** Resource limits of one run. */
export type RunLimits = {
  /** Wall-clock time from spawn (inputs included) until the sandbox is killed. */
  wallTimeMs: number
  /** CPU time of the whole job (all its processes, where the backend can count them). */
  cpuSeconds: number
  /** Memory of the whole job, its in-memory copy of the inputs and its /tmp included. */
  memoryBytes: number
  /** Total size of what the job writes to `/out`; also the largest single file. */
  outputBytes: number
  /** Tasks the job may have at once: processes and their threads (Node itself uses about a dozen). */
  processes: number
}

/** What to run: a single-file program, its config and inputs, where its outputs go, and its limits. */
export type RunSpec = {
  jobId: string
  /** A single bundled `.mjs`; when `sha256` is given the bytes that run must have that hash. */
  /**
   * The program: one file, run by Node 24 (`node`, the default: an ES module) or by the host's
   * Python 3 (`python`: `/usr/bin/python3 -I -B`, standard library and Debian's dist-packages).
   */
  program: { path: string; sha256?: `0x${string}` | undefined; runtime?: 'node' | 'python' | undefined }
  /** Written as JSON to the read-only `/job/config.json`. */
  config: unknown
  inputs: readonly SandboxInput[]
  /** Host directory that receives what the job wrote to `/out` (created if missing; must be empty). */
  outputDir: string
  limits: RunLimits
  /**
   * The compute environment the job runs in, as the operator declared it (name, runtime, CPU,
   * memory, GPU; for Kubernetes the image by digest and scheduling). A runner uses what applies to
   * it: the sandbox ignores the image; `limits.memoryBytes` already includes the environment's memory.
   */
  environment?: ComputeEnvironment | undefined
  /**
   * Every valid protocol event, `started` included; epoch events count up by one, carry a
   * quantized loss and are paced (see `BubblewrapRunnerInit.progress`), because progress reaches
   * the buyer while the job runs.
   */
  onEvent?: ((event: TrainerEvent) => void) | undefined
  /** Called once, when the program prints `started`. */
  onStarted?: (() => void) | undefined
}

/** Options of one run. */
export type RunOptions = {
  /** Aborting kills the sandbox; the run then ends as `killed`. */
  signal?: AbortSignal | undefined
}

/**
 * How a run ended. `exited` covers any exit code; the others mean the sandbox stopped it. A cluster
 * backend adds three where the program never ran or was stopped by the cluster, not by its own
 * doing: `image-pull-failed` (the environment's image could not be pulled), `unschedulable` (no
 * node had the CPU, memory or GPUs free in time), `evicted` (the node evicted the pod).
 */
export type RunOutcome =
  | 'exited'
  | 'timeout'
  | 'cpu-limit'
  | 'memory-limit'
  | 'output-limit'
  | 'killed'
  | 'image-pull-failed'
  | 'unschedulable'
  | 'evicted'
  /** The program left something in its outputs that is not a plain file with a plain name (where the backend refuses it before the egress guard). */
  | 'output-refused'

/** Which mechanism enforced each isolation property and limit in a run, for the record. */
export type SandboxEnforcement = {
  backend: string
  /** `per-job-uid`: the sandbox ran as a uid of its own; `current-user`: as the node's own user. */
  identity: 'per-job-uid' | 'current-user'
  uid: number
  memory: 'cgroup-v1' | 'rlimit-data'
  processes: 'cgroup-v1' | 'rlimit-nproc' | 'pid-namespace-only'
  cpu: 'cgroup-v1+rlimit-cpu' | 'rlimit-cpu'
  outputs: 'tmpfs' | 'directory+rlimit-fsize'
  /** Whether Node's permission model also confined the program's file system access. */
  nodePermissions: boolean
  /** Whether a seccomp filter blocked dangerous system calls (built for x86-64 only). */
  seccomp: boolean
}

/** Which Kubernetes mechanisms confined a run, for the record. */
export type KubernetesEnforcement = {
  backend: 'kubernetes'
  namespace: string
  /** The uid every container of the pod runs as (non-root, fixed). */
  uid: number
  /** The RuntimeClass (gVisor, Kata) that put a kernel boundary around the pod, or null for the cluster's default runtime. */
  runtimeClassName: string | null
  memory: 'pod-limit'
  cpu: 'pod-limit'
  gpus: number
  /** Egress allowed only to the node's job gateway, ingress none. */
  network: 'network-policy'
  /** Per-job credentials live in one Secret per networked step, mounted into that container alone. */
  credentials: 'per-step-secret'
  outputs: 'memory-emptydir'
  seccomp: 'RuntimeDefault'
}

/** How a homomorphic run was confined, for the record: worker threads on ciphertexts, no program and no plaintext. */
export type HomomorphicEnforcement = {
  backend: 'homomorphic'
  /** The uid the work ran as: the node's own (worker threads of its process). */
  uid: number
  /** Worker threads (one SEAL context each) the encrypted work was split across. */
  workers: number
  /** The compute node held ciphertexts and public evaluation keys only; the key holders decrypted the aggregates. */
  plaintext: 'none'
}

/** The result of a run. `stderrTail` may contain data: it is for the data owner only, never logged or sent to the buyer. */
export type RunResult = {
  outcome: RunOutcome
  /** Exit code of the program (128 + n when a signal ended it), or null when it never ran to an exit. */
  exitCode: number | null
  /** Signal that ended the program, when one did. */
  signal: NodeJS.Signals | null
  durationMs: number
  /** Spawn to the `started` event (sandbox setup and input copy included); null when it never started. */
  startLatencyMs: number | null
  /** The code of the program's `error` event, if it printed one. */
  errorCode: string | undefined
  /** Last bytes of the program's stderr. Owner only. */
  stderrTail: string
  /** CPU time of the whole job, when the backend could count it. */
  cpuMs: number | null
  /** Peak memory of the whole job, when the backend could measure it. */
  peakMemoryBytes: number | null
  /** Stdout lines that were not valid events (too long, not JSON, unknown shape) or past the event limit. */
  protocolViolations: number
  enforcement: SandboxEnforcement | KubernetesEnforcement | HomomorphicEnforcement
  /** Where the run's own time went, phase by phase (ms, wall clock), where the backend records it. */
  phases?: RunPhases | undefined
  /** The job was served by a sandbox started ahead (its timings and start latency count from when it got the job). */
  prestarted?: boolean | undefined
  /** For a pre-started sandbox: whether its program had finished starting (its modules imported, waiting for its job) when it got the job; it says so by printing anything on stdout before. */
  prestartedBooted?: boolean | undefined
}

/**
 * The bubblewrap runner's phases, ms of wall clock each, in order: `setup` (spec checked, output
 * dir, uid lease, output staging and cgroups), `sandbox` (spawn until bubblewrap has every input
 * and the program is released), `program` (release to exit), `sweep` (every process of the job
 * known dead), `collect` (usage figures, outputs copied) and `cleanup` (staging, cgroups, uid
 * released) before the result: 0 once the sweep found every process dead, when the clean-up runs
 * after the result is returned (see `BubblewrapRunner.idle()`). `released` to `started` is
 * `startLatencyMs` less `sandbox`.
 */
export type RunPhases = { setup: number; sandbox: number; program: number; sweep: number; collect: number; cleanup: number }

/** A sandbox to start ahead: for one kind (e.g. an environment and a built-in trainer), one program and one set of limits. */
export type PrestartRequest = {
  /** Who the sandbox is kept for, e.g. `<environment>/<trainer>`: each kind keeps a bounded number. */
  kind: string
  program: RunSpec['program']
  limits: RunLimits
}

/** A backend that runs one job's program in isolation. Knows nothing of trainers or datasets. */
export type Runner = {
  run(spec: RunSpec, options?: RunOptions): Promise<RunResult>
  /**
   * Where the backend can start sandboxes ahead (the bubblewrap runner): keep one started for this
   * kind, program and limits; a later `run` of the same program and limits is served by it. Never throws.
   */
  prestart?(request: PrestartRequest): void
  /** Resolves once the backend can run jobs; rejects with why it cannot (e.g. `SandboxUnavailableError`). */
  ready(): Promise<void>
  /** The program runtimes this backend can confine here. */
  runtimes(): Promise<('node' | 'python')[]>
}

/** A pino-compatible logger: what the sandbox uses of one. */
export type SandboxLogger = {
  child(bindings: Record<string, unknown>): SandboxLogger
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
}
