// The owner's side of DAO data pools, on the SDK's pool actions: find pools (listed on the node,
// or by address), see one with this wallet's shares, datasets and revenue, add a dataset, withdraw
// it or leave, and claim the revenue due.
import {
  type DatasetView,
  type JoinPoolReturnType,
  type PoolDataset,
  type PoolStatus,
  claimPoolRevenue,
  getPool,
  joinPool,
  leavePool,
  poolMembers,
} from '@datavault/sdk'
import { type Address, type Hex, encodeAbiParameters, erc20Abi, isAddressEqual, keccak256 } from 'viem'
import { DataVaultError } from '@datavault/sdk'
import type { VaultSession } from './vault-session.ts'

/** A pool as the owner sees it: the chain's view with this wallet's part, and the node's listing. */
export type OwnerPool = {
  pool: Address
  status: PoolStatus
  /** This wallet's datasets in it, whatever their state (pending, active, removed, withdrawn). */
  mine: PoolDataset[]
  /** The node's listing of the pool (buyers order it there), when it is listed. */
  listed: DatasetView | undefined
  /** Symbols of the tokens revenue is paid in. */
  symbols: Map<string, { symbol: string; decimals: number }>
}

/** Something about a pool the owner cannot do (a dataset that cannot join, no wallet). */
export class PoolActionError extends DataVaultError {
  override name = 'PoolActionError'
  constructor(shortMessage: string, { code }: { code: 'POOL_DATASET_UNUSABLE' | 'POOL_NOT_FOUND' }) {
    super(shortMessage, { code, status: 409 })
  }
}

/** The pools listed on the node (their DataPool addresses). */
export async function listedPools(session: VaultSession): Promise<DatasetView[]> {
  return (await session.client.searchDatasets({ includeUnavailable: true })).filter((dataset) => dataset.pool !== undefined)
}

/**
 * One pool, with this wallet's shares, claimable revenue and datasets in it.
 *
 * @example
 * const { status, mine } = await ownerPool(session, pool)
 */
export async function ownerPool(session: VaultSession, pool: Address, listed?: DatasetView): Promise<OwnerPool> {
  let status: PoolStatus
  try {
    status = await getPool(session.client.public, { pool, account: session.address })
  } catch (cause) {
    // No code at the address: no pool there. If the chain cannot say (getCode fails too), the
    // first failure is the one to report, not "no pool".
    const code = await session.client.public.getCode({ address: pool }).then(
      (bytes) => bytes ?? 'none',
      () => 'unknown',
    )
    if (code === 'none') throw new PoolActionError(`There is no data pool at ${pool} on this chain.`, { code: 'POOL_NOT_FOUND' })
    throw cause
  }
  const members = await poolMembers(session.client.public, { pool, includeInactive: true })
  const mine = members.filter((member) => isAddressEqual(member.member, session.address)).flatMap((member) => member.datasets)
  const symbols = new Map<string, { symbol: string; decimals: number }>()
  if (status.sale) symbols.set(status.sale.baseToken.toLowerCase(), { symbol: status.sale.baseTokenSymbol, decimals: status.sale.baseTokenDecimals })
  symbols.set(status.datatoken.toLowerCase(), { symbol: status.symbol, decimals: 18 })
  for (const claim of status.account?.claimable ?? []) {
    if (symbols.has(claim.token.toLowerCase())) continue
    const [symbol, decimals] = await Promise.all([
      session.client.public.readContract({ address: claim.token, abi: erc20Abi, functionName: 'symbol' }),
      session.client.public.readContract({ address: claim.token, abi: erc20Abi, functionName: 'decimals' }),
    ])
    symbols.set(claim.token.toLowerCase(), { symbol, decimals })
  }
  return { pool, status, mine, listed: listed ?? (await listedPools(session)).find((entry) => entry.pool?.toLowerCase() === pool.toLowerCase()), symbols }
}

/**
 * What a pool records as a dataset's key escrow: a digest of the dataset, its ciphertext and the
 * key holders (t of n) its key is escrowed with on this node. The same digest as the datavault
 * CLI's `pool join` (`keyEscrowDigest`); the SDK does not export it yet.
 */
export function poolKeyEscrowDigest({ dataset, cid, holders, threshold }: { dataset: Address; cid: string; holders: readonly Address[]; threshold: number }): Hex {
  const sorted = holders.map((holder) => holder.toLowerCase() as Address).sort()
  return keccak256(
    encodeAbiParameters([{ type: 'string' }, { type: 'address' }, { type: 'string' }, { type: 'address[]' }, { type: 'uint8' }], ['datavault/pool-key-escrow/v1', dataset, cid, sorted, threshold]),
  )
}

/**
 * Adds one of the owner's datasets to a pool (a transaction from the wallet): in an open pool it
 * is accepted and its shares minted at once; otherwise it waits for the members' vote.
 */
export async function addToPool(session: VaultSession, { pool, dataset }: { pool: Address; dataset: DatasetView }): Promise<JoinPoolReturnType> {
  if (dataset.revokedAt) throw new PoolActionError('A revoked dataset cannot join a pool.', { code: 'POOL_DATASET_UNUSABLE' })
  if (!dataset.keyEscrowed) throw new PoolActionError("This dataset's key is not escrowed: the pool's jobs could not use it.", { code: 'POOL_DATASET_UNUSABLE' })
  if (dataset.schema.rows === undefined) throw new PoolActionError('This dataset declares no row count, which sets its shares in a pool.', { code: 'POOL_DATASET_UNUSABLE' })
  const holders = (session.node.keyEscrow?.holders ?? [session.node.address]) as Address[]
  const threshold = session.node.keyEscrow?.threshold ?? 1
  return joinPool(wallet(session), {
    pool,
    contribution: {
      datatoken: dataset.datatoken.toLowerCase() as Address,
      cid: dataset.cid,
      keyEscrow: poolKeyEscrowDigest({ dataset: dataset.datatoken, cid: dataset.cid, holders, threshold }),
      rows: BigInt(dataset.schema.rows),
    },
  })
}

/** Withdraws one dataset from a pool, or (without `datatoken`) leaves it: shares burned; revenue already distributed stays claimable. */
export function withdrawFromPool(session: VaultSession, { pool, datatoken }: { pool: Address; datatoken?: Address | undefined }) {
  return leavePool(wallet(session), { pool, datatoken })
}

/** Collects what buyers paid the pool into a distribution, then claims this wallet's part of every distribution that owes it. */
export function claimRevenue(session: VaultSession, { pool }: { pool: Address }) {
  return claimPoolRevenue(wallet(session), { pool })
}

function wallet(session: VaultSession) {
  const { wallet } = session.client
  if (!wallet) throw new PoolActionError('The wallet is not connected.', { code: 'POOL_DATASET_UNUSABLE' })
  return wallet
}
