import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ComputeEnvironment, DatasetSchema } from '@datavault/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { checkEgress } from '../egress/checkEgress.ts'
import type { TrainerEvent } from '../sandbox/protocol.ts'
import type { RunSpec, SandboxLogger } from '../sandbox/runner.ts'
import { type BuildTrainerBundleReturnType, buildTrainerBundle } from '../trainers/buildTrainerBundle.ts'
import { logisticRegressionTrainer } from '../trainers/logistic-regression/definition.ts'
import { blobs } from '../trainers/testing/datasets.ts'
import { type KubernetesRunner, kubernetesRunner } from './kubernetesRunner.ts'
import { type ApiServerDouble, startApiServerDouble } from './testing/api-server-double.ts'

const silent: SandboxLogger = { child: () => silent, info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
const trainerImage = `registry.example/datavault/trainer-node@sha256:${'a'.repeat(64)}`
const jobIoImage = `registry.example/datavault/node@sha256:${'b'.repeat(64)}`
const namespace = 'datavault-jobs'
const environment: ComputeEnvironment = { name: 'k8s-cpu', description: '', runtime: 'node', runner: 'kubernetes', cpu: 1, memoryMb: 512, gpu: 0, gpuResource: 'nvidia.com/gpu', image: trainerImage }
const schema: DatasetSchema = { format: 'csv', columns: [...['f1', 'f2', 'f3', 'f4'].map((name) => ({ name, type: 'number' as const })), { name: 'label', type: 'category', values: ['no', 'yes'] }] }

let dir: string
let bundle: BuildTrainerBundleReturnType
let double: ApiServerDouble
let runner: KubernetesRunner
let count = 0
let gatewayUrl: string
let programs: Record<'slow' | 'failing' | 'hostile' | 'hostilePython', string>

async function program(name: string, source: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, source)
  return path
}

const slowSpec = (epochs: number, ms: number, overrides: Partial<RunSpec> = {}) =>
  spec({ program: { path: programs.slow }, config: { epochs, ms }, ...overrides })

