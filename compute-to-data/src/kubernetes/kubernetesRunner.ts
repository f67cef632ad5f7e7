import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readdir, stat } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createRequire } from 'node:module'
import type { KubeConfig, V1Job, V1Pod } from '@kubernetes/client-node'
import { z } from 'zod'
import { SandboxSetupError, SandboxSpecError, SandboxUnavailableError } from '../sandbox/errors.ts'
import { createEventLineReader, createTail } from '../sandbox/event-lines.ts'
import { createProgressGate } from '../sandbox/progress-gate.ts'
import type { KubernetesEnforcement, RunOptions, RunOutcome, RunResult, RunSpec, Runner, SandboxLogger } from '../sandbox/runner.ts'
import { followContainerLog } from './follow-log.ts'
import { type JobGateway, type JobGrant, startJobGateway } from './job-gateway.ts'
import { trainerLaunchers } from './launchers/trainerLaunchers.ts'
import { jobManifests, jobObjectName, jobPodUid, kubernetesLabels } from './manifests.ts'
import { type PodReading, readJob, readPod } from './pod-state.ts'
import { watchObjects } from './watch-objects.ts'

/**
 * Kubernetes' client: about 870 modules and 0.6 s of CPU to load, so it is loaded when a node
 * first makes a Kubernetes runner, not by every import of this package (a node on the local
 * sandbox, the CLI, every test worker).
 */
const loadKubernetesClient = (): typeof import('@kubernetes/client-node') => createRequire(import.meta.url)('@kubernetes/client-node')

/** Settings of the Kubernetes runner. */
export type KubernetesRunnerInit = {
  /** The one namespace jobs run in (the node's RBAC allows Jobs, Pods, pods/log, Secrets and NetworkPolicies there only). */
  namespace: string
  /** A loaded `KubeConfig`, a kubeconfig file path, or absent for the in-cluster service account. */
  kubeConfig?: KubeConfig | string | undefined
  /** This node's name in the labels of its objects (what `sweep` looks for). Default `datavault`. */
  nodeId?: string | undefined
  /**
   * The job gateway: where it listens (default 0.0.0.0:8701), the URL job pods use (an IP literal),
   * and, for a node inside the cluster, its pods as the NetworkPolicy's only egress peer.
   */
  gateway: { host?: string | undefined; port?: number | undefined; url: string; peer?: { namespace: string; podLabels: Record<string, string> } | undefined }
  /** The node image that runs the pods' `fetch` and `upload` steps, pinned by digest. */
  jobIoImage: string
  /** The job-io program in that image. Default `['node', '/app/compute-to-data/src/kubernetes/job-io.mjs']`. */
  jobIoCommand?: readonly string[] | undefined
  /** How long Kubernetes keeps a finished Job if the node could not delete it. Default 600 s. */
  ttlSecondsAfterFinished?: number | undefined
  /**
   * What the cluster may take to start a job (schedule, pull images, fetch inputs) beyond its wall
   * time; the trainer's own wall time is timed from its start. Default 600 s.
   */
  startupAllowanceSeconds?: number | undefined
  /** How long a pod may stay unschedulable (no GPU free) before the run fails as `unschedulable`. Default 5 min. */
  unschedulableAfterMs?: number | undefined
  /** How long a pod may wait on a failing image pull before the run fails. Default 0 (at the first pull error). */
  imagePullGraceMs?: number | undefined
  /** How much of the trainer's log is kept for the owner. Default 16 KiB. */
  stderrTailBytes?: number | undefined
  /** Most protocol events read from one run. Default 10,000. */
  maxEvents?: number | undefined
  /** Pace of epoch events (see the sandbox's). Default 50 and 2,000 ms. */
  progress?: { burst?: number | undefined; intervalMs?: number | undefined } | undefined
  /** Pause before re-opening a watch or a log that dropped. Default 250 ms. */
  retryMs?: number | undefined
}

/** What the Kubernetes runner uses from the host process. */
export type KubernetesRunnerComponents = { logger: SandboxLogger }

