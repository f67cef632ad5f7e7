// The adversarial suite: hostile programs, each run as a real job on the real stack (chain,
// IPFS, SQLite, bubblewrap) beside an owner's decrypted data, each contained with nothing of the
// data released. Every row of the data carries a random canary; after each job, everything its
// buyer can obtain is searched for it, and at the end every line the node logged and every file in
// its data dir too. What each attempt does and what stops it: README.md beside this file.
import { spawnSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { readFileSync, readdirSync, statfsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { type Server, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type JobView, decodeSafetensors, downloadOutput, getJob, getJobLogs, getReceipt, registerOwnerLogKey, submitJob } from '@datavault/sdk'
import { type RunResult, type SandboxLogger, bubblewrapRunner, buildTrainerBundle, checkEgress, trainerErrorCodes } from '@datavault/compute-to-data'
import { type AttackName, type HostileParams, exitContained, hostileOutputs, hostileTrainer } from '../fixtures/hostile/index.ts'
import { type CanaryDataset, type Finding, canaryDataset, findCanaries, findInDatabase, findInFiles } from './leaks.ts'
import { toJobView } from '@datavault/vault'
import { healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type AdversarialStack, startAdversarialStack } from './stack.ts'

type Expected = { state: 'finished' } | { state: 'failed'; code: string | string[]; message?: RegExp; exitCode?: number }

/** One hostile job: which attack, on which dataset, what must become of it, and what stops it. */
type Attempt = {
  attack: AttackName
  /** `main`: the owner's data (30 s); `memory`: same data, 128 MiB; `time`: same data, 2 s; `other`: another owner's data. */
  on?: 'main' | 'memory' | 'time' | 'other'
  params?: Partial<HostileParams>
  expected: Expected
  /** What stops it (the test's name). */
  stoppedBy: string
  /** Output names the program wrote or tried, beyond the declared ones: the buyer asks for each. */
  names?: string[]
}

const egress = (reason: string): Expected => ({ state: 'failed', code: 'egress-violation', message: new RegExp(`\\(${reason}\\)`) })
// The buyer sees a fixed sentence; the program's exit code (what it achieved) is in the operator's log.
const contained: Expected = { state: 'failed', code: 'trainer-failed', message: /^The program failed\.$/, exitCode: exitContained }

const attempts: Attempt[] = [
  { attack: 'legit', expected: { state: 'finished' }, stoppedBy: 'nothing to stop: the fixture\'s own outputs pass the guard' },
  { attack: 'extra-file', expected: egress('undeclared-file'), stoppedBy: 'the guard admits only declared names', names: ['leak.csv', '.hidden'] },
  { attack: 'csv-as-metrics', expected: egress('bad-metrics'), stoppedBy: 'metrics must be a flat JSON of declared finite numbers' },
  { attack: 'csv-as-model', expected: egress('bad-safetensors'), stoppedBy: 'the model must decode strictly as safetensors' },
  { attack: 'metrics-smuggle', expected: egress('bad-metrics'), stoppedBy: 'exactly the declared metric names' },
  { attack: 'wrong-dtype', expected: egress('tensor-mismatch'), stoppedBy: 'declared dtypes' },
  { attack: 'undeclared-tensor', expected: egress('tensor-mismatch'), stoppedBy: 'exactly the declared tensors' },
  { attack: 'metadata-extra', expected: egress('bad-metadata'), stoppedBy: 'only allow-listed metadata keys' },
  { attack: 'metadata-value', expected: egress('bad-metadata'), stoppedBy: 'declared metadata values' },
  { attack: 'nan-payload', expected: egress('non-finite'), stoppedBy: 'no NaN or infinity in float tensors' },
  { attack: 'header-whitespace', expected: { state: 'finished' }, stoppedBy: 'outputs are re-encoded canonically: formatting never leaves' },
  { attack: 'declared-tensors', expected: { state: 'finished' }, stoppedBy: 'nothing in the node (residual risk): only installing a program lets it run' },
  { attack: 'symlink-to-data', expected: contained, stoppedBy: 'Node\'s permission model refuses links (the guard refuses any non-regular file)' },
  { attack: 'fifo-output', expected: egress('not-regular-file'), stoppedBy: 'a declared name must be a regular file' },
  { attack: 'directory-output', expected: egress('not-regular-file'), stoppedBy: 'a declared name must be a regular file' },
  { attack: 'odd-names', expected: egress('undeclared-file'), stoppedBy: 'names are compared exactly; /out has no way up', names: ['metrics.json\n', ' metrics.json', 'model.safetensоrs', 'model.safetensors.', '..\\leak.csv'] },
  { attack: 'deep-tree', expected: { state: 'failed', code: 'output-limit' }, stoppedBy: 'a tree too deep to copy is an output limit, and no error names it' },
  { attack: 'chmod-tricks', expected: { state: 'finished' }, stoppedBy: 'modes mean nothing to the copy: only the bytes are checked and released 0600' },
  { attack: 'write-after-done', expected: egress('bad-safetensors'), stoppedBy: 'the guard checks what is in /out after the program is gone, not at "done"' },
  { attack: 'huge-output', expected: { state: 'failed', code: 'output-limit' }, stoppedBy: 'a tmpfs of the output limit and RLIMIT_FSIZE' },
  { attack: 'many-files', expected: { state: 'failed', code: 'output-limit' }, stoppedBy: 'the output tmpfs has 64 inodes' },
  { attack: 'fork-bomb', expected: contained, stoppedBy: 'Node\'s permission model: no child processes, workers or addons (and a task limit)' },
  { attack: 'alloc-native', on: 'memory', expected: { state: 'failed', code: 'memory-limit' }, stoppedBy: 'the memory cgroup' },
  { attack: 'alloc-heap', on: 'memory', expected: { state: 'failed', code: 'memory-limit' }, stoppedBy: 'V8\'s heap limit' },
  { attack: 'sleep', on: 'time', expected: { state: 'failed', code: 'timeout' }, stoppedBy: 'the wall-time limit' },
  // The engine gives a job as many CPU seconds as wall seconds: with more than one core free the CPU
  // limit trips first, on a busy machine the wall time does. Either stops it.
  { attack: 'cpu-burn', on: 'time', expected: { state: 'failed', code: ['cpu-limit', 'timeout'] }, stoppedBy: 'the CPU limit (or the wall time)' },
  { attack: 'network', expected: contained, stoppedBy: 'a network namespace with only its own loopback' },
  { attack: 'hold', on: 'other', params: { holdMs: 4000 }, expected: { state: 'finished' }, stoppedBy: 'nothing to stop: another owner\'s job, running beside read-host' },
  { attack: 'read-host', expected: contained, stoppedBy: 'mount and pid namespaces, a uid per job, Node\'s permission model' },
  { attack: 'inherited-fds', expected: contained, stoppedBy: 'descriptors the node inherited are closed before bubblewrap' },
  { attack: 'print-data', expected: { state: 'finished' }, stoppedBy: 'stdout carries only strict protocol events; stderr goes to the owner only' },
  { attack: 'progress-channel', params: { count: 40, paceMs: 25 }, expected: { state: 'finished' }, stoppedBy: 'epochs count by one, loss quantized, paced (a bounded residual channel)' },
  { attack: 'error-code-channel', expected: { state: 'failed', code: 'trainer-failed', message: /^The program failed\.$/, exitCode: 2 }, stoppedBy: 'error codes must be listed reason codes' },
  { attack: 'exit-code-channel', expected: { state: 'failed', code: 'trainer-failed', message: /^The program failed\.$/ }, stoppedBy: 'the exit code reaches the operator\'s log only' },
]

const declaredNames = ['model.safetensors', 'metrics.json']

let t: AdversarialStack
let main: CanaryDataset
let other: CanaryDataset
const all = () => [main, other]
let buyer: ReturnType<AdversarialStack['party']>
const jobIds = new Map<AttackName, string>()
/** Every state of every job as its buyer could see it, in order, taken from the engine's change events. */
const views = new Map<string, Pick<JobView, 'state' | 'failure' | 'progress' | 'metrics' | 'result'>[]>()
const settled = new Map<string, PromiseWithResolvers<void>>()
const settle = (id: string) => settled.get(id) ?? settled.set(id, Promise.withResolvers<void>()).get(id)!
const findings: Finding[] = []
/** When each job ran (from `running` to its end), to show that two jobs overlapped. */
const running = new Map<string, { from?: number; to?: number }>()
/** Jobs whose outputs, data included, sat on a disk-backed file system while the guard checked them. */
const onDisk: { id: string; fs: string; found: number }[] = []
/** Jobs whose staged outputs held a canary on tmpfs: proves the check above looked where the data was. */
const inMemory: string[] = []
let refusals = 0
let kernelRuns = 0
/** torch-custom jobs: a buyer's hostile model, approved by the owner's policy, under the node's DP-SGD. */
const customIds = new Map<'stash' | 'loud', string>()
let dpData: CanaryDataset
const residual: string[] = []
let extra: Partial<HostileParams> = {}

// What the host listens on; programs try to reach these and must not.
const received = { tcp: 0, udp: 0, abstract: 0 }
let tcpServer: Server
let tcp6Server: Server | undefined
let abstractServer: Server
const udpServer = createSocket('udp4')
const abstractName = `datavault-adversarial-${process.pid}-${Math.random().toString(36).slice(2)}`

beforeAll(async () => {
  tcpServer = createServer((socket) => {
    received.tcp++
    socket.destroy()
  })
  await new Promise<void>((resolve) => tcpServer.listen(0, '127.0.0.1', resolve))
  const hostPort = (tcpServer.address() as { port: number }).port
  tcp6Server = await new Promise<Server | undefined>((resolve) => {
    const server = createServer((socket) => {
      received.tcp++
      socket.destroy()
    })
    server.once('error', () => resolve(undefined))
    server.listen(hostPort, '::1', () => resolve(server))
  })
  udpServer.on('message', () => received.udp++)
  await new Promise<void>((resolve) => udpServer.bind(0, '127.0.0.1', resolve))
  abstractServer = createServer((socket) => {
    received.abstract++
    socket.destroy()
  })
  await new Promise<void>((resolve) => abstractServer.listen(`\0${abstractName}`, resolve))

  t = await startAdversarialStack({ trainers: [hostileTrainer], concurrency: 3 })
  const owner = t.party('owner')
  const otherOwner = t.party('spare', 0)
  buyer = t.party('buyer')
  // Owner A's program logs are sealed to its log key; owner B registers none, so its jobs keep no log.
  await registerOwnerLogKey(owner.vault)
  main = canaryDataset('owner A', { seed: 11 })
  other = canaryDataset('owner B', { seed: 12 })
  t.stack.node.components.engine.onChange((job) => {
    const list = views.get(job.id) ?? views.set(job.id, []).get(job.id)!
    // What the buyer's API shows of the job at this change.
    const view = toJobView(job)
    list.push(JSON.parse(JSON.stringify({ state: view.state, failure: view.failure, progress: view.progress, metrics: view.metrics, result: view.result })))
    const times = running.get(job.id) ?? running.set(job.id, {}).get(job.id)!
    if (job.state === 'running') times.from ??= Date.now()
    if (job.state === 'checking') outputsWhileChecking(job.id)
    if (job.state === 'finished' || job.state === 'failed') {
      times.to = Date.now()
      settle(job.id).resolve()
    }
  })

  const policy = { trainers: ['test-hostile'], maxWallTimeSeconds: 30 }
  const datasets = {
    main: await t.publish(owner, { csv: main.csv, schema: main.schema, policy, name: 'owner A: health records' }),
    memory: await t.publish(owner, { csv: main.csv, schema: main.schema, policy: { ...policy, maxMemoryMb: 128 }, name: 'owner A, 128 MiB' }),
    time: await t.publish(owner, { csv: main.csv, schema: main.schema, policy: { ...policy, maxWallTimeSeconds: 2 }, name: 'owner A, 2 s' }),
    other: await t.publish(otherOwner, { csv: other.csv, schema: other.schema, policy, name: 'owner B: health records' }),
  }
  const orders = new Map<keyof typeof datasets, `0x${string}`[]>()
  for (const key of Object.keys(datasets) as (keyof typeof datasets)[]) {
    const count = attempts.filter((attempt) => (attempt.on ?? 'main') === key).length
    orders.set(key, await t.buyOrders(buyer, datasets[key], count))
  }

  const hostPaths = [
    join(t.dir, 'node', 'keys', 'node.json'),
    join(t.dir, 'node', 'vault.sqlite'),
    join(t.dir, 'node', 'ipfs'),
    join(t.dir, 'node', 'results'),
    join(t.dir, 'node', 'work'),
    join(t.dir, 'node'),
    join(tmpdir(), 'datavault-sandbox'),
  ]
  extra = { hostPort, udpPort: (udpServer.address() as { port: number }).port, abstractSocket: abstractName, hostPaths, nodePid: process.pid }
  for (const attempt of attempts) {
    const on = attempt.on ?? 'main'
    const job = await submitJob(buyer.vault, {
      dataset: datasets[on].datatoken,
      trainer: { id: 'test-hostile' },
      params: { attack: attempt.attack, ...extra, ...attempt.params },
      orderTx: orders.get(on)!.pop()!,
    })
    jobIds.set(attempt.attack, job.id)
  }

  // A buyer's own models on a dataset whose policy admits torch-custom without review: as approved
  // as a program can be (no budget here: the stash model's σ of 1e-6 makes ε enormous on purpose).
  // 40 rows, one epoch: each example's gradient is a process of its own.
  dpData = canaryDataset('owner A, DP', { rows: 40, seed: 13 })
  const dpSchema = { ...healthSchema('binary', { rows: 40 }), columns: [{ name: 'record_id', type: 'number' as const }, ...healthSchema('binary', { rows: 40 }).columns] }
  const dpDataset = await t.publish(owner, { csv: dpData.csv, schema: dpSchema, policy: { trainers: ['torch-custom'], maxWallTimeSeconds: 120 }, name: 'owner A, DP only' })
  const dpOrders = await t.buyOrders(buyer, dpDataset, 2)
  const hostileModel = (name: string) => readFileSync(new URL(`../../compute-to-data/src/trainers/torch-custom/hostile/${name}.py`, import.meta.url), 'utf8')
  const features = dpSchema.columns.filter((column) => column.type === 'number' && column.name !== 'record_id').map((column) => column.name)
  const custom = {
    stash: { model: { source: hostileModel('stash'), parameters: [{ name: 'control', shape: [1] }, { name: 'leak', shape: [10] }] }, dp: { noiseMultiplier: 1e-6, maxGradNorm: 100 } },
    loud: { model: { source: hostileModel('loud'), parameters: [{ name: 'w', shape: [4] }] }, dp: { noiseMultiplier: 1, maxGradNorm: 1 } },
  }
  for (const [name, params] of Object.entries(custom) as ['stash' | 'loud', (typeof custom)['stash']][]) {
    const job = await submitJob(buyer.vault, {
      dataset: dpDataset.datatoken,
      trainer: { id: 'torch-custom' },
      params: { label: 'risk', features, epochs: 1, batchSize: 10, learningRate: 1, ...params },
      orderTx: dpOrders.pop()!,
    })
    customIds.set(name, job.id)
  }
})

afterAll(async () => {
  await t?.stop()
  tcpServer?.close()
  tcp6Server?.close()
  abstractServer?.close()
  udpServer.close()
})

/** The exit code the engine logged (operator only) for a failed program's job. */
function loggedExitCode(id: string): number | undefined {
  for (const line of t.logs) {
    const entry = JSON.parse(line) as { jobId?: string; msg?: string; exitCode?: number }
    if (entry.jobId === id && entry.msg === 'program failed') return entry.exitCode
  }
  return undefined
}

/** The failure kinds a buyer can see for a job that ran (JobFailureCode values a run can end in). */
const failureKinds = { 'trainer-failed': 1, timeout: 1, 'cpu-limit': 1, 'memory-limit': 1, 'output-limit': 1, 'egress-violation': 1, interrupted: 1, 'policy-violation': 1, 'internal-error': 1 }

/**
 * At `checking`, the runner has copied /out into the engine's work dir and the guard has not run:
 * if what the program wrote holds data and that dir is on a disk, plaintext is on a host disk
 * (recoverable from its blocks) whatever the guard decides. Read synchronously, before the engine goes on.
 */
function outputsWhileChecking(id: string) {
  const dir = join(t.stack.node.workDir, id, 'out')
  let found = 0
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name)
      if (entry.isDirectory()) walk(child)
      else if (entry.isFile()) found += findCanaries(child, readFileSync(child), all()).length
    }
  }
  try {
    walk(dir)
    const type = statfsSync(dir).type
    if (found > 0 && type !== 0x01021994) onDisk.push({ id, fs: `0x${type.toString(16)}`, found })
    if (found > 0 && type === 0x01021994) inMemory.push(id)
  } catch {}
}

