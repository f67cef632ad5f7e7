import { type Address, BaseError, ContractFunctionRevertedError, ContractFunctionZeroDataError, type Hex, type PublicClient } from 'viem'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { type ComputePolicy, DataVaultError, computePolicyFromPoolLimits, isPoolBuyerAllowed, isPoolTrainerApproved, poolMembers } from '@datavault/sdk'
import { ChainUnavailableError } from '../chain/chain.ts'
import type { Dataset } from '../db/datasets.ts'

/** A job on a pool was refused by the pool's governance or membership, as read on chain. */
export class PoolJobRefusedError extends DataVaultError {
  override name = 'PoolJobRefusedError'
  constructor(shortMessage: string, { code, status = 403, details }: { code: string; status?: number; details?: string }) {
    super(shortMessage, { code, status, details, expose: true })
  }
}

/** One active member dataset of a pool. */
export type PoolMemberDataset = { datatoken: Address; member: Address; cid: string; rows: bigint }

/** What the node and key holders read about a pool, each time, from chain. */
export type PoolReader = {
  /** The pool's datatoken (buyers order it); throws when `pool` is no set-up DataPool. */
  datatoken(pool: Address): Promise<Address>
  /** The pool's compute limits as a policy (trainers come from governance, not from here). */
  policy(pool: Address): Promise<Omit<ComputePolicy, 'trainers'>>
  /** The datasets new jobs may use now. */
  members(pool: Address): Promise<PoolMemberDataset[]>
  isDatasetActive(pool: Address, datatoken: Address): Promise<boolean>
  /** Governance approved this program (a built-in trainer by id or bundle hash; a custom algorithm by hash). */
  allowsProgram(pool: Address, program: { trainerId: string; trainerHash: Hex }): Promise<boolean>
  allowsBuyer(pool: Address, buyer: Address): Promise<boolean>
}

/** Reads DataPools over JSON-RPC (the SDK's pool readers). */
export function poolReader({ client }: { client: PublicClient }): PoolReader {
  const read = async <T>(doing: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (cause) {
      if (cause instanceof DataVaultError && cause.code !== 'CHAIN_READ_FAILED') throw cause
      throw new ChainUnavailableError(doing, cause)
    }
  }
  return {
    datatoken: (pool) =>
      read('reading the pool', async () => {
        const [datatoken, ready] = await Promise.all([
          client.readContract({ address: pool, abi: dataPoolAbi, functionName: 'datatoken' }),
          client.readContract({ address: pool, abi: dataPoolAbi, functionName: 'setupComplete' }),
        ]).catch((error: unknown) => {
          // A call that reverts or finds no contract: no DataPool there. Anything else (the RPC
          // down, a timeout) is the chain being unavailable, not an unknown pool.
          const noPool = error instanceof BaseError && error.walk((cause) => cause instanceof ContractFunctionRevertedError || cause instanceof ContractFunctionZeroDataError) !== null
          if (noPool) throw new PoolJobRefusedError(`${pool} is not a DataPool on this chain.`, { code: 'POOL_UNKNOWN', status: 404 })
          throw error
        })
        if (!ready) throw new PoolJobRefusedError('The pool\'s setup is not complete.', { code: 'POOL_NOT_READY', status: 409 })
        return datatoken.toLowerCase() as Address
      }),
    policy: (pool) =>
      read('reading the pool\'s limits', async () =>
        computePolicyFromPoolLimits(await client.readContract({ address: pool, abi: dataPoolAbi, functionName: 'computeLimits' })),
      ),
    members: (pool) =>
      read('reading the pool\'s members', async () =>
        (await poolMembers(client, { pool })).flatMap((member) =>
          member.datasets.map((dataset) => ({ datatoken: dataset.datatoken.toLowerCase() as Address, member: member.member, cid: dataset.cid, rows: dataset.rows })),
        ),
      ),
    isDatasetActive: (pool, datatoken) =>
      read('reading the pool\'s members', () => client.readContract({ address: pool, abi: dataPoolAbi, functionName: 'isDatasetActive', args: [datatoken] })),
    allowsProgram: (pool, { trainerId, trainerHash }) =>
      read('reading the pool\'s approvals', () =>
        trainerId === 'custom' ? isPoolTrainerApproved(client, { pool, algorithmHash: trainerHash }) : isPoolTrainerApproved(client, { pool, trainer: trainerId, trainerHash }),
      ),
    allowsBuyer: (pool, buyer) => read('reading the pool\'s buyers', () => isPoolBuyerAllowed(client, { pool, buyer })),
  }
}

/** True when two schemas have the same columns (names, types, categories) in the same order. */
export function sameColumns(a: { columns: readonly unknown[] }, b: { columns: readonly unknown[] }): boolean {
  return JSON.stringify(a.columns) === JSON.stringify(b.columns)
}

/**
 * The datasets a job on `target` (a pool) reads now: the pool's active members, each registered on
 * this node with the ciphertext the pool lists and the pool's columns. Throws when one is missing.
 */
export async function poolMemberDatasets({
  pools,
  datasets,
  target,
}: {
  pools: Pick<PoolReader, 'members'>
  datasets: { get(id: string): Dataset | undefined; retiredCids?(id: string): { cid: string }[] }
  target: Dataset
}): Promise<(Dataset & { poolRows: bigint })[]> {
  const members = await pools.members(target.pool as Address)
  if (members.length === 0) throw new PoolJobRefusedError('The pool has no active member datasets.', { code: 'POOL_EMPTY', status: 409 })
  return members.map((member) => {
    const dataset = datasets.get(member.datatoken)
    if (!dataset || dataset.revokedAt)
      throw new PoolJobRefusedError(`The pool's member dataset ${member.datatoken} is not available on this node.`, { code: 'POOL_MEMBER_MISSING', status: 409 })
    // The pool records the CID at joining; after the owner rotated the key, the dataset's current
    // ciphertext (same data, fresh key) stands for the one the pool names.
    if (dataset.cid !== member.cid && !datasets.retiredCids?.(dataset.id).some((retired) => retired.cid === member.cid))
      throw new PoolJobRefusedError(`The pool lists another ciphertext for ${member.datatoken} than this node holds.`, { code: 'POOL_MEMBER_STALE', status: 409 })
    if (!sameColumns(dataset.schema, target.schema))
      throw new PoolJobRefusedError(`The columns of ${member.datatoken} differ from the pool's.`, { code: 'POOL_SCHEMA_MISMATCH', status: 409 })
    // The rows the member declared when it joined (on chain): what differential privacy plans with.
    return { ...dataset, poolRows: member.rows }
  })
}
