import { logAdd, logErfc, logSub } from './log-space.ts'

/**
 * The Rényi orders (α) the accountant evaluates by default: Opacus' `RDPAccountant.DEFAULT_ALPHAS`,
 * `[1 + x / 10 for x in 1..99] + [12..63]`. The (ε, δ) conversion takes the best of them, so a
 * finer or wider list can only lower ε.
 */
export const defaultRdpOrders: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
])

// A fractional order's series stops once its terms fall below e^-30 (as in Opacus and TF Privacy);
// this bounds it should the terms never get there.
const maxSeriesTerms = 100_000

/**
 * Rényi DP at order `alpha` of one step of the Sampled Gaussian Mechanism: Poisson sampling with
 * rate `q`, then the Gaussian mechanism with noise `sigma` × the L2 sensitivity (Mironov, Talwar
 * & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism", §3.3). Infinity
 * where no bound is known (σ = 0, or a series that did not settle: infinite RDP at an order only
 * keeps that order from being chosen).
 */
export function sampledGaussianRdp(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0
  if (sigma === 0) return Infinity
  if (q === 1) return alpha / (2 * sigma * sigma)
  if (!Number.isFinite(alpha)) return Infinity
  const logA = Number.isInteger(alpha) ? logAIntegerOrder(q, sigma, alpha) : logAFractionalOrder(q, sigma, alpha)
  if (Number.isNaN(logA)) return Infinity
  // A_α ≥ 1; a negative logarithm is rounding.
  return Math.max(0, logA / (alpha - 1))
}

/** log A_α for integer α: the binomial expansion, Σ_i C(α, i) q^i (1 − q)^(α−i) exp((i² − i) / 2σ²). */
function logAIntegerOrder(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q)
  const logOneMinusQ = Math.log1p(-q)
  const twoSigmaSquared = 2 * sigma * sigma
  let logA = -Infinity
  let logBinomial = 0
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinomial += Math.log(alpha - i + 1) - Math.log(i)
    const term = logBinomial + i * logQ + (alpha - i) * logOneMinusQ + (i * i - i) / twoSigmaSquared
    logA = logAdd(logA, term)
  }
  return logA
}

/**
 * log A_α for fractional α: the integral split at z0 where the two Gaussians' mixture weights
 * cross, each part an alternating series in the generalized binomial C(α, i) whose sign is
 * carried apart from its logarithm.
 */
function logAFractionalOrder(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q)
  const logOneMinusQ = Math.log1p(-q)
  const twoSigmaSquared = 2 * sigma * sigma
  const sqrt2Sigma = Math.SQRT2 * sigma
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5
  let logA0 = -Infinity
  let logA1 = -Infinity
  let logAbsBinomial = 0
  let positive = true
  for (let i = 0; i < maxSeriesTerms; i++) {
    if (i > 0) {
      const factor = alpha - i + 1
      logAbsBinomial += Math.log(Math.abs(factor)) - Math.log(i)
      if (factor < 0) positive = !positive
    }
    const j = alpha - i
    const logT0 = logAbsBinomial + i * logQ + j * logOneMinusQ
    const logT1 = logAbsBinomial + j * logQ + i * logOneMinusQ
    const logE0 = logErfc((i - z0) / sqrt2Sigma) - Math.LN2
    const logE1 = logErfc((z0 - j) / sqrt2Sigma) - Math.LN2
    const logS0 = logT0 + (i * i - i) / twoSigmaSquared + logE0
    const logS1 = logT1 + (j * j - j) / twoSigmaSquared + logE1
    if (positive) {
      logA0 = logAdd(logA0, logS0)
      logA1 = logAdd(logA1, logS1)
    } else {
      logA0 = logSub(logA0, logS0)
      logA1 = logSub(logA1, logS1)
    }
    if (Number.isNaN(logA0) || Number.isNaN(logA1)) return Number.NaN
    if (Math.max(logS0, logS1) < -30) return logAdd(logA0, logA1)
  }
  return Number.NaN
}
