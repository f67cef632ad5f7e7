import type { JobResultFile, JobView } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { getJob } from './getJob.ts'
import { JobWaitTimeoutError } from './waitForJob.ts'

/** Why a job failed: a stable code (`cancelled`, `timeout`, `egress-violation`, `denied`, …) and a safe message. */
export type JobFailureReason = { code: string; message: string }

/**
 * One step of a job's life, as `watchJob` reports it. Every event carries the job as the node
 * reported it (`job`); `running` events repeat as epochs advance.
 */
export type JobEvent =
  /** A custom algorithm waits for the dataset owner's approval. */
  | { type: 'awaiting-approval'; job: JobView }
  | { type: 'queued'; job: JobView }
  /** The node fetches the ciphertext, obtains the key and prepares the sandbox. */
  | { type: 'provisioning'; job: JobView }
  /** Training; `epoch` of `epochs` when the trainer reports them. */
  | { type: 'running'; epoch: number | undefined; epochs: number | undefined; job: JobView }
  /** The egress guard checks the outputs. */
  | { type: 'checking'; job: JobView }
  /** Final: outputs released; metrics checked by the egress guard. */
  | { type: 'finished'; metrics: Record<string, number>; files: JobResultFile[]; job: JobView }
  /** Final: the job failed; `reason.code` is stable. */
  | { type: 'failed'; reason: JobFailureReason; job: JobView }

export type WatchJobParameters = {
  id: string
  /** How often to ask the node, in ms; 250 by default. */
  intervalMs?: number | undefined
  /** Give up (throw `JobWaitTimeoutError`) after this long; 15 minutes by default. */
  timeoutMs?: number | undefined
  /** How many polls in a row may find the node unreachable before the error is thrown; 5 by default. */
  retries?: number | undefined
  signal?: AbortSignal | undefined
}

/** An async iterator of job events; its return value (for `next()` callers) is the final job. */
export type WatchJobReturnType = AsyncGenerator<JobEvent, JobView, undefined>

export type WatchJobErrorType =
  | JobWaitTimeoutError
  | import('../../api/transport.ts').VaultApiError
  | import('../../api/transport.ts').VaultUnreachableError

/**
 * Watches a job: an async iterator that yields an event whenever the job's state changes (and
 * for each new epoch while it runs), and ends after `finished` or `failed`. A failed job is an
 * event, not an exception: read `reason`. Stop early with `break` or `signal`.
 *
 * @example
 * for await (const event of watchJob(buyer, { id: job.id })) {
 *   if (event.type === 'running') console.log(`epoch ${event.epoch}/${event.epochs}`)
 *   if (event.type === 'failed') console.error(event.reason.code, event.reason.message)
 * }
 */
export async function* watchJob(
  client: VaultClient,
  { id, intervalMs = 250, timeoutMs = 15 * 60_000, retries = 5, signal }: WatchJobParameters,
): WatchJobReturnType {
  const deadline = Date.now() + timeoutMs
  let last: string | undefined
  let unreachable = 0
  for (;;) {
    signal?.throwIfAborted()
    let job: JobView
    try {
      job = await getJob(client, { id, signal })
      unreachable = 0
    } catch (error) {
      if (signal?.aborted || (error as { code?: string }).code !== 'VAULT_UNREACHABLE' || ++unreachable > retries) throw error
      await sleep(intervalMs * unreachable, signal)
      continue
    }
    const event = toJobEvent(job)
    const key = event.type === 'running' ? `running:${event.epoch ?? ''}/${event.epochs ?? ''}` : event.type
    if (key !== last) {
      last = key
      yield event
    }
    if (event.type === 'finished' || event.type === 'failed') return job
    if (Date.now() > deadline) throw new JobWaitTimeoutError(id, timeoutMs)
    await sleep(intervalMs, signal)
  }
}

/** The event a job's current view stands for. */
export function toJobEvent(job: JobView): JobEvent {
  switch (job.state) {
    case 'running':
      return { type: 'running', epoch: job.progress?.epoch, epochs: job.progress?.epochs, job }
    case 'finished':
      return { type: 'finished', metrics: job.metrics ?? {}, files: job.result?.files ?? [], job }
    case 'failed':
      return { type: 'failed', reason: job.failure ?? { code: 'unknown', message: 'The node gave no reason.' }, job }
    default:
      return { type: job.state, job }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
