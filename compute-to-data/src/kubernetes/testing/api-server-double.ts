// A Kubernetes API-server DOUBLE for tests: no cluster runs on these machines, so this stands in for
// one. It is not Kubernetes and enforces only what it can (see README.md of this folder's parent).
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KubeConfig } from '@kubernetes/client-node'
import { type BubblewrapRunnerInit, bubblewrapRunner } from '../../sandbox/bubblewrapRunner.ts'
import { systemMounts } from '../../sandbox/probe.ts'
import type { Runner, SandboxLogger } from '../../sandbox/runner.ts'

/** A stored object of the double (any kind): the parts it reads. */
type KObject = {
  apiVersion?: string
  kind?: string
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string; ownerReferences?: unknown[] }
  spec?: any
  status?: any
  data?: Record<string, string>
}
type Kind = 'jobs' | 'pods' | 'secrets' | 'networkpolicies'
const kinds: Record<Kind, { apiVersion: string; kind: string }> = {
  jobs: { apiVersion: 'batch/v1', kind: 'Job' },
  pods: { apiVersion: 'v1', kind: 'Pod' },
  secrets: { apiVersion: 'v1', kind: 'Secret' },
  networkpolicies: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
}
const routes = /^\/(?:api\/v1|apis\/batch\/v1|apis\/networking\.k8s\.io\/v1)\/namespaces\/([a-z0-9-]+)\/(jobs|pods|secrets|networkpolicies)(?:\/([a-z0-9.-]+))?(\/log)?$/

/** What a container image runs as in the double: the trainer in the bubblewrap sandbox, or the node's job-io program. */
export type DoubleImageRuntime = 'trainer' | 'job-io'

/** Faults the double injects on demand. */
export type ApiServerDoubleFaults = {
  /** Images whose pull fails (`ErrImagePull`): the container waits forever. */
  imagePullFails: Set<string>
  /** Pods created while true stay unscheduled (`PodScheduled: False`, `Unschedulable`). */
  unschedulable: boolean
  /** The next trainer container is killed as `OOMKilled` once it printed `started`. */
  oomKillNextTrainer: boolean
}

/** The double. */
export type ApiServerDouble = {
  readonly url: string
  /** A `KubeConfig` pointing at the double (plain HTTP on 127.0.0.1, no credentials). */
  kubeConfig(): KubeConfig
  readonly faults: ApiServerDoubleFaults
  /** How many list and watch requests each kind got (to see a relist after a 410, or watches re-opened after a restart). */
  readonly requests: { list: Record<Kind, number>; watch: Record<Kind, number> }
  /** The objects of a kind now stored (deep copies). */
  objects(kind: Kind): KObject[]
  /** Every object a kind ever had created, in order (deep copies), e.g. to read a Job's manifest after its deletion. */
  created(kind: Kind): KObject[]
  /** Stores an object as if someone else created it (e.g. leftovers of a previous node process). */
  put(kind: Kind, object: KObject): void
  /** Drops every connection (watches, logs), stops listening for `downMs`, then listens again on the same port; state is kept. */
  restart(options?: { downMs?: number | undefined }): Promise<void>
  /** Forgets the event history: open watches get a `410 Gone` ERROR event and so does any watch from an older resourceVersion. */
  expireWatches(): void
  /** Evicts a running pod (as node pressure would): its containers are killed, the pod fails as `Evicted`. */
  evict(podName: string): void
  /** Resolves once a pod's container is running (or ended). */
  waitForContainer(container: string, state: 'running' | 'terminated'): Promise<KObject>
  close(): Promise<void>
}

/** Settings of the double. */
export type ApiServerDoubleInit = {
  /** Which images run as what; a pod with an image not listed waits in `ErrImagePull`. */
  images: Record<string, DoubleImageRuntime>
  /** The job-io program the job-io image runs. Default: `../job-io.mjs`. */
  jobIoProgram?: string | undefined
  /** Settings of the bubblewrap sandbox that runs trainer containers. */
  sandbox?: BubblewrapRunnerInit | undefined
  /** Interval of BOOKMARK events on watches that ask for them. Default 1,000 ms. */
  bookmarkMs?: number | undefined
}

