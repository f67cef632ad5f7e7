import { getDataset } from '../vault/getDatasets.ts'
import type { DataVaultBaseClient } from '../../client/baseClient.ts'
import { type PricedDataset, priceDataset } from './searchDatasets.ts'

export type GetDatasetWithPriceParameters = { id: `0x${string}` }
export type GetDatasetWithPriceReturnType = PricedDataset
export type GetDatasetWithPriceErrorType = import('./searchDatasets.ts').SearchDatasetsErrorType

/**
 * Reads one dataset (schema, policy, rows, allowed trainers) with its price from the chain. The
 * bound client calls it `getDataset`: `client.getDataset({ id })`.
 *
 * @example
 * const dataset = await getDatasetWithPrice(client, { id: datatoken })
 * if (!dataset.available) console.log('not for sale yet')
 */
export async function getDatasetWithPrice(client: DataVaultBaseClient, { id }: GetDatasetWithPriceParameters): Promise<GetDatasetWithPriceReturnType> {
  return priceDataset(client, await getDataset(client.vault, { id }))
}
