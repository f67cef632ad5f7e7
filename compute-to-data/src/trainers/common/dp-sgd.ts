import type { Objective } from './objective.ts'
import type { RandomSource } from './random.ts'

/**
 * Share of each row's clipping norm C spent on releasing its loss: the gradient is clipped to
 * C·√(1 − β²) and the loss rides along as one more coordinate of size at most β·C, so the joint
 * contribution still has norm ≤ C and the same Gaussian noise privatizes both. The epoch loss of a
 * DP run costs no privacy budget beyond the steps themselves.
 */
export const dpLossShare = 0.1

/** What one DP-SGD step needs. */
export type DpStepConfig = { noiseMultiplier: number; maxGradNorm: number }

/**
 * Poisson sampling: each of `rows` rows joins the batch independently with probability
 * `sampleRate`. Draws the gaps between chosen rows from the geometric distribution, so a step
 * costs O(batch), not O(rows). Returns `out`, cleared and filled with ascending row indices.
 */
export function poissonSample(rows: number, sampleRate: number, random: RandomSource, out: number[]): number[] {
  out.length = 0
  if (sampleRate >= 1) {
    for (let i = 0; i < rows; i++) out.push(i)
    return out
  }
  const logKeep = Math.log1p(-sampleRate)
  for (let i = -1; ; ) {
    // P(gap ≥ k) = P(U ≤ (1 − q)^k) = (1 − q)^k.
    i += 1 + Math.floor(Math.log(random.uniform()) / logKeep)
    if (i >= rows) return out
    out.push(i)
  }
}

/**
 * The factor that clips one row's gradient of squared L2 norm `squaredNorm` to norm at most
 * C·√(1 − β²) (C = `maxGradNorm`, β = {@link dpLossShare}): 1 when it is within, 0 when the norm is
 * not finite (such a row contributes nothing).
 */
export function clipFactor(squaredNorm: number, maxGradNorm: number): number {
  const gradientBudget = maxGradNorm * Math.sqrt(1 - dpLossShare * dpLossShare)
  const norm = Math.sqrt(squaredNorm)
  if (!Number.isFinite(norm)) return 0
  return norm > gradientBudget ? gradientBudget / norm : 1
}

/** One row's loss coordinate β·C·min(max(loss, 0), B) / B (a NaN loss counts 0). */
export function lossCoordinate(loss: number, maxGradNorm: number, lossBound: number): number {
  const clippedLoss = loss > 0 ? Math.min(loss, lossBound) : 0 // NaN → 0
  return (dpLossShare * maxGradNorm * clippedLoss) / lossBound
}

/**
 * Clips one row's contribution. Scales `gradient` in place to L2 norm at most C·√(1 − β²) and
 * returns the row's loss coordinate β·C·min(max(loss, 0), B) / B, so that the vector (gradient,
 * loss coordinate) has norm at most C = `maxGradNorm`. A non-finite gradient contributes zero.
 */
export function clipContribution(gradient: Float64Array, loss: number, maxGradNorm: number, lossBound: number): number {
  let squared = 0
  for (const g of gradient) squared += g * g
  const factor = clipFactor(squared, maxGradNorm)
  if (factor === 0) gradient.fill(0)
  else if (factor < 1) for (let i = 0; i < gradient.length; i++) gradient[i]! *= factor
  return lossCoordinate(loss, maxGradNorm, lossBound)
}

/**
 * One DP-SGD gradient (Abadi et al. 2016): for each row of `batch`, its own gradient, clipped
 * ({@link clipContribution}, or the objective's own `addClippedGradients`, which clips the same
 * way for a whole batch at once); the sum of the clipped gradients plus N(0, σ²C²) per coordinate is
 * written to `sum` (the caller divides by the expected batch size). Returns the noisy sum of the
 * rows' clipped losses, released through the same mechanism and rescaled to loss units.
 */
export function privateGradientSum(
  objective: Objective,
  params: Float64Array,
  batch: readonly number[],
  dp: DpStepConfig,
  random: RandomSource,
  sum: Float64Array,
  scratch: Float64Array,
): number {
  sum.fill(0)
  let losses = 0
  if (objective.addClippedGradients !== undefined) losses = objective.addClippedGradients(params, batch, dp.maxGradNorm, sum)
  else
    for (const row of batch) {
      scratch.fill(0)
      const loss = objective.addGradient(params, row, scratch)
      losses += clipContribution(scratch, loss, dp.maxGradNorm, objective.lossBound)
      for (let i = 0; i < sum.length; i++) sum[i]! += scratch[i]!
    }
  const std = dp.noiseMultiplier * dp.maxGradNorm
  for (let i = 0; i < sum.length; i++) sum[i]! += std * random.normal()
  losses += std * random.normal()
  return (losses * objective.lossBound) / (dpLossShare * dp.maxGradNorm)
}
