import type { DatasetView } from '../schemas.ts'
import type { VaultClient } from '../transport.ts'

export type RevokeDatasetParameters = { dataset: `0x${string}` }
export type RevokeDatasetReturnType = DatasetView & { failedJobs: number }

/**
 * The owner revokes a dataset on a node: its escrowed data key is deleted, jobs not yet running
 * fail as `revoked` (their orders released), jobs already running finish, and no new job is
 * accepted. Past receipts stay. (On-chain revocation that every key holder checks is separate.)
 *
 * @example
 * await revokeDataset(owner, { dataset: datatoken })
 */
export async function revokeDataset(client: VaultClient, { dataset }: RevokeDatasetParameters): Promise<RevokeDatasetReturnType> {
  const response = await client.request({ method: 'POST', path: `/v1/datasets/${dataset.toLowerCase()}/revoke`, doing: 'revoking a dataset', signed: true })
  return (await response.json()) as RevokeDatasetReturnType
}
