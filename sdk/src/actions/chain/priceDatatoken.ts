import type { Address, Hash, Hex } from 'viem'
import { erc20Abi, isAddressEqual, parseEventLogs, zeroAddress } from 'viem'
import { readContract } from 'viem/actions'
import type { OceanAddresses } from '@datavault/contracts'
import { erc20TemplateAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { ChainArgumentError, ChainEventNotFoundError, ChainReadError, type ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'

type PriceDatatokenCommon = {
  /** This chain's Ocean addresses (the exchange or the dispenser used, and the default base token). */
  addresses: Pick<OceanAddresses, 'FixedPrice' | 'Dispenser' | 'Ocean'>
  /** A datatoken whose data NFT the client's account owns (it holds the ERC20-deployer role). */
  datatoken: Address
  /** Only this address may buy or take; anyone by default. */
  allowedSwapper?: Address | undefined
}

/** Sell for a fixed price on Ocean's FixedRateExchange, minting on demand. */
export type PriceDatatokenFixedRate = PriceDatatokenCommon & {
  dispenser?: false | undefined
  /** Price of one whole datatoken in the base token's smallest units (wei for OCEAN). */
  price: bigint
  /** Base token the price is in; defaults to `addresses.Ocean`. */
  baseToken?: Address | undefined
  /** Swap fee for the market, 1e18 = 100%; 0 by default. */
  marketFee?: bigint | undefined
  marketFeeCollector?: Address | undefined
}

/** Give away through Ocean's Dispenser, minting on demand. */
export type PriceDatatokenDispenser = PriceDatatokenCommon & {
  dispenser: true
  /** Most datatokens one request may take, and one wallet may hold; 1e18 each by default. */
  maxTokens?: bigint | undefined
  maxBalance?: bigint | undefined
}

export type PriceDatatokenParameters = PriceDatatokenFixedRate | PriceDatatokenDispenser

export type PriceDatatokenReturnType = {
  /** The new exchange's id; undefined for the dispenser. */
  exchangeId: Hex | undefined
  txHash: Hash
  blockNumber: bigint
  gasUsed: bigint
}

export type PriceDatatokenErrorType = ChainTransactionError | ChainEventNotFoundError | ChainArgumentError | ChainReadError

/**
 * Puts an existing datatoken up for sale: `createFixedRate` (a FixedRateExchange that mints on
 * demand) or, with `dispenser: true`, `createDispenser`. Used after `publishDatatoken({ unpriced:
 * true })`, so nothing is sold before the dataset is ready.
 *
 * @example
 * const { exchangeId } = await priceDatatoken(ownerWallet, { addresses, datatoken, price: parseEther('5') })
 */
export async function priceDatatoken(client: AccountClient, parameters: PriceDatatokenParameters): Promise<PriceDatatokenReturnType> {
  const { addresses, datatoken, allowedSwapper = zeroAddress } = parameters
  if (parameters.dispenser) {
    const { maxTokens = 10n ** 18n, maxBalance = 10n ** 18n } = parameters
    if (maxTokens <= 0n || maxBalance <= 0n) throw new ChainArgumentError('The dispenser limits must be positive.')
    const receipt = await writeAndConfirm(client, 'createDispenser', {
      address: datatoken,
      abi: erc20TemplateAbi,
      functionName: 'createDispenser',
      args: [addresses.Dispenser, maxTokens, maxBalance, true, allowedSwapper],
    })
    return { exchangeId: undefined, txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed }
  }
  const { price, baseToken = addresses.Ocean, marketFee = 0n, marketFeeCollector = client.account.address } = parameters
  if (price <= 0n) throw new ChainArgumentError('The price must be positive; use `dispenser: true` for a free dataset.')
  const decimals = await readContract(client, { address: baseToken, abi: erc20Abi, functionName: 'decimals' }).catch((error: unknown) => {
    throw ChainReadError.from(`reading the decimals of ${baseToken}`, error)
  })
  if (decimals > 18) throw new ChainArgumentError('The base token must have 0 to 18 decimals.')
  const receipt = await writeAndConfirm(client, 'createFixedRate', {
    address: datatoken,
    abi: erc20TemplateAbi,
    functionName: 'createFixedRate',
    args: [
      addresses.FixedPrice,
      [baseToken, client.account.address, marketFeeCollector, allowedSwapper],
      // FixedRateExchange's rate is whole base tokens per whole datatoken, scaled by 1e18.
      [BigInt(decimals), 18n, price * 10n ** BigInt(18 - decimals), marketFee, 1n],
    ],
  })
  const created = parseEventLogs({ abi: fixedRateExchangeAbi, eventName: 'ExchangeCreated', logs: receipt.logs }).find(
    (event) => isAddressEqual(event.address, addresses.FixedPrice) && isAddressEqual(event.args.datatoken, datatoken),
  )
  if (!created) throw new ChainEventNotFoundError({ action: 'createFixedRate', event: 'ExchangeCreated', txHash: receipt.transactionHash })
  return { exchangeId: created.args.exchangeId, txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed }
}
