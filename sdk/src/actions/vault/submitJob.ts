import type { JobView, SubmitJobBody } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { jobViewSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type SubmitJobParameters = SubmitJobBody
export type SubmitJobReturnType = JobView
export type SubmitJobErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Submits a training job paid by an order (`startOrder` tx). The node verifies the order on chain
 * before it queues the job. Signed by the buyer, who must be the order's consumer.
 *
 * @example
 * const job = await submitJob(buyer, { dataset, trainer: { id: 'logistic-regression' }, params: { label: 'disease' }, orderTx })
 */
export async function submitJob(client: VaultClient, params: SubmitJobParameters): Promise<SubmitJobReturnType> {
  const response = await client.request({ method: 'POST', path: '/v1/jobs', doing: 'submitting a job', json: params, signed: true })
  return await readResponse(response, jobViewSchema, 'submitting a job')
}
