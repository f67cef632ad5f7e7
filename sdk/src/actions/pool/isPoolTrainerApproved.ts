import type { Address, Hex } from 'viem'
import { readContract } from 'viem/actions'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { poolTrainerId } from '@datavault/contracts/pool'
import { ChainArgumentError, type ChainReadError } from '../../chain/errors.ts'
import { read, type ReadClient } from '../../pool/internal.ts'

export type IsPoolTrainerApprovedParameters =
  | {
      /** The DataPool. */
      pool: Address
      /**
       * A built-in trainer: its id (`logistic-regression`), or a policy entry pinned to a bundle
       * (`logistic-regression@<sha256>`).
       */
      trainer: string
      /** The trainer bundle's SHA-256 that would run; approval of `id@hash` then counts too. */
      trainerHash?: Hex | undefined
      algorithmHash?: undefined
    }
  | {
      pool: Address
      trainer?: undefined
      trainerHash?: undefined
      /** A custom algorithm's SHA-256. */
      algorithmHash: Hex
    }

export type IsPoolTrainerApprovedReturnType = boolean

export type IsPoolTrainerApprovedErrorType = ChainReadError | ChainArgumentError

/**
 * Whether a pool's governance approved what a job would run, as the node and the key holders
 * check it before a job on pool data: a built-in trainer approved by id (any version) or by
 * `id@<sha256>` (that bundle only), or a custom algorithm approved by its SHA-256 (or as a
 * `custom@<sha256>` entry). Default deny.
 *
 * @example
 * const ok = await isPoolTrainerApproved(publicClient, { pool, trainer: 'logistic-regression', trainerHash: bundle.hash })
 */
export async function isPoolTrainerApproved(client: ReadClient, parameters: IsPoolTrainerApprovedParameters): Promise<IsPoolTrainerApprovedReturnType> {
  const { pool } = parameters
  const doing = `reading the approvals of ${pool}`
  const trainerApproved = (entry: string) => read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'isTrainerApproved', args: [poolTrainerId(entry)] }))
  if (parameters.algorithmHash !== undefined) {
    const hash = parameters.algorithmHash.toLowerCase() as Hex
    if (!/^0x[0-9a-f]{64}$/.test(hash)) throw new ChainArgumentError('An algorithm hash is a 32-byte SHA-256 in hex.')
    const [byHash, byEntry] = await Promise.all([
      read(doing, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'isAlgorithmApproved', args: [hash] })),
      trainerApproved(`custom@${hash.slice(2)}`),
    ])
    return byHash || byEntry
  }
  const [id, pinned] = parameters.trainer.split('@') as [string, string | undefined]
  const hash = pinned ?? parameters.trainerHash?.slice(2).toLowerCase()
  if (id === '' || (hash !== undefined && !/^[0-9a-f]{64}$/.test(hash))) throw new ChainArgumentError('A trainer is an id, optionally with @ and a 64-hex-digit SHA-256.')
  const entries = hash === undefined ? [id] : [`${id}@${hash}`, ...(pinned === undefined ? [id] : [])]
  const approvals = await Promise.all(entries.map(trainerApproved))
  return approvals.some(Boolean)
}
