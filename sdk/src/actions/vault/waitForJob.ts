import { DataVaultError } from '../../errors/base.ts'
import type { JobView } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { getJob } from './getJob.ts'

export type WaitForJobParameters = {
  id: string
  /** Called whenever the state or progress changes. */
  onUpdate?: (job: JobView) => void
  intervalMs?: number
  timeoutMs?: number
  signal?: AbortSignal
}
export type WaitForJobReturnType = JobView
/** What `waitForJob` may throw. */
export type WaitForJobErrorType = import('../../api/response.ts').VaultRequestErrorType | JobWaitTimeoutError

/** The job did not end in time. */
export class JobWaitTimeoutError extends DataVaultError {
  override name = 'JobWaitTimeoutError'
  constructor(id: string, timeoutMs: number) {
    super(`Job ${id} did not finish within ${Math.round(timeoutMs / 1000)} s.`, { code: 'JOB_WAIT_TIMEOUT', status: 504 })
  }
}

/**
 * Polls a job until it is `finished` or `failed` and returns it (a failed job is returned, not
 * thrown: read `failure`).
 *
 * @example
 * const done = await waitForJob(buyer, { id: job.id, onUpdate: (j) => console.log(j.state, j.progress) })
 */
export async function waitForJob(
  client: VaultClient,
  { id, onUpdate, intervalMs = 200, timeoutMs = 15 * 60_000, signal }: WaitForJobParameters,
): Promise<WaitForJobReturnType> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    const job = await getJob(client, { id, signal })
    const seen = JSON.stringify([job.state, job.progress])
    if (seen !== last) {
      last = seen
      onUpdate?.(job)
    }
    if (job.state === 'finished' || job.state === 'failed') return job
    if (Date.now() > deadline) throw new JobWaitTimeoutError(id, timeoutMs)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
