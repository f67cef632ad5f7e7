import { type Address, isAddressEqual, zeroAddress } from 'viem'
import { type BuyDatatokenReturnType, buyDatatoken } from '../chain/buyDatatoken.ts'
import { ChainArgumentError, DatasetWithdrawnError, DatatokenNotForSaleError } from '../../chain/errors.ts'
import { getDatasetState } from '../chain/setDatasetState.ts'
import { getDataset } from '../vault/getDatasets.ts'
import { type FixedRatePrice, type FreePrice, getDatatokenPrice } from '../chain/getDatatokenPrice.ts'
import { type DataVaultBaseClient, requireWallet } from '../../client/baseClient.ts'

export type BuyAccessParameters = {
  /** The dataset id (its datatoken's address). */
  dataset: `0x${string}`
  /** Datatokens to get (wei, 18 decimals); one order (one job) spends 1e18, the default. */
  amount?: bigint | undefined
  /**
   * Most base token to pay, fees included (fixed rate only). Defaults to the quote read just
   * before buying; set it to refuse a price that rose since you looked.
   */
  maxBaseTokenAmount?: bigint | undefined
}

export type BuyAccessReturnType = BuyDatatokenReturnType & {
  /** How the datatokens were had: bought on the exchange, or taken from the dispenser. */
  method: 'fixed-rate' | 'dispenser'
  /** The price read before buying. */
  price: FixedRatePrice | FreePrice
}

export type BuyAccessErrorType =
  | DatasetWithdrawnError
  | DatatokenNotForSaleError
  | ChainArgumentError
  | import('../../chain/errors.ts').ChainTransactionError
  | import('../../chain/errors.ts').ChainReadError
  | import('../../chain/errors.ts').ExchangeNotFoundError
  | import('../../api/transport.ts').AccountRequiredError

/**
 * Gets datatokens of a dataset for the client's account the way the chain sells them: buys on its
 * active FixedRateExchange (approving exactly the quote of base token first), or takes them from
 * its Dispenser when it is free. No contract addresses needed: the datatoken lists its exchanges
 * and dispensers. Throws `DatatokenNotForSaleError` when it has neither.
 *
 * Before any approval or payment it refuses a dataset its owner withdrew
 * (`DatasetWithdrawnError`): one the node marks revoked, or one revoked or unpublished on the
 * KeyHolderRegistry (when the node names one). A revoked dataset's exchange is also closed on
 * chain, which the price read finds.
 *
 * @example
 * const { method, baseTokenAmount } = await buyAccess(client, { dataset: dataset.id })
 */
export async function buyAccess(client: DataVaultBaseClient, { dataset, amount = 10n ** 18n, maxBaseTokenAmount }: BuyAccessParameters): Promise<BuyAccessReturnType> {
  const wallet = requireWallet(client, 'buying access to a dataset')
  if (amount <= 0n) throw new ChainArgumentError('The amount of datatokens to buy must be positive.')
  await refuseWithdrawn(client, dataset)
  const price = await getDatatokenPrice(client.public, { datatoken: dataset, datatokens: amount })
  if (price.type === 'not-for-sale') throw new DatatokenNotForSaleError(dataset)
  if (price.allowedSwapper && !isAddressEqual(price.allowedSwapper, wallet.account.address))
    throw new ChainArgumentError(`Only ${price.allowedSwapper} may buy this datatoken.`)
  if (price.type === 'free') {
    const taken = await buyDatatoken(wallet, { addresses: { FixedPrice: zeroAddress, Dispenser: price.dispenser }, datatoken: dataset, amount, dispenser: true })
    return { ...taken, method: 'dispenser', price }
  }
  const bought = await buyDatatoken(wallet, {
    addresses: { FixedPrice: price.exchange, Dispenser: zeroAddress },
    datatoken: dataset,
    exchangeId: price.exchangeId,
    amount,
    maxBaseTokenAmount: maxBaseTokenAmount ?? price.amount,
  })
  return { ...bought, method: 'fixed-rate', price }
}

/** Throws `DatasetWithdrawnError` when the node or the chain says the owner withdrew the dataset. */
async function refuseWithdrawn(client: DataVaultBaseClient, dataset: Address): Promise<void> {
  // A datatoken the node does not list is the chain's business alone (the price read decides).
  const view = await getDataset(client.vault, { id: dataset }).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'DATASET_NOT_FOUND') return undefined
    throw error
  })
  if (view?.revokedAt) throw new DatasetWithdrawnError({ dataset, state: 'revoked', source: 'node' })
  const registry = (await client.vault.node()).addresses?.KeyHolderRegistry as Address | undefined
  if (!registry) return
  const state = await getDatasetState(client.public, { registry, datatoken: dataset })
  if (state !== 'active') throw new DatasetWithdrawnError({ dataset, state, source: 'chain' })
}
