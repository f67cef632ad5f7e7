// Job start latency (order verified → trainer running): the time from the node accepting a job
// (its order checked on chain) to the trainer's first event in the sandbox, median and p95 over
// `jobs` jobs on the dev stack, split into its two phases from the job's own timings: accepted →
// provisioned (claimed, key released, inputs opened) and provisioned → started (the sandbox set
// up, inputs fed, the program started). The reference is the same trainer bundle started by plain
// Node outside the sandbox, until its first event. Target: median ≤ 100 ms. provisioned → started is
// split further by the sandbox runner's own phases (`RunResult.phases`, read by wrapping the node's
// sandbox runner): the engine until `run()`, the sandbox's set-up (uid, /out, cgroups), spawn until
// bubblewrap holds every input and the program is released, and release until `started`. With
// pre-started sandboxes (the node's default: one per environment and built-in trainer, refilled as
// each is taken) a job's sandbox is already up with the trainer's modules imported: set-up is the
// hand-over, "spawn → released" is feeding it the job, and "released → started" the trainer reading
// it; the bench counts the jobs served so and prints each job's kind.
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import type { EnvironmentCatalog, RunOptions, RunResult, RunSpec } from '@datavault/compute-to-data'
import { submitJob, waitForJob } from '@datavault/sdk'
import { startTestStack } from '../../test/fixtures/stack.ts'
import { healthCsv, healthSchema } from '../lib/synthetic-health.ts'

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

export type JobStartBench = {
  /** accepted → started, per job, ms. */
  latencies: number[]
  /** accepted → provisioned (key released, inputs opened), per job, ms. */
  provisioning: number[]
  /** provisioned → started (sandbox set up, inputs fed, program started), per job, ms. */
  sandbox: number[]
  /** The sandbox runner's split of provisioned → started, per job, ms: the engine until `run()`, set-up, spawn → released, released → `started`. */
  runner: { engine: number; setup: number; sandbox: number; program: number; prestarted: boolean; booted: boolean }[]
  /** The bundle started by plain Node until its first event, per run, ms. */
  plain: number[]
  medianMs: number
  p95Ms: number
  plainMedianMs: number
}

/** `prestart`: sandboxes the node keeps started ahead per environment and built-in trainer (the node's default 2; 0: every job starts cold, as before them). */
export async function benchJobStart({ jobs = 20, prestart = 2 } = {}): Promise<JobStartBench> {
  const t = await startTestStack({ nodeConfig: { sandboxPrestart: prestart } })
  try {
    const dataset = await t.publish({ csv: healthCsv({ rows: 200, seed: 1 }), schema: healthSchema('binary') })
    // The node's sandbox runner, wrapped to read each run's phases (when it was called, what it returned).
    // The node's components list the catalog's public side; the object is the whole catalog.
    const environments = t.stack.node.components.environments as unknown as Pick<EnvironmentCatalog, 'list' | 'runnerOf'>
    const sandboxRunner = environments.runnerOf(environments.list().find((environment) => environment.runner === 'sandbox')!)
    const runs: { calledAt: number; result: RunResult }[] = []
    const run = sandboxRunner.run.bind(sandboxRunner)
    sandboxRunner.run = async (spec: RunSpec, options?: RunOptions) => {
      const calledAt = Date.now()
      const result = await run(spec, options)
      runs.push({ calledAt, result })
      return result
    }
    const runner: JobStartBench['runner'] = []
    const latencies: number[] = []
    const provisioning: number[] = []
    const sandbox: number[] = []
    for (let i = 0; i < jobs; i++) {
      const orderTx = await t.buyAndOrder(dataset)
      const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 1 }, orderTx })
      const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 20 })
      if (done.state !== 'finished') throw new Error(`bench job failed: ${done.failure?.code}`)
      const { acceptedAt, provisionedAt, startedAt } = t.stack.node.components.jobs.require(job.id).timings
      latencies.push((startedAt ?? Number.NaN) - (acceptedAt ?? Number.NaN))
      provisioning.push((provisionedAt ?? Number.NaN) - (acceptedAt ?? Number.NaN))
      sandbox.push((startedAt ?? Number.NaN) - (provisionedAt ?? Number.NaN))
      const last = runs.at(-1)
      if (last?.result.phases && last.result.startLatencyMs !== null)
        runner.push({
          engine: last.calledAt - (provisionedAt ?? Number.NaN),
          setup: last.result.phases.setup,
          sandbox: last.result.phases.sandbox,
          program: last.result.startLatencyMs - last.result.phases.sandbox,
          prestarted: last.result.prestarted === true,
          booted: last.result.prestartedBooted === true,
        })
    }
    const bundle = t.stack.node.components.trainers.get('logistic-regression')!.bundle.path
    const plain: number[] = []
    for (let i = 0; i < jobs; i++) {
      const begin = performance.now()
      await new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [bundle], { stdio: ['ignore', 'pipe', 'ignore'] })
        child.stdout.once('data', () => {
          plain.push(performance.now() - begin)
          child.kill('SIGKILL')
        })
        child.once('exit', () => resolve())
      })
    }
    return { latencies, provisioning, sandbox, runner, plain, medianMs: quantile(latencies, 0.5), p95Ms: quantile(latencies, 0.95), plainMedianMs: quantile(plain, 0.5) }
  } finally {
    await t.stop()
  }
}

