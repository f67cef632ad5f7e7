// kill -9 at each step of a job's life, against a node process separate from its chain. The node
// SIGKILLs itself at the exact point (see fixtures/node-process.ts) or, where the job rests in a
// state (queued behind another, awaiting approval), the test kills it there. After each restart:
// every job ends or can go on, the same order pays for a retry once and only once, no ε stays
// reserved for a dead job, no plaintext is on disk, and every stored block matches its CID.
import { readFile, readdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Hex } from 'viem'
import {
  type JobView,
  approveJob,
  cancelJob,
  downloadOutput,
  getJob,
  getPrivacyUsage,
  listJobs,
  submitJob,
  uploadAlgorithm,
  uploadCiphertext,
  waitForJob,
} from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { columnMeansProgram } from '../fixtures/programs.ts'
import { type FaultStack, type NodeProcess, bytesUnder, filesContaining, startFaultStack, verifyBlocks } from './fixtures/fault-stack.ts'
import type { NodeFault } from './fixtures/node-process.ts'
import { fullRun, record } from './fixtures/report.ts'

/** A value that appears once in the plaintext and nowhere else: found on disk, it is a leak. */
const marker = '31.4159265358979'
const csv = healthCsv({ rows: 300, seed: 15 }).replace(/\n(\d+),[^,]+,/, `\n$1,${marker},`)
const schema = healthSchema('binary', { rows: 300 })
const lrParams = { label: 'risk', epochs: 2 }
const dp = { noiseMultiplier: 1.1, maxGradNorm: 1, delta: 1e-5 }
const dpParams = { label: 'risk', epochs: 1, batchSize: 100, learningRate: 0.5, dp }

let t: FaultStack
let node: NodeProcess | undefined
let plain: Awaited<ReturnType<FaultStack['publish']>>
let private_: Awaited<ReturnType<FaultStack['publish']>>

beforeAll(async () => {
  t = await startFaultStack()
  node = await t.node()
  expect(csv).toContain(marker)
  plain = await t.publish({ csv, schema, policy: { trainers: ['logistic-regression', 'test-blocker'] } })
  private_ = await t.publish({
    csv,
    schema,
    name: 'dp dataset',
    policy: { trainers: ['logistic-regression', 'test-blocker'], privacyBudget: { epsilon: 100, delta: 1e-4 } },
  })
})
afterAll(async () => {
  await t?.stop()
})

/** Arms the running node process to SIGKILL itself at `fault`. */
const armed = (fault: NodeFault) => node!.arm(fault)

/** Waits until the node process armed for it has killed itself, and starts it again, unarmed. */
async function restartAfterKill(): Promise<void> {
  const { signal } = await node!.exited
  expect(signal).toBe('SIGKILL')
  node = await t.node()
}

const settled = (job: JobView) => job.state === 'finished' || job.state === 'failed'

/** Polls the job until `ready` holds for it (a state it rests in, set by the test). */
async function until(id: string, ready: (job: JobView) => boolean): Promise<JobView> {
  for (;;) {
    const job = await getJob(t.buyer.vault, { id })
    if (ready(job)) return job
    if (settled(job)) throw new Error(`job ${id} ended (${job.state}: ${job.failure?.code}) before the point the test waits for`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * What a restart must leave, for the jobs `orders` paid for: each job ends; an order whose job
 * failed without charge pays for one retry that finishes; no order pays twice; nothing of the
 * dataset's plaintext is on disk; every block verifies. Returns what was lost (empty when nothing).
 */
async function afterRestart(dataset: { datatoken: `0x${string}` }, orders: Hex[], { retry = { trainer: 'logistic-regression', params: lrParams } } = {}): Promise<string[]> {
  const lost: string[] = []
  for (const orderTx of orders) {
    let last: JobView | undefined
    const submit = () => submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: retry.trainer }, params: retry.params, orderTx })
    const attempt = await submit().catch((error: { code?: string }) => error)
    if ('id' in attempt) {
      // The order was free again: its earlier job must have failed without charge.
      last = await waitForJob(t.buyer.vault, { id: attempt.id, intervalMs: 50 })
      if (last.state !== 'finished') lost.push(`retry with order ${orderTx.slice(0, 10)} ended ${last.state} (${last.failure?.code})`)
    } else if (attempt.code !== 'ORDER_ALREADY_USED') lost.push(`order ${orderTx.slice(0, 10)}: retry refused with ${attempt.code}`)
    const again = await submit().catch((error: { code?: string }) => error)
    if ('id' in again) lost.push(`order ${orderTx.slice(0, 10)} paid for two jobs`)
    else if (again.code !== 'ORDER_ALREADY_USED') lost.push(`order ${orderTx.slice(0, 10)}: second retry refused with ${again.code}`)
  }
  for (const job of await listJobs(t.buyer.vault)) {
    const now = settled(job) || job.state === 'awaiting-approval' ? job : await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    if (!settled(now) && now.state !== 'awaiting-approval') lost.push(`job ${job.id} stuck in ${now.state}`)
    if (now.state === 'failed' && !['interrupted', 'cancelled', 'withdrawn', 'denied'].includes(now.failure?.code ?? ''))
      lost.push(`job ${job.id} failed with ${now.failure?.code}`)
  }
  const usage = await getPrivacyUsage(t.owner.vault, { dataset: private_.datatoken })
  if (usage.reserved.epsilon !== 0) lost.push(`ε ${usage.reserved.epsilon} reserved with no job running`)
  const leaks = await filesContaining([t.dir, '/dev/shm/datavault', '/dev/shm/datavault-sandbox'], marker)
  if (leaks.length) lost.push(`plaintext on disk: ${leaks.join(', ')}`)
  const blocks = await verifyBlocks(`${t.dataDir}/ipfs`)
  if (blocks.bad.length) lost.push(`${blocks.bad.length} of ${blocks.checked} blocks do not match their CID`)
  if (blocks.checked === 0) lost.push('no blocks stored')
  return lost
}

