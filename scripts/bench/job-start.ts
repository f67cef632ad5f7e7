// Job start latency (order verified → trainer running): the time from the node accepting a job
// (its order checked on chain) to the trainer's first event in the sandbox, median and p95 over
// `jobs` jobs on the dev stack, split into its two phases from the job's own timings: accepted →
// provisioned (claimed, key released, inputs opened) and provisioned → started (the sandbox set
// up, inputs fed, the program started). The reference is the same trainer bundle started by plain
// Node outside the sandbox, until its first event. Target: median ≤ 100 ms.
import { spawn } from 'node:child_process'
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
  /** The bundle started by plain Node until its first event, per run, ms. */
  plain: number[]
  medianMs: number
  p95Ms: number
  plainMedianMs: number
}

export async function benchJobStart({ jobs = 20 } = {}): Promise<JobStartBench> {
  const t = await startTestStack()
  try {
    const dataset = await t.publish({ csv: healthCsv({ rows: 200, seed: 1 }), schema: healthSchema('binary') })
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
    return { latencies, provisioning, sandbox, plain, medianMs: quantile(latencies, 0.5), p95Ms: quantile(latencies, 0.95), plainMedianMs: quantile(plain, 0.5) }
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
    `  each job (accepted → started, ms): ${b.latencies.map((v) => v.toFixed(0)).join(', ')}`,
  ]
}

if (import.meta.main) for (const text of jobStartLines(await benchJobStart())) console.log(text)
