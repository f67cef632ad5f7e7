import type { Address, BlockNumber, BlockTag } from 'viem'
import { getContractEvents } from 'viem/actions'
import { poolRevenueAbi } from '@datavault/contracts/abis'
import type { ChainReadError } from '../../chain/errors.ts'
import { getPool } from './getPool.ts'
import { type ReadClient, read } from '../../pool/internal.ts'

export type PoolEarningsParameters = {
  /** The DataPools to read (e.g. the node's listed pools: `getDatasets(vault)` entries with `pool`). */
  pools: readonly Address[]
  /** Whose earnings. */
  account: Address
  fromBlock?: BlockNumber | BlockTag | undefined
}

/** What one account earned from one pool, per revenue token. */
export type PoolEarnings = {
  pool: Address
  /** The account's shares now (0 after leaving: past distributions stay claimable). */
  shares: bigint
  /** Paid out to the account so far. */
  claimed: { token: Address; amount: bigint }[]
  /** Recorded distributions the account may still claim. */
  claimable: { token: Address; amount: bigint }[]
}

export type PoolEarningsReturnType = PoolEarnings[]
export type PoolEarningsErrorType = ChainReadError

const sum = (entries: readonly { token: Address; amount: bigint }[]) => {
  const totals = new Map<string, { token: Address; amount: bigint }>()
  for (const { token, amount } of entries) {
    const key = token.toLowerCase()
    const entry = totals.get(key) ?? { token, amount: 0n }
    entry.amount += amount
    totals.set(key, entry)
  }
  return [...totals.values()]
}

/**
 * A member's revenue from pools, read from chain: what `RevenueClaimed` paid them, and what the
 * recorded distributions still owe them (claim it with `claimPoolRevenue`).
 *
 * @example
 * const earned = await poolEarnings(publicClient, { pools: [pool], account: owner.address })
 */
export async function poolEarnings(client: ReadClient, { pools, account, fromBlock = 'earliest' }: PoolEarningsParameters): Promise<PoolEarningsReturnType> {
  return Promise.all(
    pools.map(async (pool) => {
      const status = await getPool(client, { pool, account, fromBlock })
      const events = await read(
        `reading the revenue claims of ${pool}`,
        getContractEvents(client, { address: status.revenue, abi: poolRevenueAbi, eventName: 'RevenueClaimed', args: { member: account }, fromBlock }),
      )
      return {
        pool,
        shares: status.account?.shares ?? 0n,
        claimed: sum(events.map((event) => ({ token: event.args.token as Address, amount: event.args.amount as bigint }))),
        claimable: sum(status.account?.claimable ?? []),
      }
    }),
  )
}
