import { type DeployPoolParameters, type DeployPoolReturnType, deployPool, type PoolDeployError, type PoolParameterError } from '@datavault/contracts/pool'
import { type ComputePolicy, computePolicySchema } from '../../api/schemas.ts'
import { ChainArgumentError } from '../../chain/errors.ts'
import type { AccountClient } from '../../chain/transact.ts'
import { poolComputeLimitsFromPolicy } from '../../pool/poolPolicy.ts'

export type CreatePoolParameters = DeployPoolParameters & {
  /**
   * The pool's compute policy in the format datasets use (docs/policy.md): its trainers are
   * approved and its limits become the pool's. Given together with `trainers`/`computeLimits`,
   * the trainers are added and the explicit limits win.
   */
  policy?: (Omit<Partial<ComputePolicy>, 'trainers'> & { trainers: string[] }) | undefined
}

export type CreatePoolReturnType = DeployPoolReturnType

export type CreatePoolErrorType = PoolDeployError | PoolParameterError | ChainArgumentError

/**
 * Creates a DAO data pool in one call: its timelock, DataPool (and share token), PoolRevenue,
 * PoolGovernor, the pool's Ocean datatoken on a FixedRateExchange (the pool owns the data NFT,
 * PoolRevenue collects), the timelock roles, the founders' contributions, and the hand-over to
 * governance. The client's account pays and is the pool's setup admin until then. See
 * `deployPool` in `@datavault/contracts` for every parameter.
 *
 * @example
 * const pool = await createPool(walletClient, {
 *   addresses, name: 'Heart-rate pool', symbol: 'DV-HRP', price: parseEther('10'),
 *   keyHolders: { addresses: [nodeAddress], threshold: 1 },
 *   policy: { trainers: ['logistic-regression'], minRows: 1000 },
 *   founders: [{ client: walletClient, contribution: { datatoken, cid, keyEscrow, rows: 3000n } }],
 * })
 */
export async function createPool(client: AccountClient, parameters: CreatePoolParameters): Promise<CreatePoolReturnType> {
  const { policy, ...rest } = parameters
  if (!policy) return deployPool(client, rest)
  const parsed = computePolicySchema.safeParse(policy)
  if (!parsed.success) {
    throw new ChainArgumentError('The pool policy is not a valid compute policy.', { details: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') })
  }
  return deployPool(client, {
    ...rest,
    trainers: [...new Set([...parsed.data.trainers, ...(rest.trainers ?? [])])],
    computeLimits: { ...poolComputeLimitsFromPolicy(parsed.data), ...rest.computeLimits },
  })
}