/** The bench's lines: figures, the target and whether it is met. */
export function jobStartLines(b: JobStartBench): string[] {
  const med = (values: number[]) => quantile(values, 0.5)
  return [
    `job start median ${b.medianMs.toFixed(0)} ms, p95 ${b.p95Ms.toFixed(0)} ms (target median ≤ 100 ms): ${b.medianMs <= 100 ? 'met' : 'not met'}; plain node start median ${b.plainMedianMs.toFixed(0)} ms: ratio ${(b.medianMs / b.plainMedianMs).toFixed(2)}×`,
    `  phases (medians): accepted → provisioned (key released, inputs opened) ${med(b.provisioning).toFixed(0)} ms; provisioned → started (sandbox, inputs fed, program up) ${med(b.sandbox).toFixed(0)} ms`,
    ...(b.runner.length > 0
      ? [
          `  provisioned → started, by the sandbox runner (medians): engine until run() ${med(b.runner.map((r) => r.engine)).toFixed(0)} ms, set-up (uid, /out, cgroups) ${med(b.runner.map((r) => r.setup)).toFixed(1)} ms, ` +
            `spawn → program released (bubblewrap, inputs fed) ${med(b.runner.map((r) => r.sandbox)).toFixed(1)} ms, released → started (prlimit, Node, the trainer's imports) ${med(b.runner.map((r) => r.program)).toFixed(1)} ms`,
        ]
      : []),
    `  jobs served by a pre-started sandbox: ${b.runner.filter((r) => r.prestarted).length} of ${b.latencies.length}, ${b.runner.filter((r) => r.booted).length} of them already booted (Node up, modules imported) when their job came` +
      (b.runner.some((r) => r.booted) ? `: median ${med(b.latencies.filter((_, i) => b.runner[i]?.booted)).toFixed(0)} ms` : ''),
    `  each job (accepted → started, ms; p: pre-started, b: and booted): ${b.latencies.map((v, i) => `${v.toFixed(0)}${b.runner[i]?.booted ? 'b' : b.runner[i]?.prestarted ? 'p' : ''}`).join(', ')}`,
    `  load (1, 5, 15 min) ${loadavg().map((v) => v.toFixed(1)).join(' ')} at the end`,
  ]
}

if (import.meta.main) {
  // `--cold` also measures every job starting cold (no pre-started sandboxes), first, in the same run;
  // `--prestart N` keeps N sandboxes started ahead per kind instead of the node's default 2.
  const at = process.argv.indexOf('--prestart')
  const prestart = at < 0 ? 2 : Number(process.argv[at + 1])
  if (!Number.isInteger(prestart) || prestart < 1) throw new Error('--prestart takes a whole number of sandboxes, 1 or more (0 is --cold)')
  if (process.argv.includes('--cold')) {
    console.log('cold (DATAVAULT_SANDBOX_PRESTART=0):')
    for (const text of jobStartLines(await benchJobStart({ prestart: 0 }))) console.log(`  ${text}`)
  }
  console.log(`pre-started (DATAVAULT_SANDBOX_PRESTART=${prestart}${prestart === 2 ? ', the default' : ''}):`)
  for (const text of jobStartLines(await benchJobStart({ prestart }))) console.log(text)
}
