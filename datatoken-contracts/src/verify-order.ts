import type { Address, Chain, Client, Hash, Transport } from 'viem'
import { getAddress, isAddressEqual, parseEventLogs, TransactionReceiptNotFoundError } from 'viem'
import { getTransactionReceipt } from 'viem/actions'
import { z } from 'zod/v4'
import { erc20TemplateAbi } from './abis/erc20-template.ts'
import { addressSchema } from './addresses.ts'
import { DataVaultError } from './errors/base.ts'

/** What `startOrder` must have spent at least: one datatoken (18 decimals). */
export const oneDatatoken = 10n ** 18n

export type VerifyOrderParameters = {
  /** The transaction the buyer says started the order. */
  txHash: Hash
  /** The datatoken of the dataset access is asked for; the order must come from this contract. */
  datatoken: Address
  /** Who the order must be for (in Ocean's compute flow: the compute environment's address). */
  consumer: Address
  /** When given, the same datatoken must have emitted a `ProviderFee` naming this provider in that tx. */
  providerFeeAddress?: Address | undefined
  /** When given, the order must be for this service index. */
  serviceIndex?: bigint | undefined
}

export type VerifyOrderReturnType = {
  txHash: Hash
  datatoken: Address
  consumer: Address
  payer: Address
  /** Datatokens spent (wei); at least {@link oneDatatoken}. */
  amount: bigint
  serviceIndex: bigint
  blockNumber: bigint
  /** Block time of the order, unix seconds, as the datatoken recorded it. */
  timestamp: bigint
}

/** Why {@link OrderNotFoundError} was thrown. */
export type OrderNotFoundReason = 'missing' | 'reverted' | 'not-an-order'

/** The transaction is unknown (or pending), reverted, or started no order at all. */
export class OrderNotFoundError extends DataVaultError {
  override name = 'OrderNotFoundError'
  readonly reason: OrderNotFoundReason
  constructor(reason: OrderNotFoundReason, options: { cause?: unknown } = {}) {
    const details = {
      missing: 'The chain does not know a mined transaction with that hash.',
      reverted: 'The transaction failed on chain.',
      'not-an-order': 'The transaction did not start a datatoken order.',
    }[reason]
    super('No datatoken order was found for that transaction.', { code: 'ORDER_NOT_FOUND', status: 402, details, ...options })
    this.reason = reason
  }
}

/** The transaction started an order, but on another datatoken than the dataset's. */
export class OrderDatatokenMismatchError extends DataVaultError {
  override name = 'OrderDatatokenMismatchError'
  constructor() {
    super('The order is for another datatoken.', { code: 'ORDER_DATATOKEN_MISMATCH', status: 402 })
  }
}

/** The datatoken's order names another consumer. */
export class OrderConsumerMismatchError extends DataVaultError {
  override name = 'OrderConsumerMismatchError'
  constructor() {
    super('The order is for another consumer.', { code: 'ORDER_CONSUMER_MISMATCH', status: 402 })
  }
}

/** The order spent less than one datatoken. */
export class OrderAmountTooLowError extends DataVaultError {
  override name = 'OrderAmountTooLowError'
  constructor() {
    super('The order spent less than one datatoken.', { code: 'ORDER_AMOUNT_TOO_LOW', status: 402 })
  }
}

/** The order is for another service of the datatoken. */
export class OrderServiceMismatchError extends DataVaultError {
  override name = 'OrderServiceMismatchError'
  constructor() {
    super('The order is for another service.', { code: 'ORDER_SERVICE_MISMATCH', status: 402 })
  }
}

/** The order carries no provider fee signed for this provider (node). */
export class OrderProviderMismatchError extends DataVaultError {
  override name = 'OrderProviderMismatchError'
  constructor() {
    super('The order was not made for this provider.', { code: 'ORDER_PROVIDER_MISMATCH', status: 402 })
  }
}

/** The provider fee of the order was past its `validUntil` when the order was mined (a stale fee reused). */
export class OrderProviderFeeExpiredError extends DataVaultError {
  override name = 'OrderProviderFeeExpiredError'
  constructor() {
    super('The order used an expired provider fee.', { code: 'ORDER_PROVIDER_FEE_EXPIRED', status: 402 })
  }
}

/** The verification request itself is malformed (not a tx hash, not an address). */
export class InvalidOrderQueryError extends DataVaultError {
  override name = 'InvalidOrderQueryError'
  constructor(details: string) {
    super('The order reference is malformed.', { code: 'ORDER_QUERY_INVALID', status: 400, details })
  }
}

