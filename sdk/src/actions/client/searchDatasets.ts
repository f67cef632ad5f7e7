import type { Address } from 'viem'
import { getDatasets } from '../vault/getDatasets.ts'
import type { DatasetView } from '../../api/schemas.ts'
import { type DatatokenPrice, getDatatokenPrice } from '../chain/getDatatokenPrice.ts'
import type { DataVaultBaseClient } from '../../client/baseClient.ts'

/** A dataset as a buyer weighs it: what the node says, plus its price on chain. */
export type PricedDataset = DatasetView & {
  /** Data rows, when the owner declared them in the schema. */
  rows: number | undefined
  /** Trainer ids the policy allows (pinned `id@hash` entries listed by id; custom algorithms as `custom@<hash>`). */
  trainers: string[]
  /** How the datatoken is sold now: fixed rate (with the full quote for one order), free, or not for sale. */
  price: DatatokenPrice
  /** Whether a buyer can order it now: for sale and its key escrowed. */
  available: boolean
}

export type SearchDatasetsParameters = {
  /** Words to find in the name or description. */
  text?: string | undefined
  /** Only this owner's datasets. */
  owner?: Address | undefined
  /** Only datasets whose policy allows this trainer (`logistic-regression`, `mlp-classifier`, …). */
  trainer?: string | undefined
  /** Only datasets that declare at least this many rows. */
  minRows?: number | undefined
  /** Only datasets whose order costs at most this much base token (smallest units), fees included; free ones pass. */
  maxPrice?: bigint | undefined
  /** Also list datasets that cannot be ordered now (not for sale, key not escrowed); false by default. */
  includeUnavailable?: boolean | undefined
}

export type SearchDatasetsReturnType = PricedDataset[]
export type SearchDatasetsErrorType =
  | import('../../api/transport.ts').VaultApiError
  | import('../../api/transport.ts').VaultUnreachableError
  | import('../../chain/errors.ts').ChainReadError

/** Trainer ids a policy entry names (a pinned `id@hash` by its id; custom algorithms stay pinned). */
export function policyTrainers(entries: readonly string[]): string[] {
  return [...new Set(entries.map((entry) => (entry.startsWith('custom@') ? entry : (entry.split('@')[0] as string))))]
}

/** Adds the chain's price (and what follows from it) to the node's view of a dataset. */
export async function priceDataset(client: DataVaultBaseClient, dataset: DatasetView): Promise<PricedDataset> {
  const price = await getDatatokenPrice(client.public, { datatoken: dataset.datatoken })
  return {
    ...dataset,
    rows: dataset.schema.rows,
    trainers: policyTrainers(dataset.policy.trainers),
    price,
    available: dataset.keyEscrowed && price.type !== 'not-for-sale',
  }
}

/**
 * Finds datasets on the node, with each one's price read from the chain (its FixedRateExchange
 * quote for one order, fees included, or free through the Dispenser). By default only datasets a
 * buyer can order now are listed.
 *
 * @example
 * const datasets = await searchDatasets(client, { text: 'heart', trainer: 'logistic-regression', minRows: 1000 })
 * for (const d of datasets) console.log(d.name, d.rows, d.price.type === 'fixed-rate' ? formatEther(d.price.amount) : 'free')
 */
export async function searchDatasets(
  client: DataVaultBaseClient,
  { text, owner, trainer, minRows, maxPrice, includeUnavailable = false }: SearchDatasetsParameters = {},
): Promise<SearchDatasetsReturnType> {
  const listed = (await getDatasets(client.vault, { search: text, owner })).filter(
    (dataset) =>
      (trainer === undefined || dataset.policy.trainers.some((entry) => entry === trainer || entry.startsWith(`${trainer}@`))) &&
      (minRows === undefined || (dataset.schema.rows ?? -1) >= minRows),
  )
  const priced: PricedDataset[] = []
  // A few price reads at a time: each is several eth_calls.
  for (let i = 0; i < listed.length; i += 8) priced.push(...(await Promise.all(listed.slice(i, i + 8).map((dataset) => priceDataset(client, dataset)))))
  return priced.filter(
    (dataset) =>
      (includeUnavailable || dataset.available) &&
      (maxPrice === undefined || dataset.price.type === 'free' || (dataset.price.type === 'fixed-rate' && dataset.price.amount <= maxPrice)),
  )
}
