import type { Address, Hash } from 'viem'
import type { ChainReadError, ChainTransactionError } from '../../chain/errors.ts'
import type { AccountClient } from '../../chain/transact.ts'
import { type ClosedSale, closeDatatokenSales } from './closeDatatokenSales.ts'
import { setDatasetState } from './setDatasetState.ts'

export type UnpublishDatasetParameters = {
  /** The KeyHolderRegistry (the node's `addresses.KeyHolderRegistry`). */
  registry: Address
  /** The dataset's datatoken. */
  datatoken: Address
}
export type UnpublishDatasetReturnType = {
  /** The sale channels closed (its exchange or dispenser). */
  closedSales: ClosedSale[]
  /** The KeyHolderRegistry transaction. */
  txHash: Hash
}
export type UnpublishDatasetErrorType = ChainTransactionError | ChainReadError

/**
 * Takes a dataset off sale for now, from the wallet that owns it: its exchange or dispenser is
 * closed (nobody can buy it) and it is marked `unpublished` on the KeyHolderRegistry (no job
 * gets a key; holders keep their shares). {@link republishDataset} undoes both.
 *
 * @example
 * await unpublishDataset(ownerWallet, { registry: node.addresses.KeyHolderRegistry, datatoken })
 */
export async function unpublishDataset(client: AccountClient, { registry, datatoken }: UnpublishDatasetParameters): Promise<UnpublishDatasetReturnType> {
  const { closed } = await closeDatatokenSales(client, { datatoken })
  const { txHash } = await setDatasetState(client, { registry, datatoken, state: 'unpublished' })
  return { closedSales: closed, txHash }
}