/** The Kubernetes runner: a `Runner`, plus the start-up sweep and a stop. */
export type KubernetesRunner = Runner & {
  /**
   * Deletes this node's Jobs, Secrets and NetworkPolicies of jobs that are not running here and
   * that `isTerminal` says are final (or unknown). Call once at start-up.
   */
  sweep(isTerminal: (jobId: string) => boolean | Promise<boolean>): Promise<{ jobs: number; secrets: number; networkPolicies: number }>
  /** Stops the watches and the job gateway. */
  stop(): Promise<void>
}

const specSchema = z.object({
  jobId: z.string().min(1).max(128),
  program: z.object({ path: z.string().refine(isAbsolute, 'must be absolute'), sha256: z.string().regex(/^0x[0-9a-f]{64}$/).optional(), runtime: z.enum(['node', 'python']).optional() }),
  inputs: z
    .array(z.object({ name: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/), source: z.any() }))
    .max(1024)
    .refine((inputs) => new Set(inputs.map((i) => i.name)).size === inputs.length, 'input names must be unique'),
  outputDir: z.string().refine(isAbsolute, 'must be absolute'),
  limits: z.object({
    wallTimeMs: z.number().int().min(1000).max(7 * 86_400_000),
    cpuSeconds: z.number().int().min(1),
    memoryBytes: z.number().int().min(64 * 1024 ** 2),
    outputBytes: z.number().int().min(1),
    processes: z.number().int().min(1),
  }),
  environment: z.object({ runner: z.literal('kubernetes'), image: z.string().min(1) }).passthrough(),
})
/** How long a failed trainer's exit waits for the Job's status to say why (deadline, eviction) before it counts as the program's own. */
const jobStatusGraceMs = 2000
const labelValue = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/

type Tracked = {
  /** This run's id, in the Job's `datavault.io/run` annotation: objects of an earlier run of the same job are not this run's. */
  runId: string
  /** The uid of this run's Job, once created: its Pod names it as owner. */
  jobUid?: string | undefined
  job?: V1Job | undefined
  /** Pods labelled with this job's name, by pod name: only the one this run's Job owns is read. */
  pods: Map<string, V1Pod>
  deleted: boolean
  notify(): void
}

/** The pod of this run's Job, once both are known. */
const podOf = (entry: Tracked): V1Pod | undefined => {
  for (const pod of entry.pods.values()) if (entry.jobUid !== undefined && pod.metadata?.ownerReferences?.some((r) => r.kind === 'Job' && r.uid === entry.jobUid)) return pod
  return undefined
}
type WatchedKind = 'jobs' | 'pods'

/**
 * Runs jobs as Kubernetes Jobs, one namespace, one Job per run (see `jobManifests` for the pod:
 * `fetch` → `trainer` → `upload`, each credential in its own step's Secret, egress only to the
 * node's job gateway). State comes from watches on this node's Jobs and Pods, resumed from the last
 * resourceVersion and relisted on `410 Gone`; progress from the trainer container's log through the
 * same event parser and progress gate as the sandbox. Pod and Job conditions map to outcomes:
 * image pull failure, unschedulable, eviction, `OOMKilled` (memory-limit), deadline exceeded
 * (timeout), the trainer's exit code. Every run's Job, Secrets and NetworkPolicy are deleted when
 * it ends, however it ends; aborting a run deletes them at once.
 *
 * @example
 * const runner = kubernetesRunner({ namespace: 'datavault-jobs', gateway: { url: 'http://10.0.0.5:8701' }, jobIoImage })({ logger })
 * await runner.sweep((jobId) => store.get(jobId)?.state !== 'running')
 * const result = await runner.run({ ...spec, environment })
 */
