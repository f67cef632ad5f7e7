import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LocalAccount } from 'viem'
import {
  type ComputePolicy,
  type DatasetSchema,
  type ComputeEnvironment,
  type SignedReceipt,
  computePolicySchema,
  environmentRunsProgram,
  hashJobOutputs,
  hashJobParams,
  isDataVaultError,
  signReceipt,
} from '@datavault/sdk'
import { checkEgress } from '../egress/index.ts'
import type { EnvironmentCatalog } from '../environments/index.ts'
import { type HomomorphicJobInputs, homomorphicRunner } from '../he/homomorphicRunner.ts'
import type { HeWorkerPool } from '../he/heWorkerPool.ts'
import type { RunLimits, RunResult, SandboxInput } from '../sandbox/index.ts'
import type { TrainerCatalog, TrainerCatalogEntry } from './trainer-catalog.ts'
import type { Job, JobFailure, JobFailureCode } from './job.ts'
import type { JobStore } from './job-store.ts'

/** A pino-compatible logger: what the engine uses of one. */
export type EngineLogger = {
  child(bindings: Record<string, unknown>): EngineLogger
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
}

/** What the engine needs to run a job on a dataset: opened by the host, which owns keys and storage. */
export type JobInputs = {
  /**
   * The datasets read, in input order: each with its id, the CID of the ciphertext and the data
   * rows it held (counted by the host as the plaintext streamed past). One for a dataset; a pool's
   * current members for a pool job. The receipt names each with its row count.
   */
  datasets: { id: `0x${string}`; cid: string; rows: () => number }[]
  schema: DatasetSchema
  policy: ComputePolicy
  /** Plaintext streams, decrypted on the fly; each becomes `/data/<name>` in the sandbox. */
  inputs: SandboxInput[]
  /** Wipes the data key and closes the streams; the engine calls it whatever happens to the job. */
  dispose(): Promise<void>
  /** Data rows the inputs held in all (lines after each CSV header). */
  rowCount?: () => number
  /** For a homomorphic trainer: the HE dataset's bundle and its release by the key holders (`inputs` is then empty). */
  homomorphic?: HomomorphicJobInputs | undefined
}

/** Opens a job's inputs once its key may be released. Throws a DataVaultError when it may not. */
export type JobInputsSource = {
  /**
   * `environment` is where the job will run: the host refuses (with `POLICY_ENVIRONMENT_DENIED`)
   * before any key is released when the dataset's policy does not allow it.
   */
  open(
    job: Job,
    options: {
      signal: AbortSignal
      environment: string
      /** The job's trainer is homomorphic: open the HE bundle (no key released, nothing decrypted) instead of plaintext. */
      homomorphic?: boolean | undefined
    },
  ): Promise<JobInputs>
}

/** Finds the program a job names: a built-in trainer, or a custom algorithm with its declared outputs. */
export type ProgramResolver = {
  /** The program, or `undefined` when this node no longer has it (the job fails, its order is released). */
  resolve(trainer: Job['trainer']): TrainerCatalogEntry | undefined
}

/**
 * The privacy ledger as the engine sees it: what a finished job spent is committed; a failed or
 * interrupted job's reservation goes back.
 */
export type JobPrivacy = {
  /** Commits what the finished job spent and returns it; `undefined` when the job ran without DP. */
  commit(job: Job, metrics: Record<string, number>): { epsilon: number; delta: number } | undefined
  release(jobId: string): void
}

/** Engine settings. */
export type ComputeEngineInit = {
  /** Scratch space for jobs' output dirs (never holds plaintext). */
  workDir: string
  /** Where released outputs of finished jobs are kept. */
  resultsDir: string
  chainId: number
  concurrency?: number
  /** How often to look for queued jobs when not notified, ms. */
  pollIntervalMs?: number
  /** Largest total size of a job's outputs, bytes. */
  maxOutputBytes?: number
  /** The node's ceilings on a policy's wall time and memory (as the host applies them), for the sandboxes started ahead at start. */
  prestartCeilings?: { maxWallTimeSeconds: number; maxMemoryMb: number } | undefined
}

