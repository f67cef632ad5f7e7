import type { Address, Hex } from 'viem'
import { isAddressEqual } from 'viem'
import { readContract } from 'viem/actions'
import { dataPoolAbi, poolShareTokenAbi } from '@datavault/contracts/abis'
import type { ChainReadError } from '../../chain/errors.ts'
import { read, type ReadClient } from '../../pool/internal.ts'

/** A dataset's state in a pool. Only `active` datasets may be used by new jobs. */
export type PoolDatasetStatus = 'pending' | 'active' | 'removed' | 'withdrawn'

/** One member dataset, as the pool records it. */
export type PoolDataset = {
  /** The dataset's datatoken: its datavault id. */
  datatoken: Address
  member: Address
  status: PoolDatasetStatus
  /** CID of its ciphertext. */
  cid: string
  /** Digest of the key escrow made to the pool's key holders. */
  keyEscrow: Hex
  /** The key-holder set the escrow was made for; older than the pool's `keyHoldersEpoch` means stale. */
  keyHoldersEpoch: number
  rows: bigint
  /** Its weight: shares minted for it (0 while pending). */
  shares: bigint
  /** Block it was contributed in. */
  addedAt: bigint
}

/** A member and its datasets. */
export type PoolMember = {
  member: Address
  /** Shares held now. */
  shares: bigint
  datasets: PoolDataset[]
}

export type PoolMembersParameters = {
  /** The DataPool. */
  pool: Address
  /** Also list members who left and datasets that are pending, removed or withdrawn; default false. */
  includeInactive?: boolean | undefined
  /** Datasets read per call; 100 by default. */
  pageSize?: number | undefined
}

export type PoolMembersReturnType = PoolMember[]

export type PoolMembersErrorType = ChainReadError

const statuses = ['none', 'pending', 'active', 'removed', 'withdrawn'] as const

/**
 * The pool's members with their datasets (ids, CIDs, key escrows, rows, weights), in contribution
 * order: by default only what new jobs may use (active datasets and the members who hold them), the
 * list a node trains a pool job on. Paged reads of `DataPool.getDatasets`.
 *
 * @example
 * for (const { member, datasets } of await poolMembers(publicClient, { pool })) console.log(member, datasets.map((d) => d.cid))
 */
export async function poolMembers(client: ReadClient, { pool, includeInactive = false, pageSize = 100 }: PoolMembersParameters): Promise<PoolMembersReturnType> {
  const doing = `reading the members of ${pool}`
  const [count, shareToken] = await Promise.all([
    read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'datasetCount' })),
    read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'shareToken' })),
  ])
  const size = BigInt(Math.max(1, Math.floor(pageSize)))
  const pages: Promise<readonly { datatoken: Address; member: Address; status: number; rows: bigint; shares: bigint; addedAt: bigint; keyEscrow: Hex; keyHoldersEpoch: number; cid: string }[]>[] = []
  for (let offset = 0n; offset < count; offset += size) {
    pages.push(read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'getDatasets', args: [offset, size] })))
  }
  const datasets: PoolDataset[] = (await Promise.all(pages)).flat().map((entry) => ({
    datatoken: entry.datatoken,
    member: entry.member,
    status: statuses[entry.status] as PoolDatasetStatus,
    cid: entry.cid,
    keyEscrow: entry.keyEscrow,
    keyHoldersEpoch: entry.keyHoldersEpoch,
    rows: entry.rows,
    shares: entry.shares,
    addedAt: entry.addedAt,
  }))
  const members: PoolMember[] = []
  for (const dataset of datasets) {
    if (!includeInactive && dataset.status !== 'active') continue
    let entry = members.find((member) => isAddressEqual(member.member, dataset.member))
    if (!entry) {
      entry = { member: dataset.member, shares: 0n, datasets: [] }
      members.push(entry)
    }
    entry.datasets.push(dataset)
  }
  const shares = await Promise.all(members.map(({ member }) => read(doing, readContract(client, { address: shareToken, abi: poolShareTokenAbi, functionName: 'balanceOf', args: [member] }))))
  members.forEach((member, index) => {
    member.shares = shares[index] ?? 0n
  })
  return members
}
