import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { dataPoolAbi } from '@datavault/contracts/abis'
import type { ChainReadError } from '../../chain/errors.ts'
import { read, type ReadClient } from '../../pool/internal.ts'

export type IsPoolBuyerAllowedParameters = {
  /** The DataPool. */
  pool: Address
  buyer: Address
}

export type IsPoolBuyerAllowedReturnType = boolean

export type IsPoolBuyerAllowedErrorType = ChainReadError

/**
 * Whether a buyer may run jobs on a pool's data: always, unless the pool's governance turned its
 * buyer allow-list on, then only listed buyers. The node and the key holders check it (Ocean's
 * exchange cannot: it knows one allowed swapper at most).
 *
 * @example
 * if (!(await isPoolBuyerAllowed(publicClient, { pool, buyer }))) throw new Error('not admitted')
 */
export async function isPoolBuyerAllowed(client: ReadClient, { pool, buyer }: IsPoolBuyerAllowedParameters): Promise<IsPoolBuyerAllowedReturnType> {
  return read(`reading the buyers of ${pool}`, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'isBuyerAllowed', args: [buyer] }))
}
