import type { JobQuote, QuoteJobBody } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { jobQuoteSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type QuoteJobParameters = QuoteJobBody
export type QuoteJobReturnType = JobQuote
export type QuoteJobErrorType = import('../../api/response.ts').VaultRequestErrorType

/** ε above which a job's quote deserves a warning: a guarantee this weak protects little (documented in docs/policy.md). */
export const largeEpsilon = 10

/**
 * Asks the node what submitting a job would do, before anything is bought or ordered: the same
 * checks as `submitJob` (policy, parameters against the schema, environment, privacy budget) except
 * the order. Answers `accepted: false` with the `refusal` submission would give, the parameters the
 * job would run with (a `dp.targetEpsilon` turned into the noise multiplier the node's accountant
 * calibrates), and under DP the ε and δ it would spend and what would be left of the budget.
 * Unsigned: it changes nothing on the node and reads only what the dataset view shows.
 *
 * @example
 * const quote = await quoteJob(client, { dataset, trainer: { id: 'logistic-regression' }, params: { label: 'risk', dp: { targetEpsilon: 3, maxGradNorm: 1 } } })
 * if (!quote.accepted) throw new Error(quote.refusal!.message)
 * quote.privacy // { epsilon: 2.99…, delta: 1e-5, noiseMultiplier: 1.04…, remaining: { epsilon: 7.0…, delta: … }, … }
 */
export async function quoteJob(client: VaultClient, params: QuoteJobParameters): Promise<QuoteJobReturnType> {
  const response = await client.request({ method: 'POST', path: '/v1/jobs/quote', doing: 'quoting a job', json: params })
  return await readResponse(response, jobQuoteSchema, 'quoting a job')
}