/** The kill points `npm test` runs (the others run in `npm run reliability`): a job in the sandbox, one queued behind it, an ε reservation. */
const shortRun = new Set(['running', 'queued job behind', 'DP job with a reservation'])

/** `test`, or `test.skip` with the reason in its name for a kill point only the full run takes. */
const killPoint =
  (name: string) =>
  (title: string, options: { timeout: number }, fn: () => Promise<void>) =>
    fullRun || shortRun.has(name) ? test(title, options, fn) : test.skip(`${title} (skipped in npm test: only npm run reliability takes this kill point)`, options, fn)
/** A kill, its restart and its checks take minutes on a loaded 2-core machine. */
const timeout = 300_000

async function faultCase(name: string, run: () => Promise<string[]>) {

  const lost = await run()
  record({ kind: 'fault', name: `kill -9 ${name}`, survived: lost.length === 0, lost })
  expect(lost).toEqual([])
}

describe('kill -9 at each step of a job', () => {
  killPoint('after submit')('behavior: after submit (the job stored, its 201 not yet sent): the job runs after the restart and its order pays once', { timeout }, () =>
    faultCase('after submit', async () => {
      const [orderTx] = await t.buyOrders(plain, 1)
      await armed({ kind: 'submit' })
      await expect(submitJob(t.buyer.vault, { dataset: plain.datatoken, trainer: { id: 'logistic-regression' }, params: lrParams, orderTx: orderTx! })).rejects.toThrow()
      await restartAfterKill()
      return afterRestart(plain, [orderTx!])
    }))

  killPoint('provisioning')('behavior: provisioning (claimed, inputs not yet open): failed as interrupted, the order pays for a retry', { timeout }, () =>
    faultCase('provisioning', async () => {
      const [orderTx] = await t.buyOrders(plain, 1)
      await armed({ kind: 'state', state: 'provisioning' })
      await submitJob(t.buyer.vault, { dataset: plain.datatoken, trainer: { id: 'logistic-regression' }, params: lrParams, orderTx: orderTx! }).catch(() => {})
      await restartAfterKill()
      return afterRestart(plain, [orderTx!])
    }))

  killPoint('running')('behavior: running (the program inside the sandbox reported an epoch): failed as interrupted, the sandbox died with the node', { timeout }, () =>
    faultCase('running', async () => {
      const [orderTx] = await t.buyOrders(plain, 1)
      const job = await submitJob(t.buyer.vault, { dataset: plain.datatoken, trainer: { id: 'test-blocker' }, params: lrParams, orderTx: orderTx! })
      await until(job.id, (view) => view.state === 'running' && (view.progress?.epoch ?? 0) >= 1)
      const sandbox = await descendants(node!.pid)
      expect(sandbox.length).toBeGreaterThan(0)
      await node!.kill9()
      node = await t.node()
      const lost = await afterRestart(plain, [orderTx!])
      const left = await stillRunning(sandbox)
      if (left.length) lost.push(`sandbox processes outlived the node: ${left.join('; ')}`)
      return lost
    }))

  killPoint('checking')('behavior: checking (the program ended, the egress guard at work): failed as interrupted, nothing released', { timeout }, () =>
    faultCase('checking', async () => {
      const [orderTx] = await t.buyOrders(plain, 1)
      await armed({ kind: 'state', state: 'checking' })
      const job = await submitJob(t.buyer.vault, { dataset: plain.datatoken, trainer: { id: 'logistic-regression' }, params: lrParams, orderTx: orderTx! })
      await restartAfterKill()
      const lost = await afterRestart(plain, [orderTx!])
      const released = await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' }).then(
        () => true,
        () => false,
      )
      if (released) lost.push('outputs of a job killed while checking were released')
      return lost
    }))

  killPoint('during output staging')('behavior: during output staging (outputs written, not yet in place): failed as interrupted, nothing released, the staged files removed', { timeout }, () =>
    faultCase('during output staging', async () => {
      const [orderTx] = await t.buyOrders(plain, 1)
      await armed({ kind: 'staging' })
      const job = await submitJob(t.buyer.vault, { dataset: plain.datatoken, trainer: { id: 'logistic-regression' }, params: lrParams, orderTx: orderTx! })
      await restartAfterKill()
      const lost = await afterRestart(plain, [orderTx!])
      const killed = await getJob(t.buyer.vault, { id: job.id })
      if (killed.state !== 'failed' || killed.failure?.code !== 'interrupted') lost.push(`a job killed while staging is ${killed.state} (${killed.failure?.code})`)
      const released = await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' }).then(
        () => true,
        () => false,
      )
      if (released) lost.push('outputs of a job killed while staging were released')
      const staged = (await readdir(`${t.dataDir}/results`)).filter((name) => name.endsWith('.partial'))
      if (staged.length) lost.push(`staged outputs left after the restart: ${staged.join(', ')}`)
      return lost
    }))

  killPoint('finished before download')('behavior: finished, before the download: the outputs and receipt download after the restart', { timeout }, () =>
    faultCase('finished before download', async () => {
      const [orderTx] = await t.buyOrders(plain, 1)
      await armed({ kind: 'state', state: 'finished' })
      const job = await submitJob(t.buyer.vault, { dataset: plain.datatoken, trainer: { id: 'logistic-regression' }, params: lrParams, orderTx: orderTx! })
      await restartAfterKill()
      const lost: string[] = []
      const done = await getJob(t.buyer.vault, { id: job.id })
      if (done.state !== 'finished') lost.push(`finished job is ${done.state} after the restart`)
      else await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' }).catch((error: Error) => lost.push(`download: ${error.message}`))
      return [...lost, ...(await afterRestart(plain, [orderTx!]))]
    }))

  killPoint('during a cancel')('behavior: during a cancel (the sandbox aborted, the job not yet failed): the job ends and its order is not spent twice', { timeout }, () =>
    faultCase('during a cancel', async () => {
      const [orderTx] = await t.buyOrders(plain, 1)
      await armed({ kind: 'cancel' })
      const job = await submitJob(t.buyer.vault, { dataset: plain.datatoken, trainer: { id: 'test-blocker' }, params: lrParams, orderTx: orderTx! })
      await until(job.id, (view) => view.state === 'running' && (view.progress?.epoch ?? 0) >= 1)
      await expect(cancelJob(t.buyer.vault, { id: job.id })).rejects.toThrow()
      await restartAfterKill()
      return afterRestart(plain, [orderTx!])
    }))

  killPoint('queued job behind')('behavior: with a queued job behind a running one: the running one is interrupted, the queued one runs after the restart', { timeout }, () =>
    faultCase('queued job behind', async () => {
      const [first, second] = await t.buyOrders(plain, 2)
      const job = await submitJob(t.buyer.vault, { dataset: plain.datatoken, trainer: { id: 'test-blocker' }, params: lrParams, orderTx: first! })
      await until(job.id, (view) => view.state === 'running')
      const behind = await submitJob(t.buyer.vault, { dataset: plain.datatoken, trainer: { id: 'logistic-regression' }, params: lrParams, orderTx: second! })
      expect(behind.state).toBe('queued')
      await node!.kill9()
      node = await t.node()
      const lost: string[] = []
      const ran = await waitForJob(t.buyer.vault, { id: behind.id, intervalMs: 50 })
      if (ran.state !== 'finished') lost.push(`the queued job ended ${ran.state} (${ran.failure?.code})`)
      return [...lost, ...(await afterRestart(plain, [first!, second!]))]
    }))

  killPoint('awaiting approval')('behavior: awaiting the owner\'s approval: still waiting after the restart, runs once approved', { timeout }, () =>
    faultCase('awaiting approval', async () => {
      const [orderTx] = await t.buyOrders(plain, 1)
      const { hash } = await uploadAlgorithm(t.buyer.vault, { code: columnMeansProgram })
      const outputs = { tensors: [{ name: 'means', dtype: 'F32' as const, shape: [7] }], metrics: ['rows'] }
      const job = await submitJob(t.buyer.vault, { dataset: plain.datatoken, algorithm: { hash, outputs }, params: {}, orderTx: orderTx! })
      expect(job.state).toBe('awaiting-approval')
      await node!.kill9()
      node = await t.node()
      const lost: string[] = []
      if ((await getJob(t.buyer.vault, { id: job.id })).state !== 'awaiting-approval') lost.push('the job no longer awaits approval')
      await approveJob(t.owner.vault, { id: job.id })
      const ran = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
      if (ran.state !== 'finished') lost.push(`approved after the restart, the job ended ${ran.state} (${ran.failure?.code})`)
      return [...lost, ...(await afterRestart(plain, [orderTx!]))]
    }))

  killPoint('DP job with a reservation')('behavior: a DP job with its ε reserved, killed while running: the reservation is released, nothing is spent, the retry spends once', { timeout }, () =>
    faultCase('DP job with a reservation', async () => {
      const [orderTx] = await t.buyOrders(private_, 1)
      await armed({ kind: 'state', state: 'running', epoch: true })
      await submitJob(t.buyer.vault, { dataset: private_.datatoken, trainer: { id: 'test-blocker' }, params: dpParams, orderTx: orderTx! })
      await restartAfterKill()
      const lost: string[] = []
      const usage = await getPrivacyUsage(t.owner.vault, { dataset: private_.datatoken })
      if (usage.reserved.epsilon !== 0 || usage.spent.epsilon !== 0) lost.push(`after the kill: reserved ε ${usage.reserved.epsilon}, spent ε ${usage.spent.epsilon}`)
      lost.push(...(await afterRestart(private_, [orderTx!], { retry: { trainer: 'logistic-regression', params: dpParams } })))
      const after = await getPrivacyUsage(t.owner.vault, { dataset: private_.datatoken })
      if (!(after.spent.epsilon > 0) || after.reserved.epsilon !== 0) lost.push(`after the retry: reserved ε ${after.reserved.epsilon}, spent ε ${after.spent.epsilon}`)
      return lost
    }))

  killPoint('during an upload')('behavior: during an upload (2 MiB of 8 in IPFS): nothing of it stays stored, the next upload works', { timeout }, () =>
    faultCase('during an upload', async () => {
      const before = await bytesUnder(`${t.dataDir}/ipfs/blocks`)
      await armed({ kind: 'upload', afterBytes: 2 * 1024 ** 2 })
      const body = new Uint8Array(8 * 1024 ** 2).map((_, index) => (index * 7919) & 0xff)
      await expect(uploadCiphertext(t.owner.vault, { body })).rejects.toThrow()
      await restartAfterKill()
      // The first add waits for the start-up collection of blocks no pin reaches.
      const small = await uploadCiphertext(t.owner.vault, { body: new Uint8Array(1000).fill(5) })
      const after = await bytesUnder(`${t.dataDir}/ipfs/blocks`)
      const lost = after - before > small.size + 64 * 1024 ? [`${after - before - small.size} bytes of the killed upload stayed on disk`] : []
      return [...lost, ...(await afterRestart(plain, []))]
    }))
})

type Process = { pid: number; cmdline: string }

/** The processes below `root` (by parent pid), with their command lines. */
async function descendants(root: number): Promise<Process[]> {
  const parents = new Map<number, number>()
  const cmdlines = new Map<number, string>()
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // pid (comm) state ppid …; comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    parents.set(Number(entry), ppid)
    cmdlines.set(Number(entry), await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''))
  }
  const below = (pid: number): boolean => {
    for (let parent = parents.get(pid); parent !== undefined && parent > 1; parent = parents.get(parent)) if (parent === root) return true
    return false
  }
  return [...parents.keys()].filter(below).map((pid) => ({ pid, cmdline: cmdlines.get(pid) ?? '' }))
}

/** Those of `processes` that still run (same pid, same command line). */
async function stillRunning(processes: Process[]): Promise<string[]> {
  const left: string[] = []
  for (const { pid, cmdline } of processes) {
    const now = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined)
    if (now !== undefined && now !== '' && now === cmdline) left.push(`${pid} ${cmdline.replaceAll('\0', ' ').slice(0, 60)}`)
  }
  return left
}
