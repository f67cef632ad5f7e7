import type { Address, Hash } from 'viem'
import { DatasetWithdrawnError, type ChainReadError, type ChainTransactionError } from '../../chain/errors.ts'
import type { AccountClient } from '../../chain/transact.ts'
import type { ClosedSale } from './closeDatatokenSales.ts'
import { reopenDatatokenSales } from './reopenDatatokenSales.ts'
import { getDatasetState, setDatasetState } from './setDatasetState.ts'

export type RepublishDatasetParameters = {
  /** The KeyHolderRegistry (the node's `addresses.KeyHolderRegistry`). */
  registry: Address
  datatoken: Address
}
export type RepublishDatasetReturnType = {
  /** The sale channels re-opened. */
  reopenedSales: ClosedSale[]
  /** The KeyHolderRegistry transaction; undefined when it was already active. */
  txHash: Hash | undefined
}
export type RepublishDatasetErrorType = DatasetWithdrawnError | ChainTransactionError | ChainReadError

/**
 * Puts an unpublished dataset back on sale, from the wallet that owns it: `active` on the
 * KeyHolderRegistry, then its exchange (at the price it had) or dispenser re-opened. A revoked
 * dataset cannot come back this way (its key shares are deleted): `DatasetWithdrawnError`
 * (`DATASET_REVOKED`) before any transaction.
 *
 * @example
 * await republishDataset(ownerWallet, { registry, datatoken })
 */
export async function republishDataset(client: AccountClient, { registry, datatoken }: RepublishDatasetParameters): Promise<RepublishDatasetReturnType> {
  const state = await getDatasetState(client, { registry, datatoken })
  if (state === 'revoked') throw new DatasetWithdrawnError({ dataset: datatoken, state: 'revoked', source: 'chain' })
  const txHash = state === 'active' ? undefined : (await setDatasetState(client, { registry, datatoken, state: 'active' })).txHash
  const { reopened } = await reopenDatatokenSales(client, { datatoken })
  return { reopenedSales: reopened, txHash }
}
