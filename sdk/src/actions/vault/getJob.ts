import { readResponse } from '../../api/response.ts'
import { type JobView, jobViewSchema } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'

export type GetJobParameters = { id: string; signal?: AbortSignal }
export type GetJobReturnType = JobView
/** What `getJob` may throw. */
export type GetJobErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Reads a job's state, progress, metrics and outputs. Signed: only its buyer or the dataset's owner may.
 *
 * @example
 * const job = await getJob(buyer, { id })
 */
export async function getJob(client: VaultClient, { id, signal }: GetJobParameters): Promise<GetJobReturnType> {
  const response = await client.request({ method: 'GET', path: `/v1/jobs/${encodeURIComponent(id)}`, doing: 'reading a job', signed: true, signal })
  return readResponse(response, jobViewSchema, 'reading a job')
}
