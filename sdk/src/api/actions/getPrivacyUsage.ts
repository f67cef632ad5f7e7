import type { VaultClient } from '../transport.ts'

/** A dataset's privacy budget: what its owner allows, what jobs spent and hold, and what is left. */
export type GetPrivacyUsageReturnType = {
  budget: { epsilon: number; delta: number } | null
  spent: { epsilon: number; delta: number }
  reserved: { epsilon: number; delta: number }
  remaining: { epsilon: number; delta: number } | null
}

/**
 * Reads a dataset's privacy budget and how much of it is left (`budget: null` when the dataset
 * has none; then jobs may run without differential privacy).
 *
 * @example
 * const { remaining } = await getPrivacyUsage(client, { dataset })
 */
export async function getPrivacyUsage(client: VaultClient, { dataset }: { dataset: `0x${string}` }): Promise<GetPrivacyUsageReturnType> {
  const response = await client.request({ method: 'GET', path: `/v1/datasets/${dataset.toLowerCase()}/privacy`, doing: 'reading the privacy budget' })
  return (await response.json()) as GetPrivacyUsageReturnType
}
