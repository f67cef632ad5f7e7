import type { PoolComputeLimits } from '@datavault/contracts/pool'
import type { ComputePolicy } from '../api/schemas.ts'

/** A compute policy without its trainers: what a pool stores as numbers (trainers are approvals). */
export type PoolComputePolicyLimits = Omit<ComputePolicy, 'trainers'>

/**
 * The on-chain limits of a pool (`DataPool.ComputeLimits`) for a compute policy in the format
 * datasets use (docs/policy.md). ε and δ are stored as ε × 1e6 and δ × 1e12, so they round there.
 *
 * @example
 * const limits = poolComputeLimitsFromPolicy(computePolicySchema.parse({ trainers: ['logistic-regression'], minRows: 1000 }))
 */
export function poolComputeLimitsFromPolicy(policy: PoolComputePolicyLimits): PoolComputeLimits {
  return {
    maxEpochs: policy.maxEpochs,
    maxWallTimeSeconds: policy.maxWallTimeSeconds,
    maxMemoryMb: policy.maxMemoryMb,
    maxOutputBytes: BigInt(policy.maxOutputBytes),
    minRows: BigInt(policy.minRows ?? 0),
    maxHiddenUnits: policy.maxHiddenUnits ?? 0,
    epsilonMicros: policy.privacyBudget ? BigInt(Math.round(policy.privacyBudget.epsilon * 1e6)) : 0n,
    deltaPicos: policy.privacyBudget ? BigInt(Math.round(policy.privacyBudget.delta * 1e12)) : 0n,
    forfeitOrderOnViolation: policy.onViolation === 'forfeit-order',
  }
}

/**
 * The compute-policy fields of a pool's on-chain limits (the inverse of
 * {@link poolComputeLimitsFromPolicy}); the trainers are the pool's approvals.
 *
 * @example
 * const { limits } = await getPool(publicClient, { pool })
 * const policy = { trainers: ['logistic-regression'], ...computePolicyFromPoolLimits(limits) }
 */
export function computePolicyFromPoolLimits(limits: PoolComputeLimits): PoolComputePolicyLimits {
  return {
    maxEpochs: limits.maxEpochs,
    maxWallTimeSeconds: limits.maxWallTimeSeconds,
    maxMemoryMb: limits.maxMemoryMb,
    rawDownload: false,
    maxOutputBytes: Number(limits.maxOutputBytes),
    onViolation: limits.forfeitOrderOnViolation ? 'forfeit-order' : 'retry',
    ...(limits.minRows > 0n ? { minRows: Number(limits.minRows) } : {}),
    ...(limits.maxHiddenUnits > 0 ? { maxHiddenUnits: limits.maxHiddenUnits } : {}),
    ...(limits.epsilonMicros > 0n ? { privacyBudget: { epsilon: Number(limits.epsilonMicros) / 1e6, delta: Number(limits.deltaPicos) / 1e12 } } : {}),
  }
}
