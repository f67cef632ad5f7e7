import type { DatasetView } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { datasetViewSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type RegisterPoolParameters = {
  /** The DataPool contract. */
  pool: `0x${string}`
  name?: string | undefined
  description?: string | undefined
}
export type RegisterPoolReturnType = DatasetView
export type RegisterPoolErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Lists a DAO pool on a vault node, under its datatoken, like a dataset: buyers order that
 * datatoken and a job on it trains on every current member's dataset. The node reads everything
 * else from chain (members, governance, limits); the members' datasets must be registered on this
 * node with the same columns. Any wallet may sign it.
 *
 * @example
 * const listed = await registerPool(vault, { pool, name: 'Heart pool' })
 * // buyers: orderDataset(client, { dataset: listed.id }) then submitJob(vault, { dataset: listed.id, … })
 */
export async function registerPool(client: VaultClient, { pool, name, description }: RegisterPoolParameters): Promise<RegisterPoolReturnType> {
  const response = await client.request({
    method: 'POST',
    path: '/v1/pools',
    doing: 'registering a pool',
    json: { pool, ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}) },
    signed: true,
  })
  return await readResponse(response, datasetViewSchema, 'registering a pool')
}
