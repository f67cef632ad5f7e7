import { z } from 'zod'
import type { VaultClient } from '../../api/transport.ts'
import { readResponse } from '../../api/response.ts'

/** A dataset's privacy budget: what its owner allows, what jobs spent and hold, and what is left. */
const budgetSchema = z.looseObject({ epsilon: z.number(), delta: z.number() })
const privacyUsageSchema = z.looseObject({ budget: budgetSchema.nullable(), spent: budgetSchema, reserved: budgetSchema, remaining: budgetSchema.nullable() })

export type GetPrivacyUsageParameters = { dataset: `0x${string}` }
export type GetPrivacyUsageReturnType = {
  budget: { epsilon: number; delta: number } | null
  spent: { epsilon: number; delta: number }
  reserved: { epsilon: number; delta: number }
  remaining: { epsilon: number; delta: number } | null
}
/** What `getPrivacyUsage` may throw. */
export type GetPrivacyUsageErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Reads a dataset's privacy budget and how much of it is left (`budget: null` when the dataset
 * has none; then jobs may run without differential privacy).
 *
 * @example
 * const { remaining } = await getPrivacyUsage(client, { dataset })
 */
export async function getPrivacyUsage(client: VaultClient, { dataset }: GetPrivacyUsageParameters): Promise<GetPrivacyUsageReturnType> {
  const response = await client.request({ method: 'GET', path: `/v1/datasets/${dataset.toLowerCase()}/privacy`, doing: 'reading the privacy budget' })
  return await readResponse(response, privacyUsageSchema, 'reading the privacy budget')
}
