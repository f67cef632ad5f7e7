import type { Address, Hash } from 'viem'
import { setDatasetState } from '../chain/setDatasetState.ts'
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
   * The owner's wallet: the dataset is first marked revoked on the KeyHolderRegistry, which every
   * key holder checks before any release and on which they delete their shares. Without it only
   * this node revokes.
   */
  wallet?: AccountClient | undefined
}
export type RevokeDatasetReturnType = DatasetView & { failedJobs: number; txHash?: Hash | undefined }
/** What `revokeDataset` may throw. */
export type RevokeDatasetErrorType = import('../../api/response.ts').VaultRequestErrorType | KeyEscrowError | import('../../chain/errors.ts').ChainTransactionError

/**
 * The owner revokes a dataset on the node, then (with `wallet`) on chain, where every key holder
 * checks it, refuses, and deletes its share. On the node: its key escrow is deleted, jobs not yet running fail as `revoked` (their
 * orders released), jobs already running finish, and no new job is accepted. Past receipts stay.
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
  const registry = (await client.node()).addresses?.KeyHolderRegistry as Address | undefined
  if (!registry) throw new KeyEscrowError('No KeyHolderRegistry is known for this chain, so the dataset could only be revoked on this node.')
  const { txHash } = await setDatasetState(wallet, { registry, datatoken: dataset, state: 'revoked' })
  return { ...revoked, txHash }
}
