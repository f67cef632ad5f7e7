import type { Address, Client, Hash } from 'viem'
import { readContract } from 'viem/actions'
import { keyHolderRegistryAbi } from '@datavault/contracts/abis'
import { ChainReadError, type ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'

/** A dataset's state on the KeyHolderRegistry, as every key holder reads it. */
export type DatasetState = 'active' | 'unpublished' | 'revoked'

const states: DatasetState[] = ['active', 'unpublished', 'revoked']

export type SetDatasetStateParameters = {
  /** The KeyHolderRegistry (`addresses.KeyHolderRegistry`). */
  registry: Address
  /** The dataset's datatoken. */
  datatoken: Address
  /**
   * `unpublished`: no new jobs, holders keep their shares (set `active` again to re-publish);
   * `revoked`: no new jobs and every holder deletes its share (publishing again needs a new key escrow).
   */
  state: DatasetState
}
export type SetDatasetStateReturnType = { txHash: Hash }
export type SetDatasetStateErrorType = ChainTransactionError

/**
 * Sets a dataset's state on chain, from the wallet that owns its datatoken's data NFT. Key holders
 * check it before every release, so it binds every holder, not just one node.
 *
 * @example
 * await setDatasetState(ownerWallet, { registry: addresses.KeyHolderRegistry, datatoken, state: 'revoked' })
 */
export async function setDatasetState(client: AccountClient, { registry, datatoken, state }: SetDatasetStateParameters): Promise<SetDatasetStateReturnType> {
  const receipt = await writeAndConfirm(client, `setDatasetState(${state})`, {
    address: registry,
    abi: keyHolderRegistryAbi,
    functionName: 'setDatasetState',
    args: [datatoken, states.indexOf(state)],
  })
  return { txHash: receipt.transactionHash }
}

/**
 * A dataset's state on chain (`active` until its owner says otherwise).
 *
 * @example
 * const state = await getDatasetState(publicClient, { registry, datatoken })
 */
export async function getDatasetState(client: Client, { registry, datatoken }: { registry: Address; datatoken: Address }): Promise<DatasetState> {
  const index = await readContract(client, { address: registry, abi: keyHolderRegistryAbi, functionName: 'datasetState', args: [datatoken] }).catch((error: unknown) => {
    throw new ChainReadError({ action: 'reading the dataset\'s state', cause: error })
  })
  return states[index] ?? 'revoked'
}
