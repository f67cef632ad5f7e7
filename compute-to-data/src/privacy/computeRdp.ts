import { z } from 'zod'
import { noiseMultiplierSchema, ordersSchema, parseArguments, sampleRateSchema, stepsSchema, toArray } from './arguments.ts'
import type { PrivacyArgumentError } from './errors.ts'
import { defaultRdpOrders, sampledGaussianRdp } from './sampled-gaussian.ts'

/** Parameters of {@link computeRdp}. */
export type ComputeRdpParameters = {
  /** Poisson sampling rate q of each step: the expected batch size over the dataset's rows, in [0, 1]. */
  sampleRate: number
  /** Noise standard deviation over the clipping norm (σ ≥ 0). */
  noiseMultiplier: number
  /** How many steps (noisy gradient updates), a non-negative integer. */
  steps: number
  /** Rényi orders α > 1; default {@link defaultRdpOrders}. */
  orders?: ArrayLike<number> | undefined
}

/** RDP of the whole run at each order, in the orders' order; `Infinity` where unbounded (σ = 0). */
export type ComputeRdpReturnType = Float64Array

/** The error {@link computeRdp} throws. */
export type ComputeRdpErrorType = PrivacyArgumentError

const parametersSchema = z.object({
  sampleRate: sampleRateSchema,
  noiseMultiplier: noiseMultiplierSchema,
  steps: stepsSchema,
  orders: ordersSchema.optional(),
})

/**
 * Rényi differential privacy of DP-SGD: `steps` compositions of the Sampled Gaussian Mechanism
 * (Poisson sampling at `sampleRate`, Gaussian noise of `noiseMultiplier` × the clipping norm), at
 * each Rényi order. RDP composes by addition, so the run's RDP is one step's times `steps`; the
 * curves of runs with different settings may be added order by order. Integer orders use the
 * closed-form binomial sum, fractional ones the series of Mironov, Talwar & Zhang (2019), both in
 * log space; the numbers match Opacus' and TF Privacy's `compute_rdp`.
 *
 * @example
 * const rdp = computeRdp({ sampleRate: 256 / 60_000, noiseMultiplier: 1.1, steps: 14_063 })
 * const { epsilon } = rdpToEpsilon({ rdp, orders: defaultRdpOrders, delta: 1e-5 })
 */
export function computeRdp(parameters: ComputeRdpParameters): ComputeRdpReturnType {
  const { sampleRate, noiseMultiplier, steps, orders } = parseArguments(parametersSchema, { ...parameters, orders: toArray(parameters.orders) })
  return rdpOfSampledGaussian(sampleRate, noiseMultiplier, steps, orders ?? defaultRdpOrders)
}

/** {@link computeRdp} on arguments already checked. */
export function rdpOfSampledGaussian(q: number, sigma: number, steps: number, orders: readonly number[]): Float64Array {
  const rdp = new Float64Array(orders.length)
  // 0 steps spend nothing, even where one step would be unbounded (0 × ∞ is NaN).
  if (steps === 0) return rdp
  for (let k = 0; k < orders.length; k++) rdp[k] = sampledGaussianRdp(q, sigma, orders[k]!) * steps
  return rdp
}
