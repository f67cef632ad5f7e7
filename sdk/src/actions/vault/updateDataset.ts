import type { DatasetView, UpdateDatasetBody } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { datasetViewSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type UpdateDatasetParameters = UpdateDatasetBody & {
  /** The dataset id (its datatoken's address). */
  dataset: `0x${string}`
}
export type UpdateDatasetReturnType = DatasetView
/** What `updateDataset` may throw: the node's refusals come as `VaultApiError` with `code` `NOT_DATASET_OWNER` (403), `DATASET_REVOKED` (410), `DATASET_SCHEMA_IN_USE` (409), `PRIVACY_BUDGET_CHANGE_REFUSED` or `POLICY_BEYOND_NODE_LIMITS` (422), `INVALID_BODY` (400). */
export type UpdateDatasetErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * The owner changes a dataset after publishing: its compute `policy` (replaced whole; jobs
 * accepted from now on are checked against it) and/or its `schema` (only while no job depends on
 * it: every job on it failed, and no pool job read it). A signed request (EIP-712, with expiry and
 * a nonce the node refuses to see twice) from the wallet that owns the dataset. The price is on
 * chain: see `setDatatokenPrice`.
 *
 * @example
 * await updateDataset(owner, { dataset, policy: { trainers: ['logistic-regression'], maxEpochs: 50 } })
 */
export async function updateDataset(client: VaultClient, { dataset, ...body }: UpdateDatasetParameters): Promise<UpdateDatasetReturnType> {
  const response = await client.request({ method: 'PATCH', path: `/v1/datasets/${dataset.toLowerCase()}`, doing: 'updating a dataset', json: body, signed: true })
  return await readResponse(response, datasetViewSchema, 'updating a dataset')
}