/** Parts the engine uses, wired by the host's composition root. */
export type ComputeEngineComponents = {
  store: JobStore
  /** The node's compute environments, each with the runner (sandbox, Kubernetes) that executes its jobs. */
  environments: Pick<EnvironmentCatalog, 'get' | 'choose' | 'runnerOf'> & Partial<Pick<EnvironmentCatalog, 'list'>>
  programs: ProgramResolver
  /**
   * The trainers that sandboxes are started ahead for: programs that take a pre-started sandbox's
   * job (the built-in Node trainers, through `mainTrainerProgram`). Where a runner starts sandboxes
   * ahead (`Runner.prestart`), the engine asks it at start for one per environment and trainer,
   * with the limits of a dataset of the default policy, and after each of these trainers' jobs for
   * one with that job's limits (the refill); a job whose program and limits match one is served by it.
   */
  trainers?: Pick<TrainerCatalog, 'list'> | undefined
  inputs: JobInputsSource
  privacy?: JobPrivacy
  /** Signs receipts; its address is the node's identity. */
  account: LocalAccount
  logger: EngineLogger
  /** The HE worker pool (started on first use) that homomorphic trainers run on; without it they fail. */
  heWorkers?: (() => Promise<HeWorkerPool>) | undefined
  /**
   * Seals a program's stderr tail to the dataset's owner before anything stores it (see
   * {@link OwnerLogSealer}); without it the engine keeps no log at all.
   */
  ownerLogs?: OwnerLogSealer | undefined
}

/**
 * Turns a program's stderr tail (which may echo the data) into what the job store keeps for the
 * dataset's owner: the tail sealed to the owner's key, or `discarded`. Never returns plaintext.
 */
export type OwnerLogSealer = {
  seal(job: Pick<Job, 'id' | 'datasetId'>, stderrTail: string): string
}

/** Runs queued jobs until stopped. */
export type ComputeEngine = {
  start(): void
  /** Wakes the engine at once (after a job was queued). */
  notify(): void
  /** Stops taking jobs, aborts running ones (they fail as `interrupted`), and waits for them. */
  stop(): Promise<void>
  /**
   * Cancels a job for its buyer: a job not yet taken fails at once, a running one is stopped (its
   * sandbox killed, nothing released); either way it fails as `cancelled` and its order is
   * released. Resolves with the job once it is final.
   */
  cancel(id: string): Promise<Job>
  /** Listeners for job changes, e.g. to push progress to clients. */
  onChange(listener: (job: Job) => void): () => void
}

const outcomeFailures: Record<Exclude<RunResult['outcome'], 'exited'>, JobFailureCode> = {
  'timeout': 'timeout',
  'cpu-limit': 'cpu-limit',
  'memory-limit': 'memory-limit',
  'output-limit': 'output-limit',
  'killed': 'interrupted',
  'image-pull-failed': 'image-pull-failed',
  'unschedulable': 'unschedulable',
  'evicted': 'evicted',
  'output-refused': 'egress-violation',
}

/**
 * The compute-to-data engine: takes queued jobs, opens their inputs, runs the trainer in the
 * sandbox, passes every output through the egress guard, keeps what passed and signs a receipt.
 *
 * @example
 * const engine = computeEngine({ workDir, resultsDir, chainId })({ store, environments, programs, inputs, account, logger })
 * engine.start()
 */
