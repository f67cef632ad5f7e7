import type { Address } from 'viem'
import { setDatatokenSalesActive } from '../../chain/datatoken-sales.ts'
import type { ChainReadError, ChainTransactionError } from '../../chain/errors.ts'
import type { AccountClient } from '../../chain/transact.ts'
import type { CloseDatatokenSalesReturnType } from './closeDatatokenSales.ts'

export type ReopenDatatokenSalesParameters = { datatoken: Address }
/** What this call re-activated (same shape as what `closeDatatokenSales` closed); empty when all was open. */
export type ReopenDatatokenSalesReturnType = { reopened: CloseDatatokenSalesReturnType['closed'] }
export type ReopenDatatokenSalesErrorType = ChainTransactionError | ChainReadError

/**
 * Undoes {@link closeDatatokenSales}: each inactive FixedRateExchange of the datatoken is
 * re-activated at its current rate (`toggleExchangeState`) and each inactive Dispenser with the
 * limits it had (`Dispenser.activate`). For re-publishing an unpublished dataset; a revoked one
 * stays refused by the SDK and by every key holder whatever its exchange says.
 *
 * @example
 * await reopenDatatokenSales(ownerWallet, { datatoken })
 */
export async function reopenDatatokenSales(client: AccountClient, { datatoken }: ReopenDatatokenSalesParameters): Promise<ReopenDatatokenSalesReturnType> {
  return { reopened: await setDatatokenSalesActive(client, datatoken, true) }
}
