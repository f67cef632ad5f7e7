import { type Address, type BlockNumber, type BlockTag, getAddress } from 'viem'
import { getDatasets } from '../vault/getDatasets.ts'
import { type ExchangeEarnings, getDatatokenEarnings } from '../chain/getDatatokenEarnings.ts'
import { AccountRequiredError } from '../../api/transport.ts'
import type { DataVaultBaseClient } from '../../client/baseClient.ts'

/** What one dataset earned. */
export type DatasetEarnings = {
  /** The dataset id (lower-case, as the node lists it). */
  dataset: `0x${string}`
  name: string
  /** Its datatoken, checksummed. */
  datatoken: Address
  /** Orders placed (each paid for one job). */
  orders: number
  /** Datatokens spent on them (wei; 1e18 each), paid to the datatoken's payment collector less Ocean's 3%. */
  datatokensOrdered: bigint
  /** Distinct buyers that ordered. */
  consumers: number
  /** Base token taken in by each of its exchanges (empty when free). */
  sales: ExchangeEarnings[]
}

/** Sums over every dataset, per base token. */
export type EarningsTotal = {
  baseToken: Address
  baseTokenSymbol: string
  baseTokenDecimals: number
  earned: bigint
  collected: bigint
  collectable: bigint
}

export type EarningsParameters = {
  /** Whose datasets; the client's account by default. */
  owner?: Address | undefined
  /** First block to read events from; the chain's first by default. */
  fromBlock?: BlockNumber | BlockTag | undefined
}

export type EarningsReturnType = {
  datasets: DatasetEarnings[]
  /** Every dataset's orders together. */
  orders: number
  totals: EarningsTotal[]
}

export type EarningsErrorType =
  | AccountRequiredError
  | import('../../chain/errors.ts').ChainReadError
  | import('../../api/transport.ts').VaultApiError
  | import('../../api/transport.ts').VaultUnreachableError

/**
 * What each of an owner's datasets on the node earned, from chain events: orders placed
 * (`OrderStarted`), base token buyers paid its FixedRateExchange less fees (`Swapped`), what was
 * collected (`TokenCollected`) and what the exchange still holds for the owner (`collectBT` sends
 * it to the payment collector). Totals per base token.
 *
 * @example
 * const { datasets, totals } = await earnings(client)
 * for (const t of totals) console.log(formatUnits(t.earned, t.baseTokenDecimals), t.baseTokenSymbol)
 */
export async function earnings(client: DataVaultBaseClient, { owner, fromBlock }: EarningsParameters = {}): Promise<EarningsReturnType> {
  const who = owner ?? client.account?.address
  if (!who) throw new AccountRequiredError('reading earnings without an `owner`')
  const datasets = await getDatasets(client.vault, { owner: who })
  const results: DatasetEarnings[] = []
  for (let i = 0; i < datasets.length; i += 8) {
    results.push(
      ...(await Promise.all(
        datasets.slice(i, i + 8).map(async (dataset) => {
          const { orders, datatokensOrdered, consumers, sales } = await getDatatokenEarnings(client.public, { datatoken: dataset.datatoken, fromBlock })
          return { dataset: dataset.id, name: dataset.name, datatoken: getAddress(dataset.datatoken), orders, datatokensOrdered, consumers, sales }
        }),
      )),
    )
  }
  const totals = new Map<string, EarningsTotal>()
  for (const sale of results.flatMap((result) => result.sales)) {
    const total = totals.get(sale.baseToken.toLowerCase()) ?? {
      baseToken: sale.baseToken,
      baseTokenSymbol: sale.baseTokenSymbol,
      baseTokenDecimals: sale.baseTokenDecimals,
      earned: 0n,
      collected: 0n,
      collectable: 0n,
    }
    total.earned += sale.earned
    total.collected += sale.collected
    total.collectable += sale.collectable
    totals.set(sale.baseToken.toLowerCase(), total)
  }
  return { datasets: results, orders: results.reduce((sum, result) => sum + result.orders, 0), totals: [...totals.values()] }
}