/** The chain could not be asked (RPC down, timeout); the order may well be fine. */
export class OrderChainUnavailableError extends DataVaultError {
  override name = 'OrderChainUnavailableError'
  constructor(cause: unknown) {
    super('The chain could not be reached to verify the order.', { code: 'CHAIN_UNAVAILABLE', status: 503, expose: true, cause })
  }
}


const parametersSchema = z.object({
  txHash: z.string().transform((value, context): Hash => {
    if (/^0x[0-9a-fA-F]{64}$/.test(value)) return value.toLowerCase() as Hash
    context.issues.push({ code: 'custom', message: 'must be a 32-byte hex transaction hash', input: value })
    return z.NEVER
  }),
  datatoken: addressSchema,
  consumer: addressSchema,
  providerFeeAddress: addressSchema.optional(),
  serviceIndex: z.bigint().nonnegative().optional(),
})

/**
 * Checks on chain that `txHash` started a datatoken order for `consumer` on `datatoken`: the
 * receipt exists and succeeded, an `OrderStarted` log was emitted by that datatoken contract
 * (not merely anywhere in the tx) naming the consumer and spending at least one datatoken, and,
 * when `providerFeeAddress` is given, the same datatoken emitted a `ProviderFee` for that provider
 * whose `validUntil` (0 = none) had not passed when the order was mined.
 * Each failure is its own error (`status` 402, or 400 for a malformed query, 503 if the chain is
 * unreachable), with messages safe to return to the caller.
 *
 * @example
 * const order = await verifyOrder(publicClient, { txHash, datatoken, consumer: job.buyer, providerFeeAddress: node.address })
 */
export async function verifyOrder(client: Client<Transport, Chain | undefined>, parameters: VerifyOrderParameters): Promise<VerifyOrderReturnType> {
  const parsed = parametersSchema.safeParse(parameters)
  if (!parsed.success) throw new InvalidOrderQueryError(z.prettifyError(parsed.error))
  const { txHash, datatoken, consumer, providerFeeAddress, serviceIndex } = parsed.data

  let receipt: Awaited<ReturnType<typeof getTransactionReceipt>>
  try {
    receipt = await getTransactionReceipt(client, { hash: txHash })
  } catch (error) {
    if (error instanceof TransactionReceiptNotFoundError) throw new OrderNotFoundError('missing', { cause: error })
    throw new OrderChainUnavailableError(error)
  }
  if (receipt.status !== 'success') throw new OrderNotFoundError('reverted')

  const events = parseEventLogs({ abi: erc20TemplateAbi, eventName: ['OrderStarted', 'ProviderFee'], logs: receipt.logs })
  const orders = events.filter((event) => event.eventName === 'OrderStarted')
  if (orders.length === 0) throw new OrderNotFoundError('not-an-order')
  const ours = orders.filter((event) => isAddressEqual(event.address, datatoken))
  if (ours.length === 0) throw new OrderDatatokenMismatchError()
  const forConsumer = ours.filter((event) => isAddressEqual(event.args.consumer, consumer))
  if (forConsumer.length === 0) throw new OrderConsumerMismatchError()
  const forService = serviceIndex === undefined ? forConsumer : forConsumer.filter((event) => event.args.serviceIndex === serviceIndex)
  if (forService.length === 0) throw new OrderServiceMismatchError()
  const order = forService.find((event) => event.args.amount >= oneDatatoken)
  if (!order) throw new OrderAmountTooLowError()

  if (providerFeeAddress !== undefined) {
    const fees = events.filter(
      (event) => event.eventName === 'ProviderFee' && isAddressEqual(event.address, datatoken) && isAddressEqual(event.args.providerFeeAddress, providerFeeAddress),
    )
    if (fees.length === 0) throw new OrderProviderMismatchError()
    // The datatoken does not enforce validUntil; the provider must, or a fee could be reused forever.
    const current = fees.some((event) => event.eventName === 'ProviderFee' && (event.args.validUntil === 0n || event.args.validUntil >= order.args.timestamp))
    if (!current) throw new OrderProviderFeeExpiredError()
  }

  return {
    txHash,
    datatoken,
    consumer: getAddress(order.args.consumer),
    payer: getAddress(order.args.payer),
    amount: order.args.amount,
    serviceIndex: order.args.serviceIndex,
    blockNumber: receipt.blockNumber,
    timestamp: order.args.timestamp,
  }
}
