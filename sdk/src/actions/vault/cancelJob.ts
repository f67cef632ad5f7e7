import type { JobView } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { jobViewSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type CancelJobParameters = { id: string }
export type CancelJobReturnType = JobView
export type CancelJobErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * The buyer cancels a job: one still waiting (queued, awaiting approval) fails at once as
 * `cancelled`; a running one is stopped, then fails as `cancelled`. The order is released, so it
 * can pay for another job. Answers the job as it is after the request (a running job may still
 * show `running` for a moment: `watchJob` sees it end). Signed by the buyer.
 *
 * @example
 * const job = await cancelJob(buyer, { id })
 */
export async function cancelJob(client: VaultClient, { id }: CancelJobParameters): Promise<CancelJobReturnType> {
  const response = await client.request({ method: 'POST', path: `/v1/jobs/${encodeURIComponent(id)}/cancel`, doing: 'cancelling a job', signed: true })
  return await readResponse(response, jobViewSchema, 'cancelling a job')
}
