import type { Address, Hash, Hex } from 'viem'
import { isAddressEqual, zeroAddress } from 'viem'
import { readContract } from 'viem/actions'
import type { OceanAddresses } from '@datavault/contracts'
import { dispenserAbi, erc20TemplateAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { ChainArgumentError, ChainTransactionError, ExchangeNotFoundError } from '../../chain/errors.ts'
import { type AccountClient, ensureAllowance, writeAndConfirm } from '../../chain/transact.ts'

type BuyDatatokenCommon = {
  /** This chain's Ocean addresses (the exchange or the dispenser used). */
  addresses: Pick<OceanAddresses, 'FixedPrice' | 'Dispenser'>
  datatoken: Address
  /** Datatokens to get (wei, 18 decimals); one order spends 1e18, the default. */
  amount?: bigint | undefined
}

/** Buy from the datatoken's FixedRateExchange (the default). */
export type BuyDatatokenFixedRate = BuyDatatokenCommon & {
  dispenser?: false | undefined
  /** The exchange to buy from; found from the datatoken when omitted. */
  exchangeId?: Hex | undefined
  /** Most base token to pay, fees included; defaults to the exchange's current quote. */
  maxBaseTokenAmount?: bigint | undefined
}

/** Take free datatokens from the Dispenser. */
export type BuyDatatokenDispenser = BuyDatatokenCommon & { dispenser: true }

export type BuyDatatokenParameters = BuyDatatokenFixedRate | BuyDatatokenDispenser

export type BuyDatatokenReturnType = {
  txHash: Hash
  blockNumber: bigint
  gasUsed: bigint
  /** The exchange bought from; undefined for the dispenser. */
  exchangeId: Hex | undefined
  /** Base token paid, fees included (0 for the dispenser). */
  baseTokenAmount: bigint
  /** The approval sent first, when the allowance did not cover the price. */
  approveTxHash: Hash | undefined
}

export type BuyDatatokenErrorType = ChainTransactionError | ExchangeNotFoundError | ChainArgumentError

/**
 * Gets datatokens for the client's account: approves the exchange for the base token (only as
 * much as the quote, only if needed) and calls `FixedRateExchange.buyDT`; or, with
 * `dispenser: true`, calls `Dispenser.dispense`. Finds the exchange from the datatoken's
 * `getFixedRates()` when `exchangeId` is not given.
 *
 * @example
 * await buyDatatoken(buyerClient, { addresses, datatoken })
 */
export async function buyDatatoken(client: AccountClient, parameters: BuyDatatokenParameters): Promise<BuyDatatokenReturnType> {
  const { addresses, datatoken, amount = 10n ** 18n } = parameters
  if (amount <= 0n) throw new ChainArgumentError('The amount of datatokens to buy must be positive.')
  const read = <T>(action: string, promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      throw ChainTransactionError.from(action, error)
    })

  if (parameters.dispenser) {
    const receipt = await writeAndConfirm(client, 'dispense', {
      address: addresses.Dispenser,
      abi: dispenserAbi,
      functionName: 'dispense',
      args: [datatoken, amount, client.account.address],
    })
    return { txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, exchangeId: undefined, baseTokenAmount: 0n, approveTxHash: undefined }
  }

  let exchangeId = parameters.exchangeId
  if (exchangeId === undefined) {
    const fixedRates = await read('getFixedRates', readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getFixedRates' }))
    const found = fixedRates.find((rate) => isAddressEqual(rate.contractAddress, addresses.FixedPrice))
    if (!found) throw new ExchangeNotFoundError('The datatoken has no exchange on this FixedRateExchange.')
    exchangeId = found.id
  }
  const exchange = await read('getExchange', readContract(client, { address: addresses.FixedPrice, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] }))
  const [, exchangeDatatoken, , baseToken, , , active] = exchange
  if (!isAddressEqual(exchangeDatatoken, datatoken)) {
    throw new ExchangeNotFoundError(exchangeDatatoken === zeroAddress ? 'No exchange has that id.' : 'The exchange sells another datatoken.')
  }
  if (!active) throw new ExchangeNotFoundError('The exchange is inactive.')

  const [quote] = await read('calcBaseInGivenOutDT', readContract(client, { address: addresses.FixedPrice, abi: fixedRateExchangeAbi, functionName: 'calcBaseInGivenOutDT', args: [exchangeId, amount, 0n] }))
  const maxBaseTokenAmount = parameters.maxBaseTokenAmount ?? quote
  const approval = await ensureAllowance(client, { token: baseToken, spender: addresses.FixedPrice, amount: maxBaseTokenAmount })
  const receipt = await writeAndConfirm(client, 'buyDT', {
    address: addresses.FixedPrice,
    abi: fixedRateExchangeAbi,
    functionName: 'buyDT',
    args: [exchangeId, amount, maxBaseTokenAmount, zeroAddress, 0n],
  })
  return {
    txHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    exchangeId,
    baseTokenAmount: quote,
    approveTxHash: approval?.transactionHash,
  }
}
