// Following a job until it ends: state changes as notes, epochs as a progress bar.
import { getJob } from '../api/actions/getJob.ts'
import type { JobView } from '../api/schemas.ts'
import type { VaultClient } from '../api/transport.ts'
import { CliInterruptedError, CliNotFoundError } from './errors.ts'
import type { Output } from './output.ts'

/** Whether a job state is final. */
export function isFinal(job: JobView): boolean {
  return job.state === 'finished' || job.state === 'failed'
}

/** Reads a job; the node's 404 becomes `JOB_NOT_FOUND` (exit 4). */
export async function requireJob(vault: VaultClient, id: string, signal?: AbortSignal): Promise<JobView> {
  try {
    return await getJob(vault, { id, ...(signal ? { signal } : {}) })
  } catch (error) {
    if ((error as { status?: number }).status === 404)
      throw new CliNotFoundError(`The vault node at ${vault.url} has no job ${id}.`, { code: 'JOB_NOT_FOUND', details: 'List yours with `datavault jobs`.' })
    throw error
  }
}

/**
 * Polls a job until it is `finished` or `failed` and returns it. Ctrl-C stops watching (the job
 * goes on) with exit 130; a node that stops answering is retried a few times.
 */
export async function followJob(
  vault: VaultClient,
  id: string,
  { output, signal, intervalMs = 300 }: { output: Output; signal: AbortSignal; intervalMs?: number },
): Promise<JobView> {
  const epochs = output.progress('training', { unit: 'epochs' })
  let lastState = ''
  let failures = 0
  try {
    for (;;) {
      if (signal.aborted) throw new CliInterruptedError(`Stopped watching; job ${id} goes on (follow it with \`datavault jobs --watch ${id}\`).`)
      let job: JobView
      try {
        job = await requireJob(vault, id)
        failures = 0
      } catch (error) {
        if ((error as { code?: string }).code !== 'VAULT_UNREACHABLE' || ++failures > 5) throw error
        await sleep(intervalMs * failures, signal)
        continue
      }
      if (job.state !== lastState) {
        lastState = job.state
        if (job.state !== 'running' && !isFinal(job)) output.note(`job ${job.state}`)
        if (job.state === 'awaiting-approval') output.note('  (a custom algorithm waits for the dataset owner: `datavault approve`)')
      }
      if (job.state === 'running' && job.progress?.epochs) epochs.update(job.progress.epoch ?? 0, job.progress.epochs)
      if (isFinal(job)) {
        epochs.done(job.state === 'finished' && job.progress?.epochs ? `${job.progress.epochs} epochs done` : undefined)
        output.note(`job ${job.state}`)
        return job
      }
      await sleep(intervalMs, signal)
    }
  } finally {
    epochs.done()
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** A job in a few plain lines. */
export function describeJob(job: JobView): string[] {
  const progress = job.progress?.epochs ? ` (epoch ${job.progress.epoch ?? 0}/${job.progress.epochs})` : ''
  return [
    `job:      ${job.id}`,
    `state:    ${job.state}${job.state === 'running' ? progress : ''}`,
    `dataset:  ${job.dataset}`,
    `trainer:  ${job.trainer.id}@${job.trainer.version}`,
    ...(job.failure ? [`failure:  ${job.failure.code}: ${job.failure.message}`] : []),
    ...(job.metrics ? [`metrics:  ${formatMetrics(job.metrics)}`] : []),
    ...(job.result ? [`outputs:  ${job.result.files.map((file) => `${file.name} (${file.bytes} bytes)`).join(', ')}`] : []),
    `updated:  ${job.updatedAt}`,
  ]
}

/** Metrics as `loss=0.3121 accuracy=0.8800`. */
export function formatMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([name, value]) => `${name}=${Number.isInteger(value) ? value : value.toPrecision(4)}`)
    .join(' ')
}