/** Everything the buyer of a job can obtain: every state it was in, the API's view, outputs under any name tried, the receipt. */
async function exposures(id: string, names: string[]): Promise<{ where: string; bytes: Uint8Array | string }[]> {
  const list: { where: string; bytes: Uint8Array | string }[] = (views.get(id) ?? []).map((view, i) => ({ where: `view #${i}`, bytes: JSON.stringify(view) }))
  list.push({ where: 'GET /v1/jobs/:id', bytes: JSON.stringify(await getJob(buyer.vault, { id })) })
  for (const name of [...declaredNames, ...names]) {
    const output = await downloadOutput(buyer.vault, { id, name }).then(
      ({ bytes }) => bytes,
      (error: { code?: string }) => {
        expect(error.code).toBe('JOB_OUTPUT_NOT_FOUND')
        return undefined
      },
    )
    if (output) list.push({ where: `output ${JSON.stringify(name)}`, bytes: output })
  }
  const receipt = await getReceipt(buyer.vault, { id }).then(
    (value) => JSON.stringify(value),
    () => undefined,
  )
  if (receipt) list.push({ where: 'receipt', bytes: receipt })
  return list
}

describe('adversarial: hostile programs on the real stack', () => {
  for (const attempt of attempts) {
    const kind = attempt.expected.state === 'failed' ? 'error' : 'behavior'
    test(`${kind}: ${attempt.attack} — ${attempt.stoppedBy}`, async () => {
      const id = jobIds.get(attempt.attack)!
      await settle(id).promise
      const view = await getJob(buyer.vault, { id })
      expect(view.state).toBe(attempt.expected.state)
      if (attempt.expected.state === 'failed') {
        const codes = ([] as string[]).concat(attempt.expected.code)
        expect(codes).toContain(view.failure?.code)
        if (attempt.expected.message) expect(view.failure?.message).toMatch(attempt.expected.message)
        if (attempt.expected.exitCode !== undefined) expect(loggedExitCode(id)).toBe(attempt.expected.exitCode)
        expect(view.result).toBeUndefined()
      } else {
        expect(view.result?.files.map((file) => file.name).sort()).toEqual([...declaredNames].sort())
      }
      const exposed = await exposures(id, attempt.names ?? [])
      const found = exposed.flatMap(({ where, bytes }) => findCanaries(`${attempt.attack}: ${where}`, bytes, all()))
      findings.push(...found)
      expect(found).toEqual([])
    })
  }

  test('behavior: read-host ran while another owner\'s job held its data (hold), and saw nothing of it', () => {
    const reader = running.get(jobIds.get('read-host')!)!
    const holder = running.get(jobIds.get('hold')!)!
    expect(reader.from).toBeLessThan(holder.to!)
    expect(holder.from).toBeLessThan(reader.to!)
  })

  // The runner copies /out into the engine's work dir and the guard reads it there; a hostile
  // program's raw CSV sits there for the length of the check. The node puts that dir on tmpfs
  // (/dev/shm), so it never touches a disk, and removes it when the job ends.
  test('behavior: outputs a program wrote, data included, stay on memory-backed paths while the guard checks them', () => {
    expect(onDisk).toEqual([])
    expect(inMemory.length).toBeGreaterThan(0)
  })

  test('behavior: nothing reached the host\'s listeners (TCP on 127.0.0.1 and ::1, UDP, an abstract unix socket)', () => {
    expect(received).toEqual({ tcp: 0, udp: 0, abstract: 0 })
  })

  test('behavior: header-whitespace — what is released is the canonical encoding, not the program\'s bytes', async () => {
    const id = jobIds.get('header-whitespace')!
    const { bytes } = await downloadOutput(buyer.vault, { id, name: 'model.safetensors' })
    const headerLength = Number(Buffer.from(bytes).readBigUInt64LE(0))
    const header = Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8')
    expect(header.trimEnd()).toBe(JSON.stringify(JSON.parse(header)))
    expect(header).not.toMatch(/[\t\r\n]/)
    const { bytes: metrics } = await downloadOutput(buyer.vault, { id, name: 'metrics.json' })
    expect(new TextDecoder().decode(metrics)).toBe('{"loss":0.5,"accuracy":0.75}')
  })

  test('behavior: declared-tensors — data inside the declared tensors and metrics does leave (the residual risk of a trusted program)', async () => {
    const id = jobIds.get('declared-tensors')!
    const { bytes } = await downloadOutput(buyer.vault, { id, name: 'model.safetensors' })
    const { tensors } = decodeSafetensors(bytes)
    const values = [...(tensors.weights!.data as Float32Array), ...(tensors.bias!.data as Float32Array)]
    const decoded = Buffer.alloc(values.length * 3)
    values.forEach((value, i) => decoded.writeUIntLE(value, i * 3, 3))
    // The canary search cannot see it (floats), but the buyer can decode the first row.
    expect(decoded.toString('latin1')).toContain(main.first)
    const d = main.schema.columns.filter((column) => column.type === 'number').length
    residual.push(`declared outputs carry ${(d + 1) * 32 + 2 * 64} bits/job on this schema (installed programs only)`)
  })

  test('behavior: progress-channel — while a job runs the buyer sees epoch counts only; losses come with the checked outputs', async () => {
    const id = jobIds.get('progress-channel')!
    const all = views.get(id) ?? []
    const running = all.filter((view) => view.state !== 'finished')
    expect(running.some((view) => view.progress?.epoch !== undefined)).toBe(true)
    expect(running.every((view) => view.progress?.loss === undefined)).toBe(true)
    const epochs = running.flatMap((view) => (view.progress?.epoch === undefined ? [] : [view.progress.epoch]))
    const updates = epochs.filter((epoch, i) => i === 0 || epoch !== epochs[i - 1])
    // The 6-byte integers (with epochs carrying bytes too) never got through: every epoch is the next one.
    expect(updates).toEqual(updates.map((_, i) => i + 1))
    expect(updates.length).toBeLessThanOrEqual(50 + 1)
    // Left: how far a job got and when (a count per job), and the final loss once the guard passed.
    residual.push(`progress: epoch counts only while running (${updates.length} in this job); the loss curve's last value after the egress guard`)
  })

  test('behavior: exit-code-channel and error-code-channel — the buyer reads neither the exit code nor an unlisted code', async () => {
    const exitView = await getJob(buyer.vault, { id: jobIds.get('exit-code-channel')! })
    expect(exitView.failure?.message).toBe('The program failed.')
    // The operator's log has it (the program chose it from the data: 8 bits that stay in the node).
    expect(loggedExitCode(jobIds.get('exit-code-channel')!)).toBeLessThan(256)
    const errorView = await getJob(buyer.vault, { id: jobIds.get('error-code-channel')! })
    expect(errorView.failure?.message).toBe('The program failed.')
    residual.push(
      `exit code: 0 bits/job (a fixed sentence; the operator's log has it); error code: one of ${trainerErrorCodes.size} listed reasons from built-in trainers (≤ ${Math.log2(trainerErrorCodes.size + 1).toFixed(1)} bits/job), none from custom programs; failure kind: one of ${Object.keys(failureKinds).length} (≤ ${Math.log2(Object.keys(failureKinds).length).toFixed(1)} bits/job)`,
    )
  })

  test('error: a buyer cannot get any other program to run: an unknown trainer, or one the owner\'s policy does not list, is refused', async () => {
    const owner = t.party('owner')
    const lrOnly = await t.publish(owner, { csv: main.csv, schema: main.schema, policy: { trainers: ['logistic-regression'] }, name: 'owner A, logistic regression only' })
    const [orderTx] = await t.buyOrders(buyer, lrOnly, 1)
    await expect(submitJob(buyer.vault, { dataset: lrOnly.datatoken, trainer: { id: 'my-own-exfiltrator' }, params: {}, orderTx: orderTx! })).rejects.toMatchObject({
      code: 'TRAINER_UNKNOWN',
    })
    refusals++
    await expect(
      submitJob(buyer.vault, { dataset: lrOnly.datatoken, trainer: { id: 'test-hostile' }, params: { attack: 'declared-tensors' }, orderTx: orderTx! }),
    ).rejects.toMatchObject({ code: 'POLICY_TRAINER_DENIED' })
    refusals++
  })

  describe('the kernel sandbox alone (Node\'s permission model off): the same programs, run at the runner', () => {
    // Node's permission model is a second layer; these runs take it away to show that bubblewrap,
    // namespaces, uids, cgroups and the guard hold by themselves. No stack here: the runner as the
    // node uses it, on the same data, with the node's real paths as targets.
    const lines: string[] = []
    const logger: SandboxLogger = {
      child: () => logger,
      info: (obj, msg) => void lines.push(JSON.stringify({ ...obj, msg })),
      warn: (obj, msg) => void lines.push(JSON.stringify({ ...obj, msg })),
      error: (obj, msg) => void lines.push(JSON.stringify({ ...obj, msg })),
      debug: () => {},
    }
    const runner = bubblewrapRunner({ nodePermissions: false })({ logger })
    // Outside the node's data dir: these runs have no egress guard, so their outputs hold data.
    let dir: string
    let program: { path: string; sha256: `0x${string}` }
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'dv-adversarial-kernel-'))
      program = await buildTrainerBundle(hostileTrainer, { outDir: join(dir, 'bundle') })
    })
    afterAll(async () => {
      await runner.stop()
      if (dir) await rm(dir, { recursive: true, force: true })
    })
    /** Runs an attack in a cold sandbox, or (`prestarted`) in one started ahead that gets its job on its descriptor. */
    const run = async (attack: AttackName, params: Partial<HostileParams> = {}, wallTimeMs = 20_000, prestarted = false): Promise<RunResult & { outputDir: string }> => {
      const outputDir = join(dir, 'out', `${attack}${prestarted ? '-prestarted' : ''}`)
      const limits = { wallTimeMs, cpuSeconds: 20, memoryBytes: 512 * 1024 ** 2, outputBytes: 64 * 1024 ** 2, processes: 64 }
      if (prestarted) runner.prestart({ kind: 'kernel', program, limits })
      const result = await runner.run({
        jobId: `kernel-${attack}${prestarted ? '-prestarted' : ''}`,
        program,
        config: { schema: main.schema, params: { attack, epochs: 3, ...extra, ...params }, inputs: ['data.csv'] },
        inputs: [{ name: 'data.csv', source: [new TextEncoder().encode(main.csv)] }],
        outputDir,
        limits,
      })
      expect(result.prestarted).toBe(prestarted)
      kernelRuns++
      // What the runner kept of stderr is the owner's; everything it logged is searched.
      findings.push(...findCanaries(`kernel ${attack}: runner logs`, lines.join('\n'), all()))
      return { ...result, outputDir }
    }
    /** Processes still running as a uid, from /proc; a zombie of bubblewrap's reaper (waiting for init to reap it) runs nothing. */
    const processesOf = (uid: number) =>
      spawnSync('sh', ['-c', `grep -l "^Uid:\\s*${uid}\\s" /proc/[0-9]*/status 2>/dev/null | xargs -r grep -L "^State:\\s*Z"`], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean)

    test('behavior: read-host — only the sandbox\'s own /tmp and its own pid 1 are readable; nothing of the node or the other owner', async () => {
      const result = await run('read-host', { report: true })
      const report = JSON.parse(await readFile(join(result.outputDir, 'report.json'), 'utf8')) as { readable: string[]; loot: string[] }
      expect(report.readable.filter((path) => path !== '/tmp' && !path.startsWith('/proc/1/'))).toEqual([])
      const loot = Buffer.concat(report.loot.map((item) => Buffer.from(item, 'base64')))
      expect(findCanaries('kernel read-host: loot', loot, [other])).toEqual([])
      const nodeKey = (await readFile(join(t.dir, 'node', 'keys', 'node.json'), 'utf8')).match(/[0-9a-f]{64}/g) ?? []
      expect(nodeKey.length).toBeGreaterThan(0)
      for (const secret of nodeKey) expect(loot.toString('latin1')).not.toContain(secret)
    })

    test('error: network — nothing connects, at once', async () => {
      const result = await run('network')
      expect(result).toMatchObject({ outcome: 'exited', exitCode: exitContained })
      expect(received).toEqual({ tcp: 0, udp: 0, abstract: 0 })
    })

    test('error: inherited-fds — the program finds no descriptor but its own', async () => {
      expect(await run('inherited-fds')).toMatchObject({ outcome: 'exited', exitCode: exitContained })
    })

    test('error: symlink-to-data — links can be made here, and the guard refuses them', async () => {
      const result = await run('symlink-to-data')
      expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
      const checked = checkEgress({ outputDir: result.outputDir, declaration: hostileOutputs(main.schema), maxBytes: 64 * 1024 ** 2 })
      await expect(checked).rejects.toMatchObject({ code: 'EGRESS_VIOLATION', reason: 'not-regular-file' })
    })

    test('error: fork-bomb — processes can be started here; the task limit holds and nothing survives the run', async () => {
      const result = await run('fork-bomb', {}, 3000)
      expect(result.outcome).toBe('timeout')
      expect(processesOf(result.enforcement.uid)).toEqual([])
      expect(spawnSync('/usr/bin/true').status).toBe(0)
    })

    test('behavior: the same attacks from a pre-started sandbox (read-host, network, inherited-fds, symlink-to-data, fork-bomb) are contained the same way', async () => {
      const report = await run('read-host', { report: true }, 20_000, true)
      const { readable, loot } = JSON.parse(await readFile(join(report.outputDir, 'report.json'), 'utf8')) as { readable: string[]; loot: string[] }
      expect(readable.filter((path) => path !== '/tmp' && !path.startsWith('/proc/1/'))).toEqual([])
      expect(findCanaries('kernel read-host (pre-started): loot', Buffer.concat(loot.map((item) => Buffer.from(item, 'base64'))), [other])).toEqual([])
      expect(await run('network', {}, 20_000, true)).toMatchObject({ outcome: 'exited', exitCode: exitContained })
      expect(received).toEqual({ tcp: 0, udp: 0, abstract: 0 })
      expect(await run('inherited-fds', {}, 20_000, true)).toMatchObject({ outcome: 'exited', exitCode: exitContained })
      const links = await run('symlink-to-data', {}, 20_000, true)
      const checked = checkEgress({ outputDir: links.outputDir, declaration: hostileOutputs(main.schema), maxBytes: 64 * 1024 ** 2 })
      await expect(checked).rejects.toMatchObject({ code: 'EGRESS_VIOLATION', reason: 'not-regular-file' })
      const bomb = await run('fork-bomb', {}, 3000, true)
      expect(bomb.outcome).toBe('timeout')
      expect(processesOf(bomb.enforcement.uid)).toEqual([])
    })
  })

  describe('torch-custom: a buyer\'s hostile model, admitted by the policy, under the node\'s DP-SGD', () => {
    const released = async (id: string) => {
      await settle(id).promise
      const view = await getJob(buyer.vault, { id })
      expect(view.failure).toBeUndefined()
      const exposed = await exposures(id, [])
      findings.push(...exposed.flatMap(({ where, bytes }) => findCanaries(`torch-custom: ${where}`, bytes, [dpData])))
      const { tensors } = decodeSafetensors((await downloadOutput(buyer.vault, { id, name: 'model.safetensors' })).bytes)
      return Object.fromEntries(Object.entries(tensors).map(([name, tensor]) => [name, [...(tensor.data as Float32Array)]]))
    }

    test('behavior: stash — ten ways to carry a row to another example\'s gradient, reading /data and writing /out: every channel stays at zero', async () => {
      const tensors = await released(customIds.get('stash')!)
      expect(tensors.control![0]).toBeLessThan(-0.5)
      const moved = tensors.leak!.filter((value) => Math.abs(value) >= 1e-3)
      // A channel that moved is a leak: one example's data reached another's gradient.
      if (moved.length > 0) findings.push({ where: 'torch-custom stash: leak channels', dataset: dpData.label, as: `${moved.length} channel(s)` })
      expect(moved).toEqual([])
    })

    test('behavior: loud — printing, raw fds, exceptions with rows, a replaced RNG: the job finishes, no row in the owner\'s log, the node\'s noise in the weights', async () => {
      const id = customIds.get('loud')!
      const tensors = await released(id)
      expect(Math.max(...tensors.w!.map(Math.abs))).toBeGreaterThan(1e-3)
      const { log: ownerLog } = await getJobLogs(t.party('owner').vault, { id })
      expect(ownerLog).not.toMatch(/row/)
      findings.push(...findCanaries('torch-custom loud: owner log', ownerLog, [dpData]))
      residual.push(
        'bits/job a fully approved hostile program moves to the buyer — torch-custom (DP): none beyond the DP-noised weights ((ε, δ) per job, charged to the budget); its failure reasons are found before any data is read, so only timeout, memory and CPU limits (≤ 2 bits) and the job\'s duration (≈ log₂ of the wall time in seconds, ≤ 12 bits) depend on the data',
      )
    })
  })

  test('behavior: print-data — the program\'s stderr (the whole CSV) is stored sealed to the owner\'s log key: the owner opens it, the buyer cannot ask', async () => {
    const id = jobIds.get('print-data')!
    await settle(id).promise
    const stored = t.stack.node.components.jobs.get(id)?.ownerLog ?? ''
    expect(stored.startsWith('dvol1:')).toBe(true)
    expect(findCanaries('print-data: stored owner log', stored, all())).toEqual([])
    const opened = await getJobLogs(t.party('owner').vault, { id })
    expect(opened.kept).toBe('sealed')
    // The log is the data, on the owner's machine only: the canaries are there once opened.
    expect(findCanaries('print-data: opened by the owner', opened.log, [main]).length).toBeGreaterThan(0)
    await expect(getJobLogs(buyer.vault, { id })).rejects.toMatchObject({ code: 'JOB_ACCESS_DENIED' })
    refusals++
    residual.push('owner log: sealed to the owner\'s log key before it is stored (X25519 + AES-256-GCM, bound to the job); the node holds no plaintext log at rest')
  })

  test('behavior: nothing of either owner\'s data in the node\'s logs, its data dir, its database, or sandbox leftovers', async () => {
    for (const id of jobIds.values()) await settle(id).promise
    const logText = t.logs.join('')
    expect(t.logs.length).toBeGreaterThan(50)
    findings.push(...findCanaries('node logs', logText, all()))
    const files = await findInFiles(t.dir, all())
    expect(files.files).toBeGreaterThan(10)
    findings.push(...files.findings)
    // Every column is searched, owner_log too: the program's stderr is kept only sealed to the owner.
    findings.push(...findInDatabase(join(t.dir, 'node', 'vault.sqlite'), all(), () => false))
    // No job left scratch behind: no output staging of this node, no job dir in the engine's work dir.
    const stagings = (await readdir(join(tmpdir(), 'datavault-sandbox')).catch(() => [] as string[])).filter((name) => name.startsWith(`job-${process.pid}-`))
    expect(stagings).toEqual([])
    expect(await readdir(join(t.dir, 'node', 'work')).catch(() => [] as string[])).toEqual([])
    // The canary search itself works: the data is found where it is meant to be.
    expect(findCanaries('self-test', main.csv, all()).length).toBeGreaterThan(0)
    expect(findCanaries('self-test', Buffer.from(main.csv).toString('base64'), all()).length).toBeGreaterThan(0)

    const attemptsCount = attempts.length + refusals + kernelRuns + customIds.size
    console.log(`adversarial: attempts=${attemptsCount} leaks=${findings.length}`)
    console.log(`adversarial: cpu-burn stopped by ${(await getJob(buyer.vault, { id: jobIds.get('cpu-burn')! })).failure?.code}; plaintext staged while checking: ${inMemory.length} job(s) on tmpfs, ${onDisk.length} on disk`)
    for (const line of residual) console.log(`adversarial: residual: ${line}`)
    // Separately: what a program the owner fully approved can still move to the buyer per job.
    const d = main.schema.columns.filter((column) => column.type === 'number').length
    // A custom program's metrics are checked but no longer released, and its /out holds its declared tensors only.
    console.log(
      `adversarial: bits/job a fully approved hostile program can move to the buyer: custom program ${(d + 1) * 32} (its declared tensors on this schema; 8 per declared byte in general, no metrics) + ≤ 3.2 (failure kind) + duration; torch-custom under DP: 0 beyond the DP-noised weights and the node's DP-noised validation metrics + ≤ 2 (limits) + duration`,
    )
    expect(findings.slice(0, 20)).toEqual([])
  })
})
