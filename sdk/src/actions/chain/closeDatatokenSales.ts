import type { Address } from 'viem'
import { type DatatokenSaleChange, setDatatokenSalesActive } from '../../chain/datatoken-sales.ts'
import type { ChainReadError, ChainTransactionError } from '../../chain/errors.ts'
import type { AccountClient } from '../../chain/transact.ts'

export type CloseDatatokenSalesParameters = {
  /** The dataset's datatoken. */
  datatoken: Address
}

/** One sale channel that was closed by this call. */
export type ClosedSale = DatatokenSaleChange

export type CloseDatatokenSalesReturnType = {
  /** What this call deactivated; empty when nothing was for sale any more (the call is idempotent). */
  closed: ClosedSale[]
}

export type CloseDatatokenSalesErrorType = ChainTransactionError | ChainReadError

/**
 * Stops every sale of a datatoken on chain: each of its active FixedRateExchanges is deactivated
 * (`toggleExchangeState`, only the exchange's owner may) and each active Dispenser is deactivated
 * (`Dispenser.deactivate`, only the datatoken's minter may). Channels already inactive are left as
 * they are, so running it again sends nothing. Base token already paid stays collectable
 * (`collectBT` works on an inactive exchange); datatokens already bought stay with their buyers.
 *
 * @example
 * const { closed } = await closeDatatokenSales(ownerWallet, { datatoken })
 */
export async function closeDatatokenSales(client: AccountClient, { datatoken }: CloseDatatokenSalesParameters): Promise<CloseDatatokenSalesReturnType> {
  return { closed: await setDatatokenSalesActive(client, datatoken, false) }
}