type Watcher = { kind: Kind; namespace: string; selector: [string, string | undefined][]; res: ServerResponse; bookmarks: boolean }
type LogState = { chunks: Buffer[]; ended: boolean; listeners: Set<(chunk: Buffer | null) => void> }
type PodRun = { abort: AbortController; volumes: string; mounted: string[]; done?: Promise<void> }

const silent: SandboxLogger = { child: () => silent, info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
const quantity = (value: string | undefined): number => {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G|m)?$/.exec(value ?? '')
  if (!m) return 0
  const units: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9, m: 1e-3 }
  return Number(m[1]) * (units[m[2] ?? ''] ?? 1)
}
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure', code, reason, message })

/**
 * Starts an in-process Kubernetes API-server **double** on 127.0.0.1 for tests, which the real
 * `@kubernetes/client-node` talks to over HTTP. It implements create, get, list, watch (from a
 * resourceVersion, with bookmarks and `410 Gone` for versions it no longer keeps) and delete of
 * Jobs, Pods, Secrets and NetworkPolicies, and pods' logs (follow). A Job creates its Pod, and the
 * double **executes the pod's containers**, init containers in order then the others, each image
 * mapped to a local runtime: a `trainer` image runs the container's program in the real bubblewrap
 * sandbox (no network; it sees only its program, config, data and `/out` volumes: never a Secret);
 * when the command runs the node's launcher on the program (`/job/launch.py`, `/job/launch.mjs`),
 * the launcher must be in `/job` and the log holds only the events, as the launcher writes it (the
 * launcher itself does not run here: `launchers/launchers.test.ts` runs it);
 * a `job-io` image runs the job-io program under bubblewrap with the host's loopback network, as
 * the container's `runAsUser` in a user namespace of its own, seeing only the volumes and Secrets
 * mounted into it. Volumes are private directories of the pod
 * (size-limited tmpfs mounts when the process is root), removed with the pod. Pod and Job status
 * follow Kubernetes: container states with exit codes and reasons (`OOMKilled`, `Error`,
 * `Completed`), `PodScheduled`, phases, the Job's `Complete`/`Failed` conditions (with
 * `DeadlineExceeded` from `activeDeadlineSeconds`). It does not enforce NetworkPolicies, resource
 * requests, security contexts or RuntimeClasses: a real cluster does.
 */
