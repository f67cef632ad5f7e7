import type { Address, Hash, Hex } from 'viem'
import { erc20Abi, isAddressEqual, maxUint256, parseEventLogs, zeroAddress } from 'viem'
import { readContract } from 'viem/actions'
import type { OceanAddresses } from '@datavault/contracts'
import { erc721FactoryAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { ChainArgumentError, ChainEventNotFoundError, ChainTransactionError, type ExchangeNotFoundError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'

/** Fees a publishing market takes on each order (Ocean's publishMarketFee); none by default. */
export type PublishMarketFee = { address: Address; token: Address; amount: bigint }

type PublishDatatokenCommon = {
  /** This chain's Ocean addresses (the factory, and the exchange or dispenser used). */
  addresses: Pick<OceanAddresses, 'ERC721Factory' | 'FixedPrice' | 'Dispenser' | 'Ocean'>
  /** Datatoken name, e.g. `Heart-rate 2025 access`. */
  name: string
  /** Datatoken symbol, e.g. `DV-HR25`. */
  symbol: string
  /** The data NFT: name and symbol default to the datatoken's, `tokenURI` to empty, transferable. */
  nft?: { name?: string; symbol?: string; tokenURI?: string; transferable?: boolean } | undefined
  /** Datatoken supply cap (wei, 18 decimals); defaults to unlimited (`maxUint256`). Must be non-zero. */
  cap?: bigint | undefined
  /** Who receives the datatokens spent by `startOrder`; defaults to the publisher. */
  paymentCollector?: Address | undefined
  publishMarketFee?: PublishMarketFee | undefined
  /** Index of the ERC20 template in the factory; 1 (Ocean's ERC20Template) by default. */
  templateIndex?: bigint | undefined
}

/** Sold for a fixed price through Ocean's FixedRateExchange (the default). */
export type PublishDatatokenFixedRate = PublishDatatokenCommon & {
  dispenser?: false | undefined
  unpriced?: false | undefined
  /** Price of one whole datatoken in the base token's smallest units (wei for OCEAN). */
  price: bigint
  /** Base token the price is in; defaults to `addresses.Ocean`. */
  baseToken?: Address | undefined
  /** Decimals of the base token; read from the token when omitted. */
  baseTokenDecimals?: number | undefined
  /** Swap fee for the market, 1e18 = 100% (0 or Ocean's MIN_FEE..MAX_FEE); 0 by default. */
  marketFee?: bigint | undefined
  marketFeeCollector?: Address | undefined
  /** Only this address may buy; anyone by default. */
  allowedSwapper?: Address | undefined
  /** The exchange mints datatokens on demand (default true); otherwise the publisher must supply it. */
  withMint?: boolean | undefined
}

/** Given away for free through Ocean's Dispenser. */
export type PublishDatatokenDispenser = PublishDatatokenCommon & {
  dispenser: true
  unpriced?: false | undefined
  /** Most datatokens one request may take; 1e18 by default. */
  maxTokens?: bigint | undefined
  /** Most datatokens a requester may hold; 1e18 by default. */
  maxBalance?: bigint | undefined
  allowedSwapper?: Address | undefined
}

/**
 * Not for sale yet: the data NFT and datatoken only (`createNftWithErc20`). Price it later with
 * {@link priceDatatoken}: `publishDataset` does, once the dataset is registered and its key escrowed.
 */
export type PublishDatatokenUnpriced = PublishDatatokenCommon & { unpriced: true; dispenser?: false | undefined }

export type PublishDatatokenParameters = PublishDatatokenFixedRate | PublishDatatokenDispenser | PublishDatatokenUnpriced

export type PublishDatatokenReturnType = {
  /** The data NFT (ERC721Template instance). */
  nft: Address
  /** The datatoken (ERC20Template instance). */
  datatoken: Address
  /** The FixedRateExchange id; undefined for a dispenser or an unpriced datatoken. */
  exchangeId: Hex | undefined
  txHash: Hash
  blockNumber: bigint
  gasUsed: bigint
}

export type PublishDatatokenErrorType = ChainTransactionError | ChainEventNotFoundError | ChainArgumentError | ExchangeNotFoundError

/**
 * Publishes a dataset's access token: one transaction through Ocean's ERC721Factory that creates
 * the data NFT and its datatoken, priced with a FixedRateExchange
 * (`createNftWithErc20WithFixedRate`) or free through the Dispenser
 * (`createNftWithErc20WithDispenser`), or not yet for sale (`unpriced: true`, `createNftWithErc20`;
 * then {@link priceDatatoken}). The publisher (the client's account) owns the NFT and
 * receives the datatokens spent on orders. Addresses and the exchange id come from the events.
 *
 * @example
 * const { datatoken, exchangeId } = await publishDatatoken(walletClient, {
 *   addresses, name: 'Heart-rate 2025 access', symbol: 'DV-HR25', price: parseEther('5'),
 * })
 */
export async function publishDatatoken(client: AccountClient, parameters: PublishDatatokenParameters): Promise<PublishDatatokenReturnType> {
  const { addresses, name, symbol, nft = {}, cap = maxUint256, paymentCollector, publishMarketFee, templateIndex = 1n } = parameters
  const publisher = client.account.address
  if (cap === 0n) throw new ChainArgumentError('The datatoken cap must be non-zero.')
  if (name.trim() === '' || symbol.trim() === '') throw new ChainArgumentError('The datatoken needs a name and a symbol.')

  const nftData = {
    name: nft.name ?? name,
    symbol: nft.symbol ?? symbol,
    templateIndex: 1n,
    tokenURI: nft.tokenURI ?? '',
    transferable: nft.transferable ?? true,
    owner: publisher,
  }
  const datatokenData = {
    templateIndex,
    strings: [name, symbol],
    addresses: [publisher, paymentCollector ?? publisher, publishMarketFee?.address ?? zeroAddress, publishMarketFee?.token ?? zeroAddress],
    uints: [cap, publishMarketFee?.amount ?? 0n],
    bytess: [],
  }

  let action: string
  let receipt: Awaited<ReturnType<typeof writeAndConfirm>>
  if (parameters.unpriced) {
    action = 'createNftWithErc20'
    receipt = await writeAndConfirm(client, action, {
      address: addresses.ERC721Factory,
      abi: erc721FactoryAbi,
      functionName: 'createNftWithErc20',
      args: [nftData, datatokenData],
    })
  } else if (parameters.dispenser) {
    action = 'createNftWithErc20WithDispenser'
    const { maxTokens = 10n ** 18n, maxBalance = 10n ** 18n, allowedSwapper = zeroAddress } = parameters
    receipt = await writeAndConfirm(client, action, {
      address: addresses.ERC721Factory,
      abi: erc721FactoryAbi,
      functionName: 'createNftWithErc20WithDispenser',
      args: [nftData, datatokenData, { dispenserAddress: addresses.Dispenser, maxTokens, maxBalance, withMint: true, allowedSwapper }],
    })
  } else {
    action = 'createNftWithErc20WithFixedRate'
    const { price, baseToken = addresses.Ocean, marketFee = 0n, marketFeeCollector = publisher, allowedSwapper = zeroAddress, withMint = true } = parameters
    if (price <= 0n) throw new ChainArgumentError('The price must be positive; publish with `dispenser: true` for a free dataset.')
    const decimals =
      parameters.baseTokenDecimals ??
      (await readContract(client, { address: baseToken, abi: erc20Abi, functionName: 'decimals' }).catch((error: unknown) => {
        throw ChainTransactionError.from('decimals', error)
      }))
    if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18) throw new ChainArgumentError('The base token must have 0 to 18 decimals.')
    // FixedRateExchange's rate is "whole base tokens per whole datatoken" scaled by 1e18.
    const rate = price * 10n ** BigInt(18 - decimals)
    receipt = await writeAndConfirm(client, action, {
      address: addresses.ERC721Factory,
      abi: erc721FactoryAbi,
      functionName: 'createNftWithErc20WithFixedRate',
      args: [
        nftData,
        datatokenData,
        {
          fixedPriceAddress: addresses.FixedPrice,
          addresses: [baseToken, publisher, marketFeeCollector, allowedSwapper],
          uints: [BigInt(decimals), 18n, rate, marketFee, withMint ? 1n : 0n],
        },
      ],
    })
  }

  const txHash = receipt.transactionHash
  const factoryEvents = parseEventLogs({ abi: erc721FactoryAbi, eventName: ['NFTCreated', 'TokenCreated'], logs: receipt.logs }).filter((event) =>
    isAddressEqual(event.address, addresses.ERC721Factory),
  )
  const nftCreated = factoryEvents.find((event) => event.eventName === 'NFTCreated')
  const tokenCreated = factoryEvents.find((event) => event.eventName === 'TokenCreated')
  if (nftCreated?.eventName !== 'NFTCreated') throw new ChainEventNotFoundError({ action, event: 'NFTCreated', txHash })
  if (tokenCreated?.eventName !== 'TokenCreated') throw new ChainEventNotFoundError({ action, event: 'TokenCreated', txHash })
  const datatoken = tokenCreated.args.newTokenAddress

  let exchangeId: Hex | undefined
  if (!parameters.dispenser && !parameters.unpriced) {
    const created = parseEventLogs({ abi: fixedRateExchangeAbi, eventName: 'ExchangeCreated', logs: receipt.logs }).find(
      (event) => isAddressEqual(event.address, addresses.FixedPrice) && isAddressEqual(event.args.datatoken, datatoken),
    )
    if (!created) throw new ChainEventNotFoundError({ action, event: 'ExchangeCreated', txHash })
    exchangeId = created.args.exchangeId
  }

  return { nft: nftCreated.args.newTokenAddress, datatoken, exchangeId, txHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed }
}