/** The names of this test's Kubernetes objects still in the double. */
const leftovers = () => [...double.objects('jobs'), ...double.objects('pods'), ...double.objects('secrets'), ...double.objects('networkpolicies')].map((o) => o.metadata.name)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'k8s-runner-'))
  await chmod(dir, 0o711)
  bundle = await buildTrainerBundle(logisticRegressionTrainer, { outDir: join(dir, 'bundles') })
  double = await startApiServerDouble({ images: { [trainerImage]: 'trainer', [jobIoImage]: 'job-io' } })
  const port = await freePort()
  gatewayUrl = `http://127.0.0.1:${port}`
  runner = kubernetesRunner({ namespace, nodeId: 'node-a', kubeConfig: double.kubeConfig(), gateway: { host: '127.0.0.1', port, url: gatewayUrl }, jobIoImage, unschedulableAfterMs: 300, retryMs: 100 })({
    logger: silent,
  })
  programs = {
    // Prints `epochs` epochs, `ms` apart, then writes /out/result.txt.
    slow: await program(
      'slow.mjs',
      `import { readFileSync, writeFileSync } from 'node:fs'
const { epochs, ms } = JSON.parse(readFileSync('/job/config.json', 'utf8'))
console.log(JSON.stringify({ event: 'started' }))
for (let i = 1; i <= epochs; i++) {
  await new Promise((resolve) => setTimeout(resolve, ms))
  console.log(JSON.stringify({ event: 'epoch', epoch: i, loss: 1 / i }))
}
writeFileSync('/out/result.txt', 'ok')
console.log(JSON.stringify({ event: 'done' }))`,
    ),
    failing: await program('failing.mjs', `console.log(JSON.stringify({ event: 'started' }))\nconsole.error('owner-only diagnostics')\nprocess.exit(7)`),
    // Tries every way out it can think of and writes what happened to /out/findings.json.
    hostile: await program(
      'hostile.mjs',
      `import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
const { gateway, job } = JSON.parse(readFileSync('/job/config.json', 'utf8'))
const findings = {}
const attempt = async (name, fn) => {
  try {
    findings[name] = { ok: true, value: String(await fn()).slice(0, 200) }
  } catch (error) {
    findings[name] = { ok: false, error: String(error?.code ?? error?.cause?.code ?? error?.name) }
  }
}
console.log(JSON.stringify({ event: 'started' }))
console.log('{"event":"epoch","epoch":1,"loss":1,"leak":"SECRET"}')
console.log('not json at all: SECRET')
console.log(JSON.stringify({ event: 'epoch', epoch: 7, loss: 0.5 }))
console.log(JSON.stringify({ event: 'error', code: 'SECRET-row-42' }))
for (const path of ['/var/run/datavault/credentials/token', '/var/run/secrets/kubernetes.io/serviceaccount/token', '/etc/resolv.conf', '/proc/1/environ'])
  await attempt('read ' + path, () => readFileSync(path, 'utf8'))
await attempt('list /var/run', () => readdirSync('/var/run').join(','))
await attempt('list /', () => readdirSync('/').join(','))
await attempt('gateway without a token', () => fetch(gateway + '/v1/job-io/' + job + '/files').then((r) => r.status))
await attempt('gateway output with a guessed token', () =>
  fetch(gateway + '/v1/job-io/' + job + '/outputs/x', { method: 'PUT', headers: { authorization: 'Bearer ' + 'a'.repeat(43) }, body: 'SECRET' }).then((r) => r.status))
await attempt('dns', () => import('node:dns/promises').then((dns) => dns.lookup('example.com')).then((a) => a.address))
await attempt('external network', () => fetch('http://1.1.1.1/').then((r) => r.status))
for (const path of ['/job/x', '/data/x', '/tmp/../x', '/x', '/var/x'])
  await attempt('write ' + path, () => writeFileSync(path, 'SECRET'))
writeFileSync('/out/findings.json', JSON.stringify(findings))
console.log(JSON.stringify({ event: 'done' }))`,
    ),
    // Python is not under Node's permission model: what it cannot see is what the mount namespace hides.
    hostilePython: await program(
      'hostile.py',
      `import json, os, socket
config = json.load(open('/job/config.json'))
host, port = config['gateway'].split('//')[1].split(':')
findings = {}
def attempt(name, fn):
    try:
        findings[name] = {'ok': True, 'value': str(fn())[:200]}
    except Exception as error:
        findings[name] = {'ok': False, 'error': type(error).__name__}
print(json.dumps({'event': 'started'}), flush=True)
attempt('read input token', lambda: open('/var/run/datavault/credentials/token').read())
attempt('read service account token', lambda: open('/var/run/secrets/kubernetes.io/serviceaccount/token').read())
attempt('connect to the gateway', lambda: socket.create_connection((host, int(port)), timeout=2))
attempt('resolve a name', lambda: socket.getaddrinfo('example.com', 80))
attempt('connect out', lambda: socket.create_connection(('1.1.1.1', 80), timeout=2))
for path in ['/job/x', '/data/x', '/x', '/usr/x']:
    attempt('write ' + path, lambda path=path: open(path, 'w').write('SECRET'))
found = []
for root, dirs, files in os.walk('/'):
    if root.startswith(('/proc', '/sys', '/usr', '/dev')):
        dirs[:] = []
        continue
    found += [os.path.join(root, f) for f in files if 'token' in f or f.startswith('..data')]
mounts = [line.split()[1] for line in open('/proc/self/mounts')]
json.dump({'findings': findings, 'found': found, 'mounts': mounts}, open('/out/findings.json', 'w'))
print(json.dumps({'event': 'done'}), flush=True)
`,
    ),
  }
})
afterAll(async () => {
  await runner?.stop()
  await double?.close()
  await rm(dir, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

function spec(overrides: Partial<RunSpec> = {}): RunSpec & { events: TrainerEvent[] } {
  const events: TrainerEvent[] = []
  const params = logisticRegressionTrainer.parameters.parse({ label: 'label', epochs: 20, seed: 1, solver: 'sgd' })
  return {
    jobId: `job-${++count}`,
    program: { path: bundle.path, sha256: bundle.sha256 },
    config: { schema, params, inputs: ['train.csv'] },
    inputs: [{ name: 'train.csv', source: [new TextEncoder().encode(blobs(1000, ['no', 'yes'], 7).csv)] }],
    outputDir: join(dir, `out-${count}`),
    limits: { wallTimeMs: 60_000, cpuSeconds: 60, memoryBytes: 512 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 },
    environment,
    onEvent: (event) => events.push(event),
    events,
    ...overrides,
  }
}

describe('kubernetesRunner with the API-server double', { timeout: 30_000 }, () => {
  test('default: a logistic regression runs through fetch, trainer and upload; the egress guard accepts its outputs', async () => {
    const run = spec()
    const result = await runner.run(run)
    expect(result, result.stderrTail).toMatchObject({ outcome: 'exited', exitCode: 0, protocolViolations: 0 })
    expect(run.events.filter((e) => e.event === 'epoch')).toHaveLength(20)
    const released = await checkEgress({ outputDir: run.outputDir, declaration: logisticRegressionTrainer.outputs(schema, (run.config as { params: Record<string, unknown> }).params as never), maxBytes: 1024 ** 2 })
    expect(released.metrics.accuracy).toBeGreaterThan(0.9)
    expect(leftovers()).toEqual([])
    // What the double was given is what `jobManifests` builds: the NetworkPolicy and Secrets came first.
    expect(double.created('networkpolicies')).toHaveLength(1)
  })

  test('behavior: progress arrives while the trainer runs, through the event parser', async () => {
    const run = slowSpec(3, 300)
    const seen: number[] = []
    run.onEvent = (event) => {
      run.events.push(event)
      if (event.event === 'epoch') seen.push(performance.now())
    }
    const result = await runner.run(run)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
    expect(run.events.map((e) => e.event)).toEqual(['started', 'epoch', 'epoch', 'epoch', 'done'])
    expect(seen[2]! - seen[0]!).toBeGreaterThan(400)
    expect(await readFile(join(run.outputDir, 'result.txt'), 'utf8')).toBe('ok')
  })

  test('behavior: a trainer exiting non-zero ends as exited with its code; its stderr never reaches the log (the launcher drops it)', async () => {
    const result = await runner.run(spec({ program: { path: programs.failing } }))
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 7 })
    // The log (on the cluster node's disk) holds the valid events only; the owner's tail is that log.
    expect(result.stderrTail).toBe('{"event":"started"}\n')
    expect(leftovers()).toEqual([])
  })
})

describe('kubernetesRunner: the program is checked', { timeout: 30_000 }, () => {
  test('error: a program whose bytes do not have the given SHA-256 never runs', async () => {
    const run = spec({ program: { path: programs.slow, sha256: `0x${'0'.repeat(64)}` }, config: { epochs: 1, ms: 1 } })
    await expect(runner.run(run)).rejects.toMatchObject({ name: 'SandboxSpecError' })
    expect(run.events).toEqual([])
    expect(leftovers()).toEqual([])
  })
})

describe('kubernetesRunner: a hostile trainer', { timeout: 30_000 }, () => {
  test('behavior: it cannot read either Secret, reach the gateway or any network, write outside /out, or put junk into progress', async () => {
    const name = (await import('./manifests.ts')).jobObjectName('node-a', `job-${count + 1}`)
    const run = spec({ program: { path: programs.hostile }, config: { gateway: gatewayUrl, job: name } })
    const result = await runner.run(run)
    expect(result, result.stderrTail).toMatchObject({ outcome: 'exited', exitCode: 0 })
    const findings = JSON.parse(await readFile(join(run.outputDir, 'findings.json'), 'utf8')) as Record<string, { ok: boolean; value?: string }>
    for (const [attempt, finding] of Object.entries(findings)) expect(finding.ok, `${attempt}: ${finding.value}`).toBe(false)
    expect(Object.keys(findings)).toHaveLength(15)
    // Only valid, in-order events reach progress; the launcher drops the rest before the log, so
    // the runner sees no violation.
    expect(run.events).toEqual([{ event: 'started' }, { event: 'done' }])
    expect(result.protocolViolations).toBe(0)
    expect(result.errorCode).toBeUndefined()
    expect(JSON.stringify(run.events)).not.toContain('SECRET')
  })
})

describe('kubernetesRunner: a hostile Python trainer', { timeout: 30_000 }, () => {
  test('behavior: no Secret is mounted where it runs, it has no network, and it cannot write outside /out', async () => {
    const run = spec({ program: { path: programs.hostilePython, runtime: 'python' }, config: { gateway: gatewayUrl } })
    const result = await runner.run(run)
    expect(result, result.stderrTail).toMatchObject({ outcome: 'exited', exitCode: 0 })
    const { findings, found, mounts } = JSON.parse(await readFile(join(run.outputDir, 'findings.json'), 'utf8')) as {
      findings: Record<string, { ok: boolean; value?: string; error?: string }>
      found: string[]
      mounts: string[]
    }
    for (const [attempt, finding] of Object.entries(findings)) expect(finding.ok, `${attempt}: ${finding.value}`).toBe(false)
    expect(findings['read input token']!.error).toBe('FileNotFoundError')
    expect(Object.keys(findings)).toHaveLength(9)
    expect(found).toEqual([])
    expect(mounts.filter((m) => /credentials|secret|var\/run/.test(m))).toEqual([])
  })
})

describe('kubernetesRunner: faults map to outcomes', { timeout: 30_000 }, () => {
  test('error: an image that cannot be pulled fails the run as image-pull-failed', async () => {
    double.faults.imagePullFails.add(trainerImage)
    try {
      const result = await runner.run(spec())
      expect(result).toMatchObject({ outcome: 'image-pull-failed', exitCode: null, startLatencyMs: null })
    } finally {
      double.faults.imagePullFails.delete(trainerImage)
    }
    expect(leftovers()).toEqual([])
  })

  test('error: no node with the resources free (unschedulable) fails the run as unschedulable', async () => {
    double.faults.unschedulable = true
    try {
      const result = await runner.run(spec())
      expect(result).toMatchObject({ outcome: 'unschedulable', exitCode: null })
    } finally {
      double.faults.unschedulable = false
    }
    expect(leftovers()).toEqual([])
  })

  test('error: OOMKilled is a memory-limit', async () => {
    double.faults.oomKillNextTrainer = true
    const result = await runner.run(slowSpec(5, 200))
    expect(result).toMatchObject({ outcome: 'memory-limit', signal: 'SIGKILL' })
  })

  test('error: a trainer running past its wall time (timed from its start) is a timeout', async () => {
    const result = await runner.run(slowSpec(100, 100, { limits: { wallTimeMs: 2000, cpuSeconds: 60, memoryBytes: 512 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 } }))
    expect(result).toMatchObject({ outcome: 'timeout' })
    expect(leftovers()).toEqual([])
  })

  test('error: the Job\'s deadline passing before the trainer ever ran is the cluster\'s (unschedulable), not the buyer\'s timeout', async () => {
    const port = await freePort()
    // Never unschedulable by its own timer here: only the Job's deadline (1 s of wall time + 1 s to start) can end it.
    const impatient = kubernetesRunner({ namespace, nodeId: 'node-a', kubeConfig: double.kubeConfig(), gateway: { host: '127.0.0.1', port, url: `http://127.0.0.1:${port}` }, jobIoImage, startupAllowanceSeconds: 1, retryMs: 100 })({ logger: silent })
    double.faults.unschedulable = true
    try {
      const result = await impatient.run(spec({ limits: { wallTimeMs: 1000, cpuSeconds: 60, memoryBytes: 512 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 } }))
      expect(result).toMatchObject({ outcome: 'unschedulable', exitCode: null })
    } finally {
      double.faults.unschedulable = false
      await impatient.stop()
    }
    expect(leftovers()).toEqual([])
  })

  test('error: an evicted pod is evicted', async () => {
    const running = runner.run(slowSpec(50, 100))
    const pod = await double.waitForContainer('trainer', 'running')
    double.evict(pod.metadata.name)
    expect(await running).toMatchObject({ outcome: 'evicted' })
    expect(leftovers()).toEqual([])
  })
})

describe('kubernetesRunner: cancel, API restarts, sweep', { timeout: 30_000 }, () => {
  test('behavior: aborting a run deletes its Job, Pod, Secrets and NetworkPolicy', async () => {
    const controller = new AbortController()
    const running = runner.run(slowSpec(100, 100), { signal: controller.signal })
    await double.waitForContainer('trainer', 'running')
    expect(double.objects('secrets')).toHaveLength(2)
    controller.abort()
    expect(await running).toMatchObject({ outcome: 'killed' })
    expect(leftovers()).toEqual([])
  })

  test('behavior: the run survives an API-server restart mid-job (watches and the log resume)', async () => {
    const run = slowSpec(6, 250)
    const running = runner.run(run)
    await double.waitForContainer('trainer', 'running')
    await new Promise((resolve) => setTimeout(resolve, 400))
    const watches = double.requests.watch.pods
    await double.restart({ downMs: 300 })
    const result = await running
    expect(double.requests.watch.pods).toBeGreaterThan(watches)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
    expect(run.events.filter((e) => e.event === 'epoch').map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2, 3, 4, 5, 6])
    expect(leftovers()).toEqual([])
  })

  test('behavior: a watch that expires (410 Gone) relists and the run finishes', async () => {
    const run = slowSpec(4, 250)
    const running = runner.run(run)
    await double.waitForContainer('trainer', 'running')
    const lists = { ...double.requests.list }
    double.expireWatches()
    const result = await running
    expect(double.requests.list.pods).toBeGreaterThan(lists.pods)
    expect(double.requests.list.jobs).toBeGreaterThan(lists.jobs)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
    expect(run.events.filter((e) => e.event === 'epoch')).toHaveLength(4)
  })

  test('behavior: objects an earlier process left for the same job are replaced, never mistaken for this run\'s', async () => {
    const run = slowSpec(2, 50)
    const { jobObjectName } = await import('./manifests.ts')
    const name = jobObjectName('node-a', run.jobId)
    const labels = { 'app.kubernetes.io/managed-by': 'datavault', 'datavault.io/node': 'node-a', 'datavault.io/job': name }
    const stale = (suffix: string) => ({ metadata: { name: `${name}${suffix}`, namespace, labels, annotations: { 'datavault.io/job-id': run.jobId, 'datavault.io/run': 'an-old-run' } } })
    double.put('jobs', { ...stale(''), spec: {}, status: { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }] } })
    double.put('secrets', { ...stale('-input'), data: { token: Buffer.from('old').toString('base64') } })
    double.put('networkpolicies', { ...stale(''), spec: {} })
    const result = await runner.run(run)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
    expect(leftovers()).toEqual([])
  })

  test('behavior: sweep deletes this node\'s leftovers of terminal or unknown jobs, and nothing else', async () => {
    const labels = (node: string, job: string) => ({ 'app.kubernetes.io/managed-by': 'datavault', 'datavault.io/node': node, 'datavault.io/job': job })
    const put = (kind: 'jobs' | 'secrets' | 'networkpolicies', name: string, node: string, jobId: string) =>
      double.put(kind, { metadata: { name, namespace, labels: labels(node, name.replace(/-(input|output)$/, '')), annotations: { 'datavault.io/job-id': jobId } }, spec: {} })
    for (const [job, jobId] of [['datavault-old', 'old-1'], ['datavault-live', 'live-1']]) {
      put('jobs', job!, 'node-a', jobId!)
      put('secrets', `${job}-input`, 'node-a', jobId!)
      put('secrets', `${job}-output`, 'node-a', jobId!)
      put('networkpolicies', job!, 'node-a', jobId!)
    }
    put('jobs', 'datavault-other', 'node-b', 'old-2')
    const counts = await runner.sweep((jobId) => jobId !== 'live-1')
    expect(counts).toEqual({ jobs: 1, secrets: 2, networkPolicies: 1 })
    expect(leftovers().sort()).toEqual(['datavault-live', 'datavault-live', 'datavault-live-input', 'datavault-live-output', 'datavault-other'])
    await runner.sweep(() => true)
    expect(leftovers()).toEqual(['datavault-other'])
  })
})
