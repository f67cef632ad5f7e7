import type { Address, Hash, Hex } from 'viem'
import { readContract } from 'viem/actions'
import { dispenserAbi, erc20TemplateAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { ChainReadError, type ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'

export type CloseDatatokenSalesParameters = {
  /** The dataset's datatoken. */
  datatoken: Address
}

/** One sale channel that was closed by this call. */
export type ClosedSale =
  | { type: 'fixed-rate'; exchange: Address; exchangeId: Hex; txHash: Hash }
  | { type: 'free'; dispenser: Address; txHash: Hash }

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
  const doing = `reading how ${datatoken} is sold`
  const read = <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      throw ChainReadError.from(doing, error)
    })
  const [fixedRates, dispensers] = await Promise.all([
    read(readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getFixedRates' })),
    read(readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getDispensers' })),
  ])
  const closed: ClosedSale[] = []
  for (const { contractAddress: exchange, id: exchangeId } of fixedRates) {
    const [, , , , , , active] = await read(readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] }))
    if (!active) continue
    const receipt = await writeAndConfirm(client, 'toggleExchangeState', { address: exchange, abi: fixedRateExchangeAbi, functionName: 'toggleExchangeState', args: [exchangeId] })
    closed.push({ type: 'fixed-rate', exchange, exchangeId, txHash: receipt.transactionHash })
  }
  for (const dispenser of dispensers) {
    const [active] = await read(readContract(client, { address: dispenser, abi: dispenserAbi, functionName: 'status', args: [datatoken] }))
    if (!active) continue
    const receipt = await writeAndConfirm(client, 'deactivate', { address: dispenser, abi: dispenserAbi, functionName: 'deactivate', args: [datatoken] })
    closed.push({ type: 'free', dispenser, txHash: receipt.transactionHash })
  }
  return { closed }
}
