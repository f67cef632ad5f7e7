import type { JobView } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { z } from 'zod'
import { jobViewSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type ListJobsParameters = { signal?: AbortSignal | undefined }
export type ListJobsReturnType = JobView[]
export type ListJobsErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Lists the signing buyer's jobs on this node, newest first. Signed.
 *
 * @example
 * const running = (await listJobs(buyer)).filter((job) => job.state === 'running')
 */
export async function listJobs(client: VaultClient, { signal }: ListJobsParameters = {}): Promise<ListJobsReturnType> {
  const response = await client.request({ method: 'GET', path: '/v1/jobs', doing: 'listing jobs', signed: true, signal })
  return (await readResponse(response, z.looseObject({ jobs: z.array(jobViewSchema) }), 'listing jobs')).jobs
}
