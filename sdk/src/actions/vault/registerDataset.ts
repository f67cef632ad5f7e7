import type { DatasetView, RegisterDatasetBody } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { datasetViewSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type RegisterDatasetParameters = RegisterDatasetBody
export type RegisterDatasetReturnType = DatasetView
export type RegisterDatasetErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Registers uploaded ciphertext as a dataset for a datatoken the signer owns, with its schema
 * and compute policy. The request is signed by the owner's wallet.
 *
 * @example
 * await registerDataset(owner, { cid, datatoken, name: 'Heart health', schema, policy: { trainers: ['logistic-regression'] } })
 */
export async function registerDataset(client: VaultClient, params: RegisterDatasetParameters): Promise<RegisterDatasetReturnType> {
  const response = await client.request({ method: 'POST', path: '/v1/datasets', doing: 'registering a dataset', json: params, signed: true })
  return await readResponse(response, datasetViewSchema, 'registering a dataset')
}
