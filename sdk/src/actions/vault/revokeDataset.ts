import type { Address, Hash } from 'viem'
import { setDatasetState } from '../chain/setDatasetState.ts'
import { type ClosedSale, closeDatatokenSales } from '../chain/closeDatatokenSales.ts'
import type { AccountClient } from '../../chain/transact.ts'
import { KeyEscrowError } from './escrowDataKey.ts'
import type { DatasetView } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { z } from 'zod'
import { datasetViewSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type RevokeDatasetParameters = {
  dataset: `0x${string}`
  /**
   * The owner's wallet: the dataset's sales are closed on chain (its FixedRateExchange or
   * Dispenser deactivated) and it is marked revoked on the KeyHolderRegistry, which every key
   * holder checks before any release and on which they delete their shares. Without it only this
   * node revokes (it unlists the dataset, but the exchange stays open on chain).
   */
  wallet?: AccountClient | undefined
}
export type RevokeDatasetReturnType = DatasetView & {
  failedJobs: number
  /** The KeyHolderRegistry transaction (with `wallet`). */
  txHash?: Hash | undefined
  /** The sale channels this call closed on chain (with `wallet`); empty when none was open. */
  closedSales?: ClosedSale[] | undefined
}
/** What `revokeDataset` may throw. */
export type RevokeDatasetErrorType =
  | import('../../api/response.ts').VaultRequestErrorType
  | KeyEscrowError
  | import('../../chain/errors.ts').ChainTransactionError
  | import('../../chain/errors.ts').ChainReadError

/**
 * The owner revokes a dataset on the node, then (with `wallet`) on chain: its exchange or
 * dispenser is deactivated, so nobody can buy it any more, and it is marked revoked on the
 * KeyHolderRegistry, where every key holder checks it, refuses, and deletes its share. On the
 * node: it is unlisted, its key escrow is deleted, jobs not yet running fail as `revoked`, jobs
 * already running finish, and no new job is accepted. Past receipts stay.
 *
 * Buyers are not refunded: what they paid the exchange stays the owner's (collectable), an order
 * already placed (`startOrder`) spent its datatoken, and datatokens bought but not yet ordered
 * cannot be used or sold back to the closed exchange.
 *
 * @example
 * await revokeDataset(owner, { dataset: datatoken, wallet: ownerWallet })
 */
export async function revokeDataset(client: VaultClient, { dataset, wallet }: RevokeDatasetParameters): Promise<RevokeDatasetReturnType> {
  // The node checks ownership first (a stranger gets a clear 403, not a reverted transaction); it
  // is idempotent, so if the chain step fails the owner can simply run this again.
  const response = await client.request({ method: 'POST', path: `/v1/datasets/${dataset.toLowerCase()}/revoke`, doing: 'revoking a dataset', signed: true })
  const revoked = await readResponse(response, z.intersection(datasetViewSchema, z.looseObject({ failedJobs: z.number() })), 'revoking a dataset')
  if (!wallet) return revoked
  // Sales close first: a missing registry below must not leave the dataset for sale.
  const { closed } = await closeDatatokenSales(wallet, { datatoken: dataset })
  const registry = (await client.node()).addresses?.KeyHolderRegistry as Address | undefined
  if (!registry) throw new KeyEscrowError('No KeyHolderRegistry is known for this chain, so the dataset could only be revoked on this node.')
  const { txHash } = await setDatasetState(wallet, { registry, datatoken: dataset, state: 'revoked' })
  return { ...revoked, txHash, closedSales: closed }
}
