import type { Address, Hash, Hex } from 'viem'
import { readContract } from 'viem/actions'
import { erc20TemplateAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { ChainArgumentError, ChainReadError, type ChainTransactionError, ExchangeNotFoundError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'

export type SetDatatokenPriceParameters = {
  datatoken: Address
  /** New price of one whole datatoken (one job) in the base token's smallest units (wei for OCEAN), before fees. */
  price: bigint
}

export type SetDatatokenPriceReturnType = {
  exchange: Address
  exchangeId: Hex
  /** The rate before and after (base token per whole datatoken, scaled by 1e18). */
  previousRate: bigint
  rate: bigint
  /** Undefined when the price was already this one (nothing sent). */
  txHash: Hash | undefined
}

export type SetDatatokenPriceErrorType = ChainArgumentError | ExchangeNotFoundError | ChainTransactionError | ChainReadError

/**
 * Changes the price of a datatoken sold on a FixedRateExchange (`setRate`; only the exchange's
 * owner, the publisher, may). The price is in the base token's smallest units, like
 * `publishDatatoken`'s. Only an active exchange is repriced: a closed (revoked) dataset stays
 * closed, and a free dataset (Dispenser) has no price to change.
 *
 * @example
 * await setDatatokenPrice(ownerWallet, { datatoken, price: parseEther('4') })
 */
export async function setDatatokenPrice(client: AccountClient, { datatoken, price }: SetDatatokenPriceParameters): Promise<SetDatatokenPriceReturnType> {
  if (price <= 0n) throw new ChainArgumentError('The price must be positive.', { details: 'a free dataset is given away by the Dispenser; publish it free instead' })
  const doing = `reading the exchange of ${datatoken}`
  const read = <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      throw ChainReadError.from(doing, error)
    })
  const fixedRates = await read(readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getFixedRates' }))
  for (const { contractAddress: exchange, id: exchangeId } of fixedRates) {
    const [, , , , btDecimals, previousRate, active] = await read(
      readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] }),
    )
    if (!active) continue
    // The exchange's rate is whole base tokens per whole datatoken, scaled by 1e18.
    const rate = price * 10n ** (18n - btDecimals)
    if (rate === previousRate) return { exchange, exchangeId, previousRate, rate, txHash: undefined }
    const receipt = await writeAndConfirm(client, 'setRate', { address: exchange, abi: fixedRateExchangeAbi, functionName: 'setRate', args: [exchangeId, rate] })
    return { exchange, exchangeId, previousRate, rate, txHash: receipt.transactionHash }
  }
  throw new ExchangeNotFoundError(
    fixedRates.length === 0 ? 'The datatoken is free (Dispenser) or not priced: it has no exchange whose price could change.' : 'Its exchange is closed (the dataset was revoked).',
  )
}