export function kubernetesRunner(init: KubernetesRunnerInit) {
  const {
    namespace,
    nodeId = 'datavault',
    jobIoImage,
    jobIoCommand = ['node', '/app/compute-to-data/src/kubernetes/job-io.mjs'],
    ttlSecondsAfterFinished = 600,
    startupAllowanceSeconds = 600,
    unschedulableAfterMs = 300_000,
    imagePullGraceMs = 0,
    stderrTailBytes = 16 * 1024,
    maxEvents = 10_000,
    progress = {},
    retryMs = 250,
  } = init
  if (!labelValue.test(nodeId)) throw new SandboxSpecError('nodeId must be a Kubernetes label value.')
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) throw new SandboxSpecError('namespace must be a DNS label.')
  if (!/@sha256:[0-9a-f]{64}$/.test(jobIoImage)) throw new SandboxSpecError('jobIoImage must be pinned by digest.')

  return (components: KubernetesRunnerComponents): KubernetesRunner => {
    const logger = components.logger.child({ component: 'c2d:kubernetes' })
    const { ApiException, BatchV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, Watch } = loadKubernetesClient()
    const kc = typeof init.kubeConfig === 'object' ? init.kubeConfig : new KubeConfig()
    if (typeof init.kubeConfig === 'string') kc.loadFromFile(init.kubeConfig)
    else if (init.kubeConfig === undefined) kc.loadFromCluster()
    const batch = kc.makeApiClient(BatchV1Api)
    const core = kc.makeApiClient(CoreV1Api)
    const networking = kc.makeApiClient(NetworkingV1Api)
    const watcher = new Watch(kc)
    const labelSelector = `${kubernetesLabels.managedBy}=datavault,${kubernetesLabels.node}=${nodeId}`
    const tracked = new Map<string, Tracked>()
    const stopping = new AbortController()
    let started: Promise<JobGateway> | undefined

    const onObject = (kind: WatchedKind, type: string, object: V1Job | V1Pod) => {
      const name = object.metadata?.labels?.[kubernetesLabels.job]
      const entry = name === undefined ? undefined : tracked.get(name)
      if (entry === undefined) return
      if (kind === 'jobs') {
        if (object.metadata?.annotations?.[kubernetesLabels.run] !== entry.runId) return
        entry.jobUid ??= object.metadata?.uid
        if (type === 'DELETED') entry.deleted = true
        else entry.job = object as V1Job
      } else {
        // Pods of an earlier run of the same job (still being collected) carry the same labels;
        // `podOf` picks this run's by its owner. A pod may be seen before the Job's uid is known.
        const podName = object.metadata?.name ?? ''
        if (type === 'DELETED') entry.pods.delete(podName)
        else entry.pods.set(podName, object as V1Pod)
      }
      entry.notify()
    }

    const start = () =>
      (started ??= (async () => {
        // Reachable and allowed: a list in the namespace.
        await batch.listNamespacedJob({ namespace, labelSelector, limit: 1 }).catch((cause: unknown) => {
          throw new SandboxUnavailableError(`The Kubernetes API cannot list Jobs in ${namespace}: ${errorName(cause).name}.`, { cause })
        })
        const gateway = await startJobGateway({ host: init.gateway.host, port: init.gateway.port })({ logger }).catch((cause: unknown) => {
          throw new SandboxUnavailableError(`The job gateway cannot listen: ${errorName(cause).code ?? errorName(cause).name}.`, { cause })
        })
        // One watch per kind for all of this node's jobs.
        const watching = { watcher, labelSelector, signal: stopping.signal, retryMs, logger }
        void watchObjects<V1Job>({ ...watching, path: `/apis/batch/v1/namespaces/${namespace}/jobs`, list: () => batch.listNamespacedJob({ namespace, labelSelector }), onObject: (type, job) => onObject('jobs', type, job) })
        void watchObjects<V1Pod>({ ...watching, path: `/api/v1/namespaces/${namespace}/pods`, list: () => core.listNamespacedPod({ namespace, labelSelector }), onObject: (type, pod) => onObject('pods', type, pod) })
        logger.info({ namespace, nodeId, gateway: gateway.address }, 'kubernetes runner ready')
        return gateway
      })().catch((error: unknown) => {
        started = undefined
        throw error
      }))

    /** Retries an API call through network failures and 5xx (an API server restarting); 404 on delete and 409 on create count as done. */
    const api = async <T>(call: () => Promise<T>, ok: number[] = []): Promise<T | undefined> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await call()
        } catch (error) {
          const code = error instanceof ApiException ? error.code : undefined
          if (code !== undefined && ok.includes(code)) return undefined
          // The client's error carries the API's whole answer (body, headers): only its status goes on.
          if ((code !== undefined && code < 500) || attempt >= 20)
            throw new SandboxSetupError(
              code === undefined ? `The Kubernetes API could not be reached (${errorName(error).code ?? errorName(error).name}).` : `The Kubernetes API answered ${code}.`,
              { cause: error },
            )
          await sleep(retryMs)
        }
      }
    }

    const remove = async (name: string) => {
      const options = { namespace, propagationPolicy: 'Background' }
      await Promise.all([
        api(() => batch.deleteNamespacedJob({ name, ...options }), [404]),
        api(() => core.deleteNamespacedSecret({ name: `${name}-input`, ...options }), [404]),
        api(() => core.deleteNamespacedSecret({ name: `${name}-output`, ...options }), [404]),
        api(() => networking.deleteNamespacedNetworkPolicy({ name, ...options }), [404]),
      ])
    }

    async function run(spec: RunSpec, options: RunOptions = {}): Promise<RunResult> {
      const checked = specSchema.safeParse(spec)
      if (!checked.success) throw new SandboxSpecError(checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '))
      const environment = spec.environment!
      const image = environment.image!
      const { signal } = options
      signal?.throwIfAborted()
      const gateway = await start()
      const log = logger.child({ jobId: spec.jobId })
      const existing = await readdir(spec.outputDir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return []
        throw error
      })
      if (existing.length > 0) throw new SandboxSpecError('outputDir must be empty.')
      await mkdir(spec.outputDir, { recursive: true, mode: 0o700 })

      const runtime = spec.program.runtime ?? 'node'
      const programBytes = (await stat(spec.program.path)).size
      const sha256 = spec.program.sha256 ?? (await fileSha256(spec.program.path))
      const programFile = runtime === 'python' ? 'program.py' : 'program.mjs'
      // The node's launcher of the runtime: the trainer container runs the program through it.
      const launcher = trainerLaunchers[runtime]
      const launcherSource = { sha256: await fileSha256(launcher.path), bytes: (await stat(launcher.path)).size }
      // The gateway serves this run's program, config and inputs once, and takes its outputs.
      const manifestsFor = (tokens: JobGrant['tokens']) =>
        jobManifests({
          namespace,
          nodeId,
          jobId: spec.jobId,
          environment: { ...environment, image },
          limits: spec.limits,
          program: { runtime, sha256, bytes: programBytes },
          launcher: launcherSource,
          jobIoImage,
          jobIoCommand,
          gatewayUrl: init.gateway.url,
          gatewayPeer: init.gateway.peer,
          ttlSecondsAfterFinished,
          startupAllowanceSeconds,
          tokens,
          runId: entry.runId,
        })
      const name = jobObjectName(nodeId, spec.jobId)
      if (tracked.has(name)) throw new SandboxSpecError(`Job ${spec.jobId} is already running.`)
      let wake: () => void = () => {}
      const entry: Tracked = { runId: randomUUID(), pods: new Map(), deleted: false, notify: () => wake() }
      const grant: JobGrant = gateway.register(name, {
        program: { path: spec.program.path, file: programFile, sha256 },
        launcher,
        config: spec.config,
        inputs: spec.inputs,
        outputDir: spec.outputDir,
        outputBytes: spec.limits.outputBytes,
      })
      let manifests: ReturnType<typeof manifestsFor>
      try {
        manifests = manifestsFor(grant.tokens)
      } catch (error) {
        // Nothing was created: the grant must not outlive this failed start (the job id could never run again).
        grant.revoke()
        throw error
      }
      const enforcement: KubernetesEnforcement = {
        backend: 'kubernetes',
        namespace,
        uid: jobPodUid,
        runtimeClassName: environment.kubernetes?.runtimeClassName ?? null,
        memory: 'pod-limit',
        cpu: 'pod-limit',
        gpus: environment.gpu,
        network: 'network-policy',
        credentials: 'per-step-secret',
        outputs: 'memory-emptydir',
        seccomp: 'RuntimeDefault',
      }

      tracked.set(name, entry)
      const startedAt = performance.now()
      let startLatencyMs: number | null = null
      let errorCode: string | undefined
      const safely = (fn: () => void) => {
        try {
          fn()
        } catch (error) {
          log.warn({ err: errorName(error) }, 'run callback threw')
        }
      }
      const gate = createProgressGate((event) => safely(() => spec.onEvent?.(event)), progress)
      const events = createEventLineReader(
        (event) => {
          if (event.event === 'started' && startLatencyMs === null) {
            startLatencyMs = performance.now() - startedAt
            safely(() => spec.onStarted?.())
          }
          if (event.event === 'error') errorCode ??= event.code
          gate.push(event)
        },
        { maxEvents },
      )
      // Kubernetes keeps one log per container, stdout and stderr together: lines that are events
      // are progress; the whole log's tail is for the owner, as the sandbox's stderr is.
      const tail = createTail(stderrTailBytes)
      const logs = new AbortController()
      let logging: Promise<void> | undefined

      log.info({ name, image, gpus: environment.gpu, inputs: spec.inputs.length }, 'kubernetes job starting')
      let outcome: RunOutcome | undefined
      let exitCode: number | null = null
      let failure: Error | undefined
      let abortRequested = false
      const onAbort = () => {
        abortRequested = true
        wake()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        // Objects of an earlier run of this job (a node that stopped before it could delete them) go first.
        await remove(name)
        // The NetworkPolicy and the Secrets exist before the Job, so the pod never runs unconfined.
        // A 409 after a retry is our own create that went through before the connection dropped.
        await api(() => networking.createNamespacedNetworkPolicy({ namespace, body: manifests.networkPolicy }), [409])
        await api(() => core.createNamespacedSecret({ namespace, body: manifests.inputSecret }), [409])
        await api(() => core.createNamespacedSecret({ namespace, body: manifests.outputSecret }), [409])
        // (A list, not a get: the node's Role allows only create, list, watch and delete on Jobs.)
        const created =
          (await api(() => batch.createNamespacedJob({ namespace, body: manifests.job }), [409])) ??
          (await batch.listNamespacedJob({ namespace, labelSelector: `${labelSelector},${kubernetesLabels.job}=${name}` })).items.find((j) => j.metadata?.name === name)
        if (created?.metadata?.annotations?.[kubernetesLabels.run] !== entry.runId) throw new SandboxSetupError(`Another Job named ${name} exists.`)
        entry.jobUid = created.metadata?.uid
        entry.notify()

        const deadline = startedAt + spec.limits.wallTimeMs + startupAllowanceSeconds * 1000 + 60_000
        // The trainer's wall time counts from when it was first seen running, not from the Job's creation.
        let trainerSince: number | undefined
        let unschedulableSince: number | undefined
        let imagePullSince: number | undefined
        let trainerFailedSince: number | undefined
        let jobFailedSince: number | undefined
        while (outcome === undefined && failure === undefined) {
          const woken = new Promise<void>((resolve) => (wake = resolve))
          if (abortRequested || signal?.aborted) {
            outcome = 'killed'
            break
          }
          const pod = podOf(entry)
          const reading: PodReading | undefined = pod ? readPod(pod) : undefined
          const job = entry.job ? readJob(entry.job) : undefined
          const now = performance.now()
          if (reading && pod?.metadata?.name && logging === undefined && (reading.trainer.state === 'running' || reading.trainer.state === 'terminated')) {
            const podName = pod.metadata.name
            logging = followContainerLog({
              kubeConfig: kc,
              namespace,
              pod: podName,
              container: 'trainer',
              onChunk: (chunk) => {
                events.push(chunk)
                tail.push(chunk)
              },
              terminated: () => {
                const current = podOf(entry)
                return current ? readPod(current).trainer.state === 'terminated' : false
              },
              signal: logs.signal,
              retryMs,
            })
          }
          if (reading) {
            if (reading.trainer.state === 'running' || reading.trainer.state === 'terminated') trainerSince ??= now
            if (reading.trainer.state === 'terminated' && reading.trainer.exitCode === 0) grant.trainerTerminated()
            if (reading.imagePullFailed) imagePullSince ??= now
            else imagePullSince = undefined
            if (reading.unschedulable) unschedulableSince ??= now
            else unschedulableSince = undefined
          }
          // A trainer killed for the Job's deadline or an eviction also ends non-zero: the Job's and
          // the pod's reasons come first, and a plain non-zero exit is final once the Job failed
          // (or after a short grace for the Job's status to catch up).
          const trainerFailed = reading?.trainer.state === 'terminated' && reading.trainer.exitCode !== 0
          if (trainerFailed) trainerFailedSince ??= now
          const trainerOverran = trainerSince !== undefined && reading?.trainer.state === 'running' && now - trainerSince > spec.limits.wallTimeMs
          // The Job's deadline before the trainer ever ran is the cluster's slowness, not the buyer's program.
          if (job?.failed && job.reason === 'DeadlineExceeded') outcome = trainerSince === undefined ? 'unschedulable' : 'timeout'
          else if (trainerOverran) outcome = 'timeout'
          else if (reading?.evicted) outcome = 'evicted'
          else if (reading?.trainer.state === 'terminated' && reading.trainer.reason === 'OOMKilled') outcome = 'memory-limit'
          else if (reading?.trainer.state === 'terminated' && reading.trainer.exitCode !== 0 && (job?.failed || now - trainerFailedSince! >= jobStatusGraceMs)) {
            outcome = 'exited'
            exitCode = reading.trainer.exitCode
          } else if (trainerFailed) {
            // Wait for the Job's status: woken by the watch, or by the grace timer below.
          } else if (imagePullSince !== undefined && now - imagePullSince >= imagePullGraceMs) outcome = 'image-pull-failed'
          else if (unschedulableSince !== undefined && now - unschedulableSince >= unschedulableAfterMs) outcome = 'unschedulable'
          else if (reading?.fetch.state === 'terminated' && reading.fetch.exitCode !== 0) {
            failure =
              (grant.sourceError as Error | undefined) ??
              (reading.fetch.exitCode === 3
                ? new SandboxSpecError('The program does not have the expected SHA-256.')
                : new SandboxSetupError(`The job's fetch step failed (exit ${reading.fetch.exitCode}).`))
          } else if (reading?.upload.state === 'terminated' && reading.upload.exitCode !== 0) {
            if (grant.outputRefusal) outcome = 'output-limit'
            else if (reading.upload.exitCode === 5) outcome = 'output-refused'
            else failure = new SandboxSetupError(`The job's upload step failed (exit ${reading.upload.exitCode}).`)
          } else if (job?.complete || (reading?.upload.state === 'terminated' && reading.upload.exitCode === 0)) {
            // The upload step said it sent everything before it exited; without that, nothing is whole.
            const uploaded = await Promise.race([grant.uploaded.then(() => true), sleep(10_000).then(() => false)])
            if (uploaded) {
              outcome = 'exited'
              exitCode = 0
            } else failure = new SandboxSetupError('The job ended without its upload step finishing.')
          } else if (job?.failed && now - (jobFailedSince ??= now) >= jobStatusGraceMs)
            // The pod's status (which step failed, and how) usually says more; it may come a little after the Job's.
            failure = new SandboxSetupError(`The Job failed (${job.reason ?? 'no reason given'}).`)
          else if (entry.deleted) outcome = 'killed'
          else if (now > deadline) outcome = 'timeout'
          if (outcome !== undefined || failure !== undefined) break
          const timers = new AbortController()
          const nextCheck =
            trainerFailedSince !== undefined
              ? Math.max(1, trainerFailedSince + jobStatusGraceMs - now)
              : jobFailedSince !== undefined
                ? Math.max(1, jobFailedSince + jobStatusGraceMs - now)
                : unschedulableSince !== undefined
                  ? Math.max(1, unschedulableSince + unschedulableAfterMs - now)
                  : imagePullSince !== undefined
                    ? Math.max(1, imagePullSince + imagePullGraceMs - now)
                    : Math.max(1, Math.min(deadline, trainerSince === undefined ? deadline : trainerSince + spec.limits.wallTimeMs + 1) - now)
          await Promise.race([woken, sleep(Math.min(nextCheck, 2 ** 31 - 1), undefined, { signal: timers.signal, ref: false }).catch(() => {})])
          timers.abort()
        }
      } catch (error) {
        failure = error as Error
      } finally {
        signal?.removeEventListener('abort', onAbort)
        grant.revoke()
        // The trainer's log ends with its container; don't wait on it for a run stopped early.
        if (logging && outcome === 'exited') await Promise.race([logging, sleep(5000)])
        logs.abort()
        await logging?.catch(() => {})
        events.end()
        gate.end()
        await remove(name).catch((error: unknown) => log.error({ err: errorName(error) }, 'could not delete the job\'s Kubernetes objects'))
        tracked.delete(name)
      }
      if (failure !== undefined) {
        log.warn({ err: errorName(failure) }, 'kubernetes job could not run')
        throw failure
      }
      if (grant.sourceError !== undefined) throw grant.sourceError
      if (outcome === 'exited' && exitCode === 0 && grant.outputRefusal) outcome = 'output-limit'
      const result: RunResult = {
        outcome: outcome!,
        exitCode,
        signal: outcome === 'memory-limit' || outcome === 'killed' ? 'SIGKILL' : null,
        durationMs: performance.now() - startedAt,
        startLatencyMs,
        errorCode,
        stderrTail: tail.text(),
        cpuMs: null,
        peakMemoryBytes: null,
        protocolViolations: events.violations,
        enforcement,
      }
      log.info({ outcome: result.outcome, exitCode, errorCode, durationMs: Math.round(result.durationMs), protocolViolations: result.protocolViolations }, 'kubernetes job finished')
      return result
    }

    return {
      run,
      async ready() {
        await start()
      },
      async runtimes() {
        return ['node', 'python']
      },
      async sweep(isTerminal) {
        const counts = { jobs: 0, secrets: 0, networkPolicies: 0 }
        const [jobs, secrets, policies] = await Promise.all([
          batch.listNamespacedJob({ namespace, labelSelector }),
          core.listNamespacedSecret({ namespace, labelSelector }),
          networking.listNamespacedNetworkPolicy({ namespace, labelSelector }),
        ])
        const leftover = async (metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined) => {
          const name = metadata?.labels?.[kubernetesLabels.job]
          if (name === undefined || tracked.has(name)) return false
          const jobId = metadata?.annotations?.[kubernetesLabels.jobId]
          return jobId === undefined || (await isTerminal(jobId))
        }
        const options = { namespace, propagationPolicy: 'Background' }
        for (const job of jobs.items)
          if (await leftover(job.metadata)) {
            await api(() => batch.deleteNamespacedJob({ name: job.metadata!.name!, ...options }), [404])
            counts.jobs++
          }
        for (const secret of secrets.items)
          if (await leftover(secret.metadata)) {
            await api(() => core.deleteNamespacedSecret({ name: secret.metadata!.name!, ...options }), [404])
            counts.secrets++
          }
        for (const policy of policies.items)
          if (await leftover(policy.metadata)) {
            await api(() => networking.deleteNamespacedNetworkPolicy({ name: policy.metadata!.name!, ...options }), [404])
            counts.networkPolicies++
          }
        if (counts.jobs + counts.secrets + counts.networkPolicies > 0) logger.info(counts, 'removed Kubernetes leftovers of finished jobs')
        return counts
      },
      async stop() {
        stopping.abort()
        const gateway = await started?.catch(() => undefined)
        await gateway?.close()
        started = undefined
      },
    }
  }
}

async function fileSha256(path: string): Promise<`0x${string}`> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return `0x${hash.digest('hex')}`
}

/** What of an error may be logged: its name and code. */
function errorName(error: unknown): { name: string; code?: string | number } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' || typeof code === 'number' ? { name: error.name, code } : { name: error.name }
  }
  return { name: typeof error }
}