export async function startApiServerDouble(init: ApiServerDoubleInit): Promise<ApiServerDouble> {
  const { images, bookmarkMs = 1000 } = init
  const jobIoProgram = init.jobIoProgram ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'job-io.mjs')
  const workDir = await mkdtemp(join(tmpdir(), 'k8s-double-'))
  await chmod(workDir, 0o711)
  const trainerRunner: Runner = bubblewrapRunner({ workDir: join(workDir, 'sandbox'), progress: { burst: 1_000_000, intervalMs: 1 }, ...init.sandbox })({ logger: silent })
  const isRoot = process.getuid?.() === 0
  const nodeBinary = await realpath(process.execPath)
  const mounts = await systemMounts()

  const store = new Map<string, KObject>()
  const history: { rv: number; kind: Kind; type: string; object: KObject }[] = []
  const createdLog: { kind: Kind; object: KObject }[] = []
  let rv = 1
  let compactedAt = 0
  const watchers = new Set<Watcher>()
  const logs = new Map<string, LogState>()
  const podRuns = new Map<string, PodRun>()
  const jobTimers = new Map<string, NodeJS.Timeout>()
  const sockets = new Set<Socket>()
  const waiters = new Set<() => void>()
  const faults: ApiServerDoubleFaults = { imagePullFails: new Set(), unschedulable: false, oomKillNextTrainer: false }
  const zero = (): Record<Kind, number> => ({ jobs: 0, pods: 0, secrets: 0, networkpolicies: 0 })
  const requests = { list: zero(), watch: zero() }

  const key = (kind: Kind, namespace: string, name: string) => `${kind}/${namespace}/${name}`
  const matches = (object: KObject, selector: [string, string | undefined][]) =>
    selector.every(([k, v]) => (v === undefined ? object.metadata.labels?.[k] !== undefined : object.metadata.labels?.[k] === v))
  const parseSelector = (text: string | null): [string, string | undefined][] =>
    (text ?? '')
      .split(',')
      .filter(Boolean)
      .map((part) => {
        const [k, v] = part.split('=')
        return [k!, v]
      })

  const emit = (kind: Kind, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KObject) => {
    const version = ++rv
    object.metadata.resourceVersion = String(version)
    const copy = clone({ ...kinds[kind], ...object })
    history.push({ rv: version, kind, type, object: copy })
    for (const watcher of watchers)
      if (watcher.kind === kind && watcher.namespace === copy.metadata.namespace && matches(copy, watcher.selector)) watcher.res.write(`${JSON.stringify({ type, object: copy })}\n`)
    for (const wake of [...waiters]) wake()
  }
  const save = (kind: Kind, object: KObject, type: 'ADDED' | 'MODIFIED') => {
    store.set(key(kind, object.metadata.namespace!, object.metadata.name), object)
    emit(kind, type, object)
  }
  const remove = (kind: Kind, namespace: string, name: string) => {
    const object = store.get(key(kind, namespace, name))
    if (!object) return undefined
    store.delete(key(kind, namespace, name))
    emit(kind, 'DELETED', object)
    if (kind === 'jobs') {
      clearTimeout(jobTimers.get(`${namespace}/${name}`))
      for (const [k, pod] of [...store.entries()]) if (k.startsWith(`pods/${namespace}/`) && pod.metadata.labels?.['job-name'] === name) remove('pods', namespace, pod.metadata.name)
    }
    if (kind === 'pods') void stopPod(object)
    return object
  }

  // ---- pod execution ----
  const podStatus = (pod: KObject) => (pod.status ??= { phase: 'Pending', conditions: [] })
  const setCondition = (pod: KObject, type: string, value: 'True' | 'False', reason?: string) => {
    const conditions: any[] = (podStatus(pod).conditions ??= [])
    const existing = conditions.find((c) => c.type === type)
    const condition = { type, status: value, lastTransitionTime: new Date().toISOString(), ...(reason ? { reason } : {}) }
    if (existing) Object.assign(existing, condition)
    else conditions.push(condition)
  }
  const setContainer = (pod: KObject, init: boolean, name: string, image: string, state: object) => {
    const field = init ? 'initContainerStatuses' : 'containerStatuses'
    const list: any[] = (podStatus(pod)[field] ??= [])
    const entry = { name, image, imageID: image, ready: false, restartCount: 0, state }
    const index = list.findIndex((s) => s.name === name)
    if (index === -1) list.push(entry)
    else list[index] = entry
  }
  const live = (pod: KObject) => store.get(key('pods', pod.metadata.namespace!, pod.metadata.name)) === pod
  const updatePod = (pod: KObject) => {
    if (live(pod)) save('pods', pod, 'MODIFIED')
  }
  const logOf = (pod: KObject, container: string): LogState => {
    const id = `${pod.metadata.namespace}/${pod.metadata.name}/${container}`
    let state = logs.get(id)
    if (!state) logs.set(id, (state = { chunks: [], ended: false, listeners: new Set() }))
    return state
  }
  const writeLog = (state: LogState, chunk: Buffer | null) => {
    if (state.ended) return
    if (chunk === null) state.ended = true
    else state.chunks.push(chunk)
    for (const listener of state.listeners) listener(chunk)
  }
  const finishJob = (pod: KObject, type: 'Complete' | 'Failed', reason?: string) => {
    const jobName = pod.metadata.labels?.['job-name']
    const job = jobName ? store.get(key('jobs', pod.metadata.namespace!, jobName)) : undefined
    if (!job || job.status?.conditions?.some((c: any) => c.status === 'True')) return
    clearTimeout(jobTimers.get(`${pod.metadata.namespace}/${jobName}`))
    const now = new Date().toISOString()
    job.status = {
      ...job.status,
      active: 0,
      ...(type === 'Complete' ? { succeeded: 1, completionTime: now } : { failed: 1 }),
      conditions: [{ type, status: 'True', lastProbeTime: now, lastTransitionTime: now, ...(reason ? { reason, message: reason } : {}) }],
    }
    save('jobs', job, 'MODIFIED')
  }

  const volumesOf = async (pod: KObject, run: PodRun) => {
    for (const volume of pod.spec.volumes ?? []) {
      const dir = join(run.volumes, volume.name)
      await mkdir(dir, { recursive: true, mode: 0o777 })
      if (volume.emptyDir && isRoot) {
        const size = Math.max(1, Math.ceil(quantity(volume.emptyDir.sizeLimit ?? '64Mi') / 1024 ** 2))
        if ((await runQuiet('mount', ['-t', 'tmpfs', '-o', `size=${size}m,mode=0777`, 'tmpfs', dir])) === 0) run.mounted.push(dir)
      }
      if (volume.secret) {
        const secret = store.get(key('secrets', pod.metadata.namespace!, volume.secret.secretName))
        if (!secret) throw new Error(`secret ${volume.secret.secretName} not found`)
        for (const [name, value] of Object.entries(secret.data ?? {})) await writeFile(join(dir, name), Buffer.from(value, 'base64'), { mode: volume.secret.defaultMode ?? 0o644 })
      }
    }
  }
  const hostPath = (pod: KObject, run: PodRun, container: any, mountPath: string) => {
    const mount = (container.volumeMounts ?? []).find((m: any) => m.mountPath === mountPath)
    return mount ? join(run.volumes, mount.name) : undefined
  }

  const runTrainer = async (pod: KObject, run: PodRun, container: any, log: LogState): Promise<{ exitCode: number; reason: string }> => {
    const command: string[] = container.command ?? []
    const python = command[0]?.startsWith('python')
    const programPath = command.at(-1)!
    // `python3 -I -B /job/launch.py /job/program.py` or `node /job/launch.mjs /job/program.mjs`:
    // the node's launcher, which writes only the valid events of the program's stdout to the log.
    const launcherPath = command.length >= 3 && /\/launch\.(py|mjs)$/.test(command.at(-2) ?? '') ? command.at(-2)! : undefined
    const jobDir = hostPath(pod, run, container, dirname(programPath))
    const dataDir = hostPath(pod, run, container, '/data')
    const outDir = hostPath(pod, run, container, '/out')
    if (!jobDir || !dataDir || !outDir || run.abort.signal.aborted) return { exitCode: 128, reason: 'ContainerCannotRun' }
    // The launcher must be where the command says (the fetch step put it there); the double does not
    // run it (the program runs in the sandbox) but builds the log as it would.
    if (launcherPath && !(await readFile(join(jobDir, launcherPath.split('/').at(-1)!)).then(() => true, () => false))) return { exitCode: 2, reason: 'Error' }
    const config = JSON.parse(await readFile(join(jobDir, 'config.json'), 'utf8'))
    const names = (await readdir(dataDir)).sort()
    const memoryBytes = Math.max(64 * 1024 ** 2, quantity(container.resources?.limits?.memory))
    const deadlineSeconds = pod.spec.activeDeadlineSeconds ?? 3600
    const oom = faults.oomKillNextTrainer
    faults.oomKillNextTrainer = false
    const abort = new AbortController()
    run.abort.signal.addEventListener('abort', () => abort.abort(), { once: true })
    const result = await trainerRunner.run(
      {
        jobId: `${pod.metadata.name}-trainer`,
        program: { path: join(jobDir, programPath.split('/').at(-1)!), runtime: python ? 'python' : 'node' },
        config,
        inputs: names.map((name) => ({ name, source: createReadStream(join(dataDir, name)) })),
        outputDir: outDir,
        limits: {
          wallTimeMs: deadlineSeconds * 1000,
          cpuSeconds: Math.ceil(deadlineSeconds * Math.max(1, quantity(container.resources?.limits?.cpu))),
          memoryBytes,
          outputBytes: 64 * 1024 ** 2,
          processes: 64,
        },
        onEvent: (event) => {
          writeLog(log, Buffer.from(`${JSON.stringify(event)}\n`))
          if (oom && event.event === 'started') abort.abort()
        },
      },
      { signal: abort.signal },
    )
    // The log is rebuilt from what the sandbox read: the events (all a launcher writes); without a
    // launcher (a container that runs the program itself), then a line per non-event stdout line,
    // then stderr (Kubernetes keeps stdout and stderr of a container in one log).
    if (!launcherPath) {
      if (result.protocolViolations > 0) writeLog(log, Buffer.from('(not an event)\n'.repeat(Math.min(result.protocolViolations, 1000))))
      if (result.stderrTail) writeLog(log, Buffer.from(result.stderrTail))
    }
    if (oom || result.outcome === 'memory-limit') return { exitCode: 137, reason: 'OOMKilled' }
    if (result.outcome !== 'exited') return { exitCode: result.exitCode ?? 137, reason: 'Error' }
    return { exitCode: result.exitCode ?? 1, reason: result.exitCode === 0 ? 'Completed' : 'Error' }
  }

  const runJobIo = async (run: PodRun, container: any, log: LogState): Promise<{ exitCode: number; reason: string }> => {
    const step = (container.command ?? []).at(-1)
    const env: string[] = (container.env ?? []).flatMap((e: any) => ['--setenv', e.name, String(e.value ?? '')])
    const binds: string[] = (container.volumeMounts ?? []).flatMap((m: any) => [m.readOnly ? '--ro-bind' : '--bind', join(run.volumes, m.name), m.mountPath])
    // The container's own uid and gid (runAsUser/runAsGroup), in a user namespace of its own.
    const uid = String(container.securityContext?.runAsUser ?? 65532)
    const gid = String(container.securityContext?.runAsGroup ?? uid)
    const args = [
      '--unshare-all',
      '--unshare-user',
      '--uid',
      uid,
      '--gid',
      gid,
      '--share-net',
      '--die-with-parent',
      '--new-session',
      '--cap-drop',
      'ALL',
      '--clearenv',
      '--setenv',
      'PATH',
      '/usr/bin:/bin',
      ...env,
      ...mounts.flatMap((m) => (m.kind === 'bind' ? ['--ro-bind', m.path, m.path] : ['--symlink', m.target!, m.path])),
      '--ro-bind',
      nodeBinary,
      '/sandbox/node',
      '--ro-bind',
      jobIoProgram,
      '/sandbox/job-io.mjs',
      ...binds,
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--remount-ro',
      '/',
      '--',
      '/sandbox/node',
      '/sandbox/job-io.mjs',
      step,
    ]
    return new Promise((resolve) => {
      const child = spawn('bwrap', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } })
      const onAbort = () => child.kill('SIGKILL')
      run.abort.signal.addEventListener('abort', onAbort, { once: true })
      child.stdout.on('data', (chunk: Buffer) => writeLog(log, chunk))
      child.stderr.on('data', (chunk: Buffer) => writeLog(log, chunk))
      child.on('error', () => resolve({ exitCode: 127, reason: 'ContainerCannotRun' }))
      child.on('close', (code, signal) => {
        run.abort.signal.removeEventListener('abort', onAbort)
        const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)
        resolve({ exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' })
      })
    })
  }

  const executePod = async (pod: KObject) => {
    const run: PodRun = { abort: new AbortController(), volumes: join(workDir, 'pods', pod.metadata.uid!), mounted: [] }
    podRuns.set(pod.metadata.uid!, run)
    if (faults.unschedulable) {
      setCondition(pod, 'PodScheduled', 'False', 'Unschedulable')
      podStatus(pod).conditions.find((c: any) => c.type === 'PodScheduled').message = '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.'
      return updatePod(pod)
    }
    setCondition(pod, 'PodScheduled', 'True')
    podStatus(pod).startTime = new Date().toISOString()
    const steps: [boolean, any][] = [...(pod.spec.initContainers ?? []).map((c: any) => [true, c] as [boolean, any]), ...(pod.spec.containers ?? []).map((c: any) => [false, c] as [boolean, any])]
    for (const [isInit, container] of steps) setContainer(pod, isInit, container.name, container.image, { waiting: { reason: 'PodInitializing' } })
    updatePod(pod)
    await mkdir(run.volumes, { recursive: true, mode: 0o711 })
    await volumesOf(pod, run)
    for (const [isInit, container] of steps) {
      if (run.abort.signal.aborted || !live(pod)) return
      const runtime = images[container.image]
      if (runtime === undefined || faults.imagePullFails.has(container.image)) {
        setContainer(pod, isInit, container.name, container.image, { waiting: { reason: 'ErrImagePull', message: `failed to pull image ${container.image}` } })
        return updatePod(pod)
      }
      const startedAt = new Date().toISOString()
      setContainer(pod, isInit, container.name, container.image, { running: { startedAt } })
      if (!isInit) podStatus(pod).phase = 'Running'
      updatePod(pod)
      const log = logOf(pod, container.name)
      const ended = runtime === 'trainer' ? await runTrainer(pod, run, container, log) : await runJobIo(run, container, log)
      writeLog(log, null)
      if (run.abort.signal.aborted || !live(pod)) return
      setContainer(pod, isInit, container.name, container.image, { terminated: { exitCode: ended.exitCode, reason: ended.reason, startedAt, finishedAt: new Date().toISOString() } })
      if (ended.exitCode !== 0) {
        podStatus(pod).phase = 'Failed'
        updatePod(pod)
        return finishJob(pod, 'Failed', 'BackoffLimitExceeded')
      }
      updatePod(pod)
    }
    podStatus(pod).phase = 'Succeeded'
    updatePod(pod)
    finishJob(pod, 'Complete')
  }
  const stopPod = async (pod: KObject) => {
    const run = podRuns.get(pod.metadata.uid!)
    if (!run) return
    podRuns.delete(pod.metadata.uid!)
    run.abort.abort()
    for (const [id, state] of logs) if (id.startsWith(`${pod.metadata.namespace}/${pod.metadata.name}/`)) writeLog(state, null)
    // Killed containers go before their volumes do.
    await Promise.race([run.done, new Promise((resolve) => setTimeout(resolve, 10_000))])
    await unmountUnder(run.volumes)
    await rm(run.volumes, { recursive: true, force: true }).catch(() => {})
  }
  const killPod = (pod: KObject, reason: string) => {
    const run = podRuns.get(pod.metadata.uid!)
    run?.abort.abort()
    const s = podStatus(pod)
    for (const list of [s.initContainerStatuses ?? [], s.containerStatuses ?? []])
      for (const c of list) if (c.state?.running) c.state = { terminated: { exitCode: 137, reason: 'Error', startedAt: c.state.running.startedAt, finishedAt: new Date().toISOString() } }
    s.phase = 'Failed'
    if (reason === 'Evicted') {
      s.reason = 'Evicted'
      s.message = 'The node was low on resource: memory.'
      setCondition(pod, 'DisruptionTarget', 'True', 'TerminationByKubelet')
    }
    updatePod(pod)
  }

  const createJobPod = (job: KObject) => {
    const template = job.spec.template ?? {}
    const pod: KObject = {
      metadata: {
        name: `${job.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`,
        namespace: job.metadata.namespace,
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString(),
        labels: { ...(template.metadata?.labels ?? {}), 'job-name': job.metadata.name, 'batch.kubernetes.io/job-name': job.metadata.name, 'controller-uid': job.metadata.uid! },
        annotations: { ...(template.metadata?.annotations ?? {}) },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...clone(template.spec ?? {}), activeDeadlineSeconds: job.spec.activeDeadlineSeconds },
      status: { phase: 'Pending', conditions: [] },
    }
    save('pods', pod, 'ADDED')
    job.status = { active: 1, startTime: new Date().toISOString() }
    save('jobs', job, 'MODIFIED')
    if (job.spec.activeDeadlineSeconds)
      jobTimers.set(
        `${job.metadata.namespace}/${job.metadata.name}`,
        setTimeout(() => {
          finishJob(pod, 'Failed', 'DeadlineExceeded')
          if (live(pod)) killPod(pod, 'DeadlineExceeded')
        }, job.spec.activeDeadlineSeconds * 1000),
      )
    const done = executePod(pod).catch(() => {
      if (live(pod)) killPod(pod, 'Error')
      finishJob(pod, 'Failed', 'BackoffLimitExceeded')
    })
    const run = podRuns.get(pod.metadata.uid!)
    if (run) run.done = done
  }

  // ---- HTTP ----
  const send = (res: ServerResponse, code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://double')
    const m = routes.exec(url.pathname)
    if (!m) return send(res, 404, status(404, 'NotFound', 'the double does not serve this path'))
    const [, namespace, kindText, name, logPath] = m as unknown as [string, string, Kind, string | undefined, string | undefined]
    const kind = kindText
    if (logPath) {
      const pod = name ? store.get(key('pods', namespace, name)) : undefined
      const container = url.searchParams.get('container') ?? ''
      if (!pod) return send(res, 404, status(404, 'NotFound', `pods "${name}" not found`))
      const state = logs.get(`${namespace}/${name}/${container}`)
      if (!state) return send(res, 400, status(400, 'BadRequest', `container "${container}" in pod "${name}" is waiting to start`))
      res.writeHead(200, { 'content-type': 'text/plain' })
      for (const chunk of state.chunks) res.write(chunk)
      if (url.searchParams.get('follow') !== 'true' || state.ended) return void res.end()
      const listener = (chunk: Buffer | null) => (chunk === null ? res.end() : res.write(chunk))
      state.listeners.add(listener)
      res.on('close', () => state.listeners.delete(listener))
      return
    }
    if (req.method === 'POST' && !name) {
      const body = (await readBody(req)) as KObject
      if (!body?.metadata?.name) return send(res, 422, status(422, 'Invalid', 'metadata.name is required'))
      if (store.has(key(kind, namespace, body.metadata.name))) return send(res, 409, status(409, 'AlreadyExists', `${kind} "${body.metadata.name}" already exists`))
      const object: KObject = { ...body, metadata: { ...body.metadata, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString() } }
      if (kind === 'jobs') object.status = {}
      save(kind, object, 'ADDED')
      createdLog.push({ kind, object: clone({ ...kinds[kind], ...object }) })
      if (kind === 'jobs') setImmediate(() => store.get(key(kind, namespace, object.metadata.name)) === object && createJobPod(object))
      return send(res, 201, { ...kinds[kind], ...object })
    }
    if (req.method === 'GET' && name) {
      const object = store.get(key(kind, namespace, name))
      return object ? send(res, 200, { ...kinds[kind], ...object }) : send(res, 404, status(404, 'NotFound', `${kind} "${name}" not found`))
    }
    if (req.method === 'DELETE' && name) {
      const object = remove(kind, namespace, name)
      return object ? send(res, 200, status(200, '', 'deleted')) : send(res, 404, status(404, 'NotFound', `${kind} "${name}" not found`))
    }
    if (req.method === 'GET' && !name) {
      const selector = parseSelector(url.searchParams.get('labelSelector'))
      if (url.searchParams.get('watch') === 'true') {
        requests.watch[kind]++
        const from = Number(url.searchParams.get('resourceVersion') ?? rv)
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })
        if (from < compactedAt) {
          res.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${compactedAt})`) })}\n`)
          return
        }
        for (const event of history)
          if (event.rv > from && event.kind === kind && event.object.metadata.namespace === namespace && matches(event.object, selector))
            res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`)
        const watcher: Watcher = { kind, namespace, selector, res, bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true' }
        watchers.add(watcher)
        const bookmark = setInterval(() => {
          if (watcher.bookmarks) res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { ...kinds[kind], metadata: { resourceVersion: String(rv) } } })}\n`)
        }, bookmarkMs)
        res.on('close', () => {
          clearInterval(bookmark)
          watchers.delete(watcher)
        })
        return
      }
      requests.list[kind]++
      const items = [...store.entries()].filter(([k, o]) => k.startsWith(`${kind}/${namespace}/`) && matches(o, selector)).map(([, o]) => ({ ...kinds[kind], ...o }))
      return send(res, 200, { apiVersion: kinds[kind].apiVersion, kind: `${kinds[kind].kind}List`, metadata: { resourceVersion: String(rv) }, items })
    }
    return send(res, 405, status(405, 'MethodNotAllowed', 'not supported by the double'))
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, status(500, 'InternalError', 'double failed'))
      else res.destroy()
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
  const port = await listen(0)
  const url = `http://127.0.0.1:${port}`

  return {
    url,
    faults,
    requests,
    kubeConfig() {
      const kc = new KubeConfig()
      kc.loadFromOptions({
        clusters: [{ name: 'double', server: url, skipTLSVerify: true }],
        users: [{ name: 'double' }],
        contexts: [{ name: 'double', cluster: 'double', user: 'double', namespace: 'default' }],
        currentContext: 'double',
      })
      return kc
    },
    objects: (kind) => [...store.entries()].filter(([k]) => k.startsWith(`${kind}/`)).map(([, o]) => clone({ ...kinds[kind], ...o })),
    created: (kind) => createdLog.filter((e) => e.kind === kind).map((e) => clone(e.object)),
    put(kind, object) {
      save(kind, { ...clone(object), metadata: { ...clone(object.metadata), uid: randomUUID(), creationTimestamp: new Date().toISOString() } }, 'ADDED')
    },
    async restart({ downMs = 200 } = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
      await new Promise((resolve) => setTimeout(resolve, downMs))
      await listen(port)
    },
    expireWatches() {
      compactedAt = rv + 1
      history.length = 0
      for (const watcher of watchers) watcher.res.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', 'too old resource version') })}\n`)
    },
    evict(podName) {
      const pod = [...store.entries()].find(([k]) => k.startsWith('pods/') && k.endsWith(`/${podName}`))?.[1]
      if (!pod) throw new Error(`no pod ${podName}`)
      killPod(pod, 'Evicted')
      finishJob(pod, 'Failed', 'BackoffLimitExceeded')
    },
    waitForContainer(container, state) {
      return new Promise((resolve) => {
        const check = () => {
          for (const [k, pod] of store)
            if (k.startsWith('pods/')) {
              const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]
              if (statuses.some((s: any) => s.name === container && (s.state?.[state] || (state === 'running' && s.state?.terminated)))) {
                waiters.delete(check)
                resolve(clone(pod))
                return
              }
            }
        }
        waiters.add(check)
        check()
      })
    },
    async close() {
      for (const timer of jobTimers.values()) clearTimeout(timer)
      for (const [k, object] of [...store]) if (k.startsWith('pods/')) await stopPod(object)
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await unmountUnder(workDir)
      await rm(workDir, { recursive: true, force: true })
    },
  }
}

/** Unmounts every mount at or below `dir` (the pods' tmpfs volumes), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const table = await readFile('/proc/self/mounts', 'utf8').catch(() => '')
  const targets = table
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((target): target is string => target !== undefined && (target === dir || target.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length)
  for (const target of targets) await runQuiet('umount', ['-l', target])
}

function runQuiet(command: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' })
    child.on('error', () => resolve(null))
    child.on('close', (code) => resolve(code))
  })
}
