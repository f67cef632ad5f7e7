import type { DatasetView } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { z } from 'zod'
import { datasetViewSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type GetDatasetsParameters = { search?: string; owner?: `0x${string}` }
export type GetDatasetsReturnType = DatasetView[]
/** What `getDatasets` may throw. */
export type GetDatasetsErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Lists the datasets a node serves, optionally filtered by a search text or owner.
 *
 * @example
 * const datasets = await getDatasets(client, { search: 'heart' })
 */
export async function getDatasets(client: VaultClient, { search, owner }: GetDatasetsParameters = {}): Promise<GetDatasetsReturnType> {
  const query = new URLSearchParams()
  if (search) query.set('search', search)
  if (owner) query.set('owner', owner)
  const suffix = query.size ? `?${query}` : ''
  const response = await client.request({ method: 'GET', path: `/v1/datasets${suffix}`, doing: 'listing datasets' })
  return (await readResponse(response, z.looseObject({ datasets: z.array(datasetViewSchema) }), 'listing datasets')).datasets
}

/**
 * Reads one dataset: schema, policy, CID, whether its key is escrowed.
 *
 * @example
 * const dataset = await getDataset(client, { id: datatoken })
 */
export async function getDataset(client: VaultClient, { id }: { id: `0x${string}` }): Promise<DatasetView> {
  const response = await client.request({ method: 'GET', path: `/v1/datasets/${id.toLowerCase()}`, doing: 'reading a dataset' })
  return await readResponse(response, datasetViewSchema, 'reading a dataset')
}
