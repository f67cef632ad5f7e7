// Following a job until it ends: state changes as notes, epochs as a progress bar.
import { getJob } from '@datavault/sdk'
import { watchJob } from '@datavault/sdk'
import type { JobView } from '@datavault/sdk'
import type { VaultClient } from '@datavault/sdk'
import { CliInterruptedError, CliNotFoundError } from './errors.ts'
import type { Output } from './output.ts'

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
 * Follows a job (the SDK's watchJob) until it is `finished` or `failed` and returns it: state
 * changes as notes, epochs as a bar. Ctrl-C stops watching (the job goes on) with exit 130.
 */
export async function followJob(vault: VaultClient, id: string, { output, signal }: { output: Output; signal: AbortSignal }): Promise<JobView> {
  const epochs = output.progress('training', { unit: 'epochs' })
  let runningNoted = false
  try {
    // No time limit of its own: a person can Ctrl-C, a script can use `timeout`.
    const events = watchJob(vault, { id, intervalMs: 300, timeoutMs: 30 * 24 * 3600_000, signal })
    for (;;) {
      const next = await events.next()
      if (next.done) return next.value
      const event = next.value
      if (event.type === 'running') {
        if (event.epochs) epochs.update(event.epoch ?? 0, event.epochs)
        else if (!runningNoted) output.note('job running')
        runningNoted = true
      } else if (event.type === 'finished' || event.type === 'failed') {
        epochs.done(event.type === 'finished' && event.job.progress?.epochs ? `${event.job.progress.epochs} epochs done` : undefined)
        output.note(`job ${event.type}`)
      } else {
        output.note(`job ${event.type}`)
        if (event.type === 'awaiting-approval') output.note('  (a custom algorithm waits for the dataset owner: `datavault approve`)')
      }
    }
  } catch (error) {
    if (signal.aborted) throw new CliInterruptedError(`Stopped watching; job ${id} goes on (follow it with \`datavault jobs --watch ${id}\`).`)
    if ((error as { status?: number }).status === 404)
      throw new CliNotFoundError(`The vault node at ${vault.url} has no job ${id}.`, { code: 'JOB_NOT_FOUND', details: 'List yours with `datavault jobs`.' })
    throw error
  } finally {
    epochs.done()
  }
}

/** A job in a few plain lines. */
export function describeJob(job: JobView): string[] {
  const progress = job.progress?.epochs ? ` (epoch ${job.progress.epoch ?? 0}/${job.progress.epochs})` : ''
  const outputs = job.trainer.outputs
  return [
    `job:      ${job.id}`,
    `state:    ${job.state}${job.state === 'running' ? progress : ''}`,
    `dataset:  ${job.dataset}`,
    `buyer:    ${job.buyer}`,
    job.trainer.id === 'custom' ? `program:  custom ${job.trainer.version} algorithm ${job.trainer.hash}` : `trainer:  ${job.trainer.id}@${job.trainer.version}`,
    ...(outputs
      ? [
          `outputs:  declared ${outputs.tensors.map((tensor) => `${tensor.name} ${tensor.dtype}[${tensor.shape.join(',')}]`).join(', ')}${outputs.metrics?.length ? `; metrics ${outputs.metrics.join(', ')}` : ''}`,
        ]
      : []),
    ...(job.environment ? [`env:      ${job.environment}`] : []),
    ...(job.params && Object.keys(job.params).length > 0 ? [`params:   ${JSON.stringify(job.params)}`] : []),
    ...(job.failure ? [`failure:  ${job.failure.code}: ${job.failure.message}`] : []),
    ...(job.metrics ? [`metrics:  ${formatMetrics(job.metrics)}`] : []),
    ...(job.result ? [`files:    ${job.result.files.map((file) => `${file.name} (${file.bytes} bytes)`).join(', ')}`] : []),
    `updated:  ${job.updatedAt}`,
  ]
}

/** Metrics as `loss=0.3121 accuracy=0.8800`. */
export function formatMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([name, value]) => `${name}=${Number.isInteger(value) ? value : value.toPrecision(4)}`)
    .join(' ')
}