export function computeEngine(init: ComputeEngineInit) {
  const { workDir, resultsDir, chainId, concurrency = 1, pollIntervalMs = 500, maxOutputBytes = 64 * 1024 ** 2, prestartCeilings } = init
  return (components: ComputeEngineComponents): ComputeEngine => {
    const { store, environments, programs, inputs, account, privacy } = components
    const logger = components.logger.child({ component: 'c2d:engine' })
    const running = new Map<string, { controller: AbortController; done: Promise<void> }>()
    const cancelled = new Set<string>()
    const cancelledFailure: JobFailure = { code: 'cancelled', message: 'The buyer cancelled the job; nothing was released.' }
    const listeners = new Set<(job: Job) => void>()
    let timer: NodeJS.Timeout | undefined
    let stopped = true

    const emit = (job: Job) => {
      for (const listener of listeners) {
        try {
          listener(job)
        } catch (error) {
          logger.warn({ err: safeError(error) }, 'a job listener failed')
        }
      }
    }

    const fail = (id: string, failure: JobFailure, ownerLog?: string, options?: { forfeitOrder?: boolean }) => {
      const job = store.get(id)
      if (!job || job.state === 'finished' || job.state === 'failed') return
      emit(store.fail(id, failure, { ownerLog }, options))
      privacy?.release(id)
      logger.warn({ jobId: id, code: failure.code }, 'job failed')
    }

    async function runJob(claimed: Job, signal: AbortSignal): Promise<void> {
      const log = logger.child({ jobId: claimed.id })
      const jobDir = join(workDir, claimed.id)
      const outputDir = join(jobDir, 'out')
      const staging = join(resultsDir, `.${claimed.id}.partial`)
      let opened: JobInputs | undefined
      /** The job's work dir being made (while the keys are released); settles with the error, if any. */
      let workDirMade: Promise<unknown> | undefined
      try {
        const trainer = programs.resolve(claimed.trainer)
        if (!trainer || trainer.bundle.sha256 !== claimed.trainer.hash)
          return fail(claimed.id, { code: 'provisioning-failed', message: 'The trainer this job names is no longer installed on this node.' })
        const params = trainer.definition.parameters.parse(claimed.params) as Record<string, unknown>
        // The environment chosen at submission; a job from before environments runs in the first that fits.
        const environment = claimed.environment ? environments.get(claimed.environment) : firstFitting(environments, programRuntime(trainer))
        if (!environment)
          return fail(claimed.id, {
            code: 'provisioning-failed',
            message: claimed.environment
              ? `This node no longer offers the compute environment ${claimed.environment}.`
              : 'This node has no compute environment that runs this job\'s program.',
          })
        // The operator may have redeclared the environment since the job was accepted.
        if (!environmentRunsProgram(environment.runtime, programRuntime(trainer)))
          return fail(claimed.id, {
            code: 'provisioning-failed',
            message: `The compute environment ${environment.name} no longer runs ${programRuntime(trainer)} programs on this node.`,
          })
        const runner = environments.runnerOf(environment)

        const homomorphic = trainer.definition.homomorphic
        // The job's work dir is made while the keys are released (nothing in it depends on them);
        // a failure is reported once the inputs are open, and the dir is removed in any case below.
        workDirMade = rm(jobDir, { recursive: true, force: true })
          .then(() => mkdir(outputDir, { recursive: true }))
          .then(
            () => undefined,
            (error: unknown) => error,
          )
        opened = await inputs.open(claimed, { signal, environment: environment.name, homomorphic: homomorphic !== undefined }).catch((error: unknown) => {
          log.warn({ err: safeError(error) }, 'could not open job inputs')
          const code = isDataVaultError(error) ? error.code : undefined
          fail(claimed.id, {
            // The key holders saw the dataset revoked on chain: the same failure as a node revocation.
            code: code === 'DATASET_REVOKED' ? 'revoked' : code === 'POLICY_ENVIRONMENT_DENIED' ? 'policy-violation' : 'provisioning-failed',
            message: isDataVaultError(error) && error.expose ? error.shortMessage : 'The dataset could not be prepared for this job.',
          })
          return undefined
        })
        if (!opened) return
        // Checked by the host before any key was released too; a pool's merged policy is final only here.
        if (opened.policy.environments && !opened.policy.environments.includes(environment.name))
          return fail(claimed.id, {
            code: 'policy-violation',
            message: `The dataset's policy does not allow the compute environment ${environment.name}; nothing ran.`,
          })
        const declaration = trainer.definition.outputs(opened.schema, params)
        // A program that declares its outputs gets room for them and no more (custom programs: their tensors).
        const outputLimit = Math.min(maxOutputBytes, opened.policy.maxOutputBytes, trainer.definition.maxOutputBytes?.(opened.schema, params) ?? Infinity)
        const workDirError = await workDirMade
        if (workDirError !== undefined) throw workDirError
        store.setTimings(claimed.id, { provisionedAt: Date.now() })
        emit(store.transition(claimed.id, 'running'))

        const epochs = typeof params.epochs === 'number' ? params.epochs : undefined
        // A homomorphic trainer runs on the HE bundle's ciphertexts in the node's worker threads.
        const heInputs = opened.homomorphic
        if (homomorphic && (!heInputs || !components.heWorkers))
          return fail(claimed.id, { code: 'provisioning-failed', message: 'This node cannot run homomorphic trainers on this dataset.' })
        const workers = components.heWorkers
        const chosen = homomorphic && heInputs && workers ? homomorphicRunner({ trainer: homomorphic, inputs: heInputs })({ workers }) : runner
        const limits = jobLimits(opened.policy, environment, outputLimit)
        const result = await chosen.run(
          {
            jobId: claimed.id,
            // The runner checks the bundle's bytes against the hash that jobs, policies and receipts name.
            program: { path: trainer.bundle.path, sha256: trainer.bundle.sha256, runtime: trainer.bundle.runtime },
            config: { schema: opened.schema, params, inputs: opened.inputs.map((input) => input.name) },
            inputs: opened.inputs,
            outputDir,
            environment,
            limits,
            onStarted: () => store.setTimings(claimed.id, { startedAt: Date.now() }),
            onEvent: (event) => {
              // A custom program times and counts its own epochs, so its events would be a channel
              // the program modulates: the buyer sees no progress from it until the job ends.
              if (event.event === 'epoch' && claimed.trainer.id !== 'custom') {
                store.setProgress(claimed.id, { epoch: event.epoch, loss: event.loss, ...(epochs ? { epochs } : {}) })
                const job = store.get(claimed.id)
                if (job) emit(job)
              }
            },
          },
          { signal },
        )
        // The refill: a built-in trainer's next job with these limits finds a sandbox started ahead.
        if (chosen === runner && !stopped && components.trainers?.list().some((entry) => entry.bundle.sha256 === trainer.bundle.sha256))
          runner.prestart?.({ kind: `${environment.name}/${claimed.trainer.id}`, program: { path: trainer.bundle.path, sha256: trainer.bundle.sha256, runtime: trainer.bundle.runtime }, limits })
        // stderr is for the dataset's owner only (it may echo data); never part of what the buyer sees.
        // Sealed here, before the store or anything else keeps it: the node holds no plaintext log at rest.
        const ownerLog = result.stderrTail ? components.ownerLogs?.seal(claimed, result.stderrTail) : undefined
        if (result.outcome !== 'exited')
          return cancelled.has(claimed.id)
            ? fail(claimed.id, cancelledFailure, ownerLog)
            : fail(
                claimed.id,
                { code: outcomeFailures[result.outcome], message: failureMessage(result) },
                ownerLog,
                // Refused outputs are an egress violation: the owner's policy says what it costs.
                { forfeitOrder: result.outcome === 'output-refused' && opened.policy.onViolation === 'forfeit-order' },
              )
        if (result.exitCode !== 0) {
          // The exit code is the program's to choose (8 bits per job): the operator's log has it, the
          // buyer sees a fixed sentence, or a listed reason code when a built-in trainer gave one.
          log.warn({ exitCode: result.exitCode, errorCode: result.errorCode }, 'program failed')
          return fail(
            claimed.id,
            {
              code: 'trainer-failed',
              message: result.errorCode && claimed.trainer.id !== 'custom' ? `The trainer stopped with error ${result.errorCode}.` : 'The program failed.',
            },
            ownerLog,
          )
        }

        const minRows = opened.policy.minRows
        if (minRows !== undefined && opened.rowCount && opened.rowCount() < minRows)
          return fail(claimed.id, {
            code: 'policy-violation',
            message: `The dataset's policy requires at least ${minRows} rows per job; nothing was released.`,
          })

        emit(store.transition(claimed.id, 'checking', { ownerLog }))
        const { policy } = opened
        const checked = await checkEgress({ outputDir, declaration, maxBytes: outputLimit }).catch((error: unknown) => {
          log.warn({ err: safeError(error) }, 'egress guard refused the outputs')
          fail(
            claimed.id,
            {
              code: 'egress-violation',
              message: isDataVaultError(error) ? error.shortMessage : 'The outputs did not pass the egress guard.',
            },
            undefined,
            // The owner's policy names what a violation costs the buyer: a retry, or the order.
            { forfeitOrder: policy.onViolation === 'forfeit-order' },
          )
          return undefined
        })
        if (!checked) return

        // A program whose metrics are its own choice (custom programs) releases none: 32 × 64 bits fewer per job.
        if (trainer.definition.releasesMetrics === false) {
          const metricFiles = new Set(declaration.files.filter((file) => file.kind === 'metrics').map((file) => file.name))
          checked.files = checked.files.filter((file) => !metricFiles.has(file.name))
          checked.metrics = {}
        }
        const files = checked.files.map((file) => ({ name: file.name, sha256: file.sha256, bytes: file.bytes.byteLength }))
        // Write the released outputs to a temporary dir and rename it into place: all or nothing.
        await rm(staging, { recursive: true, force: true })
        await mkdir(staging, { recursive: true })
        for (const file of checked.files) await writeFile(join(staging, file.name), file.bytes, { mode: 0o600 })
        const spent = privacy?.commit(claimed, checked.metrics)
        const timings = store.require(claimed.id).timings
        const seconds = (ms: number | undefined) => BigInt(Math.floor((ms ?? Date.now()) / 1000))
        const receipt: SignedReceipt = await signReceipt(account, {
          chainId,
          message: {
            jobId: claimed.id,
            dataset: claimed.datasetId,
            datasetCids: opened.datasets.map((dataset) => dataset.cid),
            datasetIds: opened.datasets.map((dataset) => dataset.id),
            datasetRows: opened.datasets.map((dataset) => BigInt(dataset.rows())),
            buyer: claimed.buyer,
            orderTx: claimed.orderTx,
            trainerId: claimed.trainer.id,
            trainerVersion: claimed.trainer.version,
            trainerHash: claimed.trainer.hash,
            paramsHash: hashJobParams(params),
            outputsHash: hashJobOutputs(files),
            epsilon: spent ? String(spent.epsilon) : '0',
            delta: spent ? String(spent.delta) : '1',
            acceptedAt: seconds(timings.acceptedAt),
            startedAt: seconds(timings.startedAt),
            finishedAt: seconds(undefined),
          },
        })
        await writeFile(join(staging, 'receipt.json'), JSON.stringify(receipt, null, 2), { mode: 0o600 })
        await rm(join(resultsDir, claimed.id), { recursive: true, force: true })
        await rename(staging, join(resultsDir, claimed.id))
        store.setTimings(claimed.id, { finishedAt: Date.now() })
        emit(store.transition(claimed.id, 'finished', { ...(trainer.definition.releasesMetrics === false ? {} : { metrics: checked.metrics }), result: { files }, receipt }))
        log.info({ receipt: receipt.hash }, 'job finished')
      } catch (error) {
        if (isDataVaultError(error) && error.code.startsWith('ENVELOPE_')) {
          // The stored ciphertext failed authentication while it was being decrypted for the sandbox.
          log.error({ err: safeError(error) }, 'dataset ciphertext failed authentication')
          return fail(claimed.id, { code: 'dataset-corrupt', message: `The dataset's stored ciphertext is damaged: ${error.shortMessage}` })
        }
        log.error({ err: safeError(error) }, 'job crashed')
        fail(claimed.id, {
          ...(cancelled.has(claimed.id)
            ? cancelledFailure
            : {
                code: signal.aborted ? 'interrupted' : 'internal-error',
                message: signal.aborted
                  ? 'The node stopped while the job was running; submit it again with the same order.'
                  : 'The node hit an internal error running this job.',
              }),
        })
      } finally {
        // Clean-up never changes how the job ended, but a failure here may leave plaintext or
        // outputs behind (a key not zeroed, a directory not removed): it is logged, not hidden.
        await opened?.dispose().catch((error: unknown) => log.warn({ err: safeError(error) }, 'could not dispose of the job inputs'))
        await workDirMade
        await rm(jobDir, { recursive: true, force: true }).catch((error: unknown) => log.warn({ err: safeError(error) }, 'could not remove the job directory'))
        await rm(staging, { recursive: true, force: true }).catch((error: unknown) => log.warn({ err: safeError(error) }, 'could not remove the staged outputs'))
      }
    }

    /** One sandbox started ahead per environment and built-in trainer, for a dataset of the default policy. */
    const prestartBuiltIns = () => {
      const policy = computePolicySchema.parse({ trainers: ['default'] })
      const defaults = {
        maxWallTimeSeconds: Math.min(policy.maxWallTimeSeconds, prestartCeilings?.maxWallTimeSeconds ?? Infinity),
        maxMemoryMb: Math.min(policy.maxMemoryMb, prestartCeilings?.maxMemoryMb ?? Infinity),
      }
      for (const environment of environments.list?.() ?? []) {
        const runner = environments.runnerOf(environment)
        if (!runner.prestart) continue
        for (const trainer of components.trainers?.list() ?? []) {
          if (trainer.definition.homomorphic || !environmentRunsProgram(environment.runtime, programRuntime(trainer))) continue
          // A trainer that sizes its outputs by the data's schema has no limits known ahead.
          if (trainer.definition.maxOutputBytes) continue
          const limits = jobLimits(defaults, environment, Math.min(maxOutputBytes, policy.maxOutputBytes))
          runner.prestart({ kind: `${environment.name}/${trainer.definition.id}`, program: { path: trainer.bundle.path, sha256: trainer.bundle.sha256, runtime: trainer.bundle.runtime }, limits })
        }
      }
    }

    const tick = () => {
      if (stopped) return
      while (running.size < concurrency) {
        const job = store.claimNext()
        if (!job) break
        emit(job)
        const controller = new AbortController()
        const done = runJob(job, controller.signal)
          .catch((error: unknown) => logger.error({ jobId: job.id, err: safeError(error) }, 'job bookkeeping failed'))
          .finally(() => {
            running.delete(job.id)
            schedule(0)
          })
        running.set(job.id, { controller, done })
      }
    }

    const schedule = (delay: number) => {
      if (stopped) return
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => {
        timer = undefined
        try {
          tick()
        } catch (error) {
          // A busy database or a failing listener must not stop the engine: try again next poll.
          logger.error({ err: safeError(error) }, 'could not take queued jobs')
        }
        schedule(pollIntervalMs)
      }, delay)
    }

    return {
      start() {
        if (!stopped) return
        stopped = false
        const recovered = store.recoverInterrupted()
        for (const id of recovered) privacy?.release(id)
        if (recovered.length) logger.warn({ recovered: recovered.length }, 'failed jobs interrupted by a previous stop; their orders are released')
        prestartBuiltIns()
        // Outputs a killed process was staging belong to jobs that just failed as interrupted: never released, removed.
        void readdir(resultsDir)
          .then((names) => Promise.all(names.filter((name) => /^\..+\.partial$/.test(name)).map((name) => rm(join(resultsDir, name), { recursive: true, force: true }))))
          .then((removed) => removed.length && logger.warn({ removed: removed.length }, 'removed outputs left staged by a previous stop'))
          .catch((error: unknown) => logger.warn({ err: safeError(error) }, 'could not remove outputs left staged by a previous stop'))
        schedule(0)
      },
      notify() {
        schedule(0)
      },
      async stop() {
        stopped = true
        if (timer) clearTimeout(timer)
        for (const { controller } of running.values()) controller.abort()
        await Promise.allSettled([...running.values()].map((entry) => entry.done))
      },
      async cancel(id) {
        const job = store.require(id)
        if (job.state === 'finished' || job.state === 'failed') return job
        const entry = running.get(id)
        if (!entry) {
          // Withdrawn before it ran: nothing touched the data, so it costs the buyer nothing.
          fail(id, { code: 'withdrawn', message: 'The buyer withdrew the job before it ran.' })
          return store.require(id)
        }
        if (job.state === 'checking') {
          // Past the program: the outputs are being checked and may be released; let it end.
          await entry.done
          return store.require(id)
        }
        cancelled.add(id)
        entry.controller.abort()
        // The sandbox dies at once; give the job's clean-up a bounded time before answering.
        await Promise.race([entry.done, new Promise((resolve) => setTimeout(resolve, 10_000).unref())])
        cancelled.delete(id)
        // A job that got past its last check before the abort took effect may have finished.
        const after = store.require(id)
        if (after.state !== 'finished' && after.state !== 'failed') fail(id, cancelledFailure)
        return store.require(id)
      },
      onChange(listener) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
  }
}

