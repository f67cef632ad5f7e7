import type { Address, Hash } from 'viem'
import { zeroAddress } from 'viem'
import { erc20TemplateAbi } from '@datavault/contracts/abis'
import { ChainArgumentError, type ChainTransactionError } from '../../chain/errors.ts'
import type { ProviderFee } from '../../chain/signProviderFee.ts'
import { type AccountClient, ensureAllowance, writeAndConfirm } from '../../chain/transact.ts'

/** A fee the consuming market takes on the order (Ocean's consumeMarketFee); none by default. */
export type ConsumeMarketFee = { consumeMarketFeeAddress: Address; consumeMarketFeeToken: Address; consumeMarketFeeAmount: bigint }

export type StartOrderParameters = {
  datatoken: Address
  /** Who the order is for; in datavault's compute flow, the buyer account the job is bound to. */
  consumer: Address
  /** Service of the dataset the order is for; 0 by default. */
  serviceIndex?: bigint | undefined
  /** Signed by the node with {@link signProviderFee}. */
  providerFee: ProviderFee
  consumeMarketFee?: ConsumeMarketFee | undefined
}

export type StartOrderReturnType = { txHash: Hash; blockNumber: bigint; gasUsed: bigint }

export type StartOrderErrorType = ChainTransactionError | ChainArgumentError

/**
 * Starts an order on a datatoken: spends exactly one datatoken of the client's account
 * (0.97 to the payment collector, 0.03 to Ocean's community collector) and records the order for
 * `consumer` with the node's signed provider fee. Approves the fee tokens first when a provider or
 * market fee is charged. Resolves after the receipt; throws a {@link ChainTransactionError} on
 * any failure or revert (e.g. reason `Not enough datatokens to start Order`), never returns null.
 *
 * @example
 * const { txHash } = await startOrder(buyerClient, { datatoken, consumer: buyer.address, providerFee })
 */
export async function startOrder(client: AccountClient, parameters: StartOrderParameters): Promise<StartOrderReturnType> {
  const { datatoken, consumer, serviceIndex = 0n, providerFee, consumeMarketFee } = parameters
  if (serviceIndex < 0n) throw new ChainArgumentError('The service index must not be negative.')
  // The datatoken does not check validUntil; the provider does, after the fact. Spending a
  // datatoken on an order the node will refuse helps nobody.
  if (providerFee.validUntil !== 0n && providerFee.validUntil < BigInt(Math.floor(Date.now() / 1000))) {
    throw new ChainArgumentError('The provider fee has expired; ask the node for a new one.')
  }
  const marketFee = consumeMarketFee ?? { consumeMarketFeeAddress: zeroAddress, consumeMarketFeeToken: zeroAddress, consumeMarketFeeAmount: 0n }

  // The datatoken pulls fees from the buyer with transferFrom; one approval per token.
  const fees = new Map<Address, bigint>()
  if (providerFee.providerFeeAmount > 0n) fees.set(providerFee.providerFeeToken, providerFee.providerFeeAmount)
  if (marketFee.consumeMarketFeeAmount > 0n) {
    fees.set(marketFee.consumeMarketFeeToken, (fees.get(marketFee.consumeMarketFeeToken) ?? 0n) + marketFee.consumeMarketFeeAmount)
  }
  for (const [token, amount] of fees) await ensureAllowance(client, { token, spender: datatoken, amount })

  const receipt = await writeAndConfirm(client, 'startOrder', {
    address: datatoken,
    abi: erc20TemplateAbi,
    functionName: 'startOrder',
    args: [consumer, serviceIndex, providerFee, marketFee],
  })
  return { txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed }
}
