import { isPoolTrainerApproved } from '../pool/isPoolTrainerApproved.ts'
import type { Address, Hash } from 'viem'
import { getDataset } from '../vault/getDatasets.ts'
import { getProviderFee } from '../vault/getProviderFee.ts'
import { getTokenBalance } from '../chain/getTokenBalance.ts'
import type { ProviderFee } from '../../chain/signProviderFee.ts'
import { startOrder } from '../chain/startOrder.ts'
import { type DataVaultBaseClient, assertSameChain, requireWallet } from '../../client/baseClient.ts'
import { DatasetNotReadyError } from '../../client/errors.ts'
import { DatasetWithdrawnError } from '../../chain/errors.ts'
import { type BuyAccessReturnType, buyAccess } from './buyAccess.ts'

export type OrderDatasetParameters = {
  /** The dataset id (its datatoken's address). */
  dataset: `0x${string}`
  /**
   * The trainer you mean to run: checked against the dataset's policy before anything is paid.
   * A custom algorithm needs no check here: it waits for the owner's approval.
   */
  trainer?: string | undefined
  /** Most base token to pay if a datatoken must be bought, fees included. */
  maxBaseTokenAmount?: bigint | undefined
}

export type OrderDatasetReturnType = {
  /** The `startOrder` transaction: give it to `submitJob` as `orderTx`. */
  orderTx: Hash
  blockNumber: bigint
  /** The purchase made first, when the wallet held no datatoken; undefined when one was spent from the balance. */
  bought: BuyAccessReturnType | undefined
  /** The node-signed provider fee the order carries. */
  providerFee: ProviderFee
  /** Who the order is for: the client's account (the job's buyer must be the order's consumer). */
  consumer: Address
}

export type OrderDatasetErrorType =
  | DatasetNotReadyError
  | import('./buyAccess.ts').BuyAccessErrorType
  | import('../../client/errors.ts').ChainMismatchError
  | import('../../api/transport.ts').VaultApiError
  | import('../../api/transport.ts').VaultUnreachableError
  | import('../../chain/errors.ts').ChainArgumentError

/**
 * From a dataset id to an order, in one call: checks the dataset is ready (key escrowed, trainer
 * allowed) before paying, buys one datatoken if the wallet has none (fixed rate or dispenser, as
 * the chain sells it), gets the node's signed provider fee and calls `startOrder` for the
 * client's account. Each order pays for one job; a job that fails for a reason not of the buyer's
 * making releases its order for another try.
 *
 * @example
 * const { orderTx } = await orderDataset(client, { dataset: dataset.id, trainer: 'logistic-regression' })
 * const job = await submitJob(client.vault, { dataset: dataset.id, trainer: { id: 'logistic-regression' }, params: { label: 'risk' }, orderTx })
 */
export async function orderDataset(client: DataVaultBaseClient, { dataset, trainer, maxBaseTokenAmount }: OrderDatasetParameters): Promise<OrderDatasetReturnType> {
  const wallet = requireWallet(client, 'ordering a dataset')
  const consumer = wallet.account.address
  await assertSameChain(client)
  const view = await getDataset(client.vault, { id: dataset })
  // Not even a datatoken already held is spent on a revoked dataset.
  if (view.revokedAt) throw new DatasetWithdrawnError({ dataset: view.datatoken, state: 'revoked', source: 'node' })
  if (!view.keyEscrowed) throw new DatasetNotReadyError("The dataset's owner has not escrowed its data key yet; an order could not be used.", { code: 'DATASET_KEY_NOT_ESCROWED' })
  // A pool's governance approves trainers on chain; a dataset's policy lists them.
  const trainerAllowed =
    trainer === undefined || trainer === 'custom'
      ? true
      : view.pool
        ? await isPoolTrainerApproved(client.public, { pool: view.pool, trainer })
        : view.policy.trainers.some((entry) => entry === trainer || entry.startsWith(`${trainer}@`))
  if (!trainerAllowed && view.pool)
    throw new DatasetNotReadyError(`The pool's governance has not approved the trainer ${trainer}.`, { code: 'POLICY_TRAINER_DENIED' })
  if (!trainerAllowed)
    throw new DatasetNotReadyError(`The dataset's policy does not allow the trainer ${trainer} (it allows ${view.policy.trainers.join(', ')}).`, {
      code: 'POLICY_TRAINER_DENIED',
    })
  const held = await getTokenBalance(client.public, { token: view.datatoken, owner: consumer })
  const bought = held >= 10n ** 18n ? undefined : await buyAccess(client, { dataset: view.datatoken, maxBaseTokenAmount })
  const providerFee = await getProviderFee(client.vault, { dataset: view.datatoken, consumer })
  const order = await startOrder(wallet, { datatoken: view.datatoken, consumer, providerFee })
  return { orderTx: order.txHash, blockNumber: order.blockNumber, bought, providerFee, consumer }
}
