import type { JobView } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { z } from 'zod'
import { jobViewSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type ListDatasetJobsParameters = { dataset: `0x${string}` }
export type ListDatasetJobsReturnType = JobView[]
/** What `listDatasetJobs` may throw. */
export type ListDatasetJobsErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * The dataset's owner lists every job on their dataset, newest first, those waiting for approval
 * of a custom algorithm included (with the outputs and parameters they would be approved for).
 *
 * @example
 * const waiting = (await listDatasetJobs(owner, { dataset })).filter((job) => job.state === 'awaiting-approval')
 */
export async function listDatasetJobs(client: VaultClient, { dataset }: ListDatasetJobsParameters): Promise<ListDatasetJobsReturnType> {
  const response = await client.request({ method: 'GET', path: `/v1/jobs?dataset=${dataset.toLowerCase()}`, doing: 'listing the jobs on a dataset', signed: true })
  return (await readResponse(response, z.looseObject({ jobs: z.array(jobViewSchema) }), 'listing the jobs on a dataset')).jobs
}
