import { z } from 'zod'
import { type ComputeEnvironment, computeEnvironmentSchema } from '../../api/schemas.ts'
import { readResponse, type VaultResponseError } from '../../api/response.ts'
import type { VaultApiError, VaultClient } from '../../api/transport.ts'

export type GetEnvironmentsReturnType = ComputeEnvironment[]
export type GetEnvironmentsErrorType = VaultApiError | VaultResponseError

// Fields a newer node adds are dropped, not refused: what an operator declares is strict, what a client reads is not.
const responseSchema = z.object({ environments: z.array(computeEnvironmentSchema.strip()) })

/**
 * Lists the compute environments a node offers: each one's runtime (`node`, `python`,
 * `pytorch`), the CPU, memory and GPU a job gets, and the runner (the node's `sandbox`, or
 * `kubernetes` with its image pinned by digest). A job names one with `environment`; a dataset's
 * policy may allow only some.
 *
 * @example
 * const environments = await getEnvironments(client)
 * const gpu = environments.find((environment) => environment.gpu > 0)
 */
export async function getEnvironments(client: VaultClient): Promise<GetEnvironmentsReturnType> {
  const response = await client.request({ method: 'GET', path: '/v1/environments', doing: 'listing compute environments' })
  return (await readResponse(response, responseSchema, 'listing compute environments')).environments
}
