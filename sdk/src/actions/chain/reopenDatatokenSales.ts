import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { dispenserAbi, erc20TemplateAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { ChainReadError, type ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'
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
  const doing = `reading how ${datatoken} is sold`
  const read = <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      throw ChainReadError.from(doing, error)
    })
  const [fixedRates, dispensers] = await Promise.all([
    read(readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getFixedRates' })),
    read(readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getDispensers' })),
  ])
  const reopened: ReopenDatatokenSalesReturnType['reopened'] = []
  for (const { contractAddress: exchange, id: exchangeId } of fixedRates) {
    const [, , , , , , active] = await read(readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] }))
    if (active) continue
    const receipt = await writeAndConfirm(client, 'toggleExchangeState', { address: exchange, abi: fixedRateExchangeAbi, functionName: 'toggleExchangeState', args: [exchangeId] })
    reopened.push({ type: 'fixed-rate', exchange, exchangeId, txHash: receipt.transactionHash })
  }
  for (const dispenser of dispensers) {
    const [active, , , maxTokens, maxBalance] = await read(readContract(client, { address: dispenser, abi: dispenserAbi, functionName: 'status', args: [datatoken] }))
    if (active) continue
    const receipt = await writeAndConfirm(client, 'activate', { address: dispenser, abi: dispenserAbi, functionName: 'activate', args: [datatoken, maxTokens, maxBalance] })
    reopened.push({ type: 'free', dispenser, txHash: receipt.transactionHash })
  }
  return { reopened }
}