/** A job's sandbox limits: its dataset policy's ceilings within what the environment gives a job. */
function jobLimits(policy: Pick<ComputePolicy, 'maxWallTimeSeconds' | 'maxMemoryMb'>, environment: ComputeEnvironment, outputBytes: number): RunLimits {
  return {
    wallTimeMs: policy.maxWallTimeSeconds * 1000,
    cpuSeconds: policy.maxWallTimeSeconds,
    // The policy's ceiling, within what the environment gives a job.
    memoryBytes: Math.min(policy.maxMemoryMb, environment.memoryMb) * 1024 ** 2,
    outputBytes,
    processes: 64,
  }
}

/** The node's first environment that runs `program`, or `undefined` when none does. */
function firstFitting(environments: Pick<EnvironmentCatalog, 'choose'>, program: 'node' | 'python' | 'pytorch') {
  try {
    return environments.choose({ program })
  } catch (error) {
    if (isDataVaultError(error) && error.code === 'NO_ENVIRONMENT') return undefined
    throw error
  }
}

/** The runtime a program needs from its environment: a trainer's declared one, else its bundle's. */
function programRuntime(entry: TrainerCatalogEntry): 'node' | 'python' | 'pytorch' {
  return entry.runtime ?? entry.bundle.runtime ?? 'node'
}

function failureMessage(result: RunResult): string {
  switch (result.outcome) {
    case 'timeout':
      return `The job ran past its time limit and was stopped after ${Math.round(result.durationMs / 1000)} s.`
    case 'cpu-limit':
      return 'The job used more CPU time than allowed.'
    case 'memory-limit':
      return 'The job used more memory than allowed.'
    case 'output-limit':
      return 'The job wrote more output than allowed.'
    case 'image-pull-failed':
      return 'The compute environment\'s image could not be pulled; nothing ran.'
    case 'unschedulable':
      return 'No cluster node had the resources the environment needs free (e.g. a GPU); nothing ran.'
    case 'evicted':
      return 'The cluster evicted the job\'s pod; nothing was released.'
    case 'output-refused':
      return 'The outputs did not pass the egress guard: the program left something other than plain files with plain names (not-regular-file); nothing was released.'
    default:
      return 'The job was stopped.'
  }
}

/** What of an error may be logged: its name, code and message, never data. */
function safeError(error: unknown): Record<string, unknown> {
  if (isDataVaultError(error)) return { name: error.name, code: error.code, message: error.shortMessage, details: error.details }
  if (error instanceof Error) return { name: error.name, message: error.message }
  return { message: String(error) }
}
