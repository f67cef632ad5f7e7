import { z } from 'zod'
import { conversionSchema, deltaSchema, noiseMultiplierSchema, ordersSchema, parseArguments, sampleRateSchema, stepsSchema, toArray } from './arguments.ts'
import { rdpOfSampledGaussian } from './computeRdp.ts'
import type { PrivacyArgumentError } from './errors.ts'
import { type RdpConversion, epsilonOfRdp } from './rdpToEpsilon.ts'
import { defaultRdpOrders } from './sampled-gaussian.ts'

/** Parameters of {@link epsilonFor}. */
export type EpsilonForParameters = {
  /** Poisson sampling rate of each step, in [0, 1]. */
  sampleRate: number
  /** Noise standard deviation over the clipping norm, ≥ 0. */
  noiseMultiplier: number
  /** Number of steps, a non-negative integer. */
  steps: number
  /** Target δ, in (0, 1). */
  delta: number
  /** Rényi orders; default {@link defaultRdpOrders}. */
  orders?: ArrayLike<number> | undefined
  /** Default `balle2020`. */
  conversion?: RdpConversion | undefined
}

/** The error {@link epsilonFor} throws. */
export type EpsilonForErrorType = PrivacyArgumentError

const parametersSchema = z.object({
  sampleRate: sampleRateSchema,
  noiseMultiplier: noiseMultiplierSchema,
  steps: stepsSchema,
  delta: deltaSchema,
  orders: ordersSchema.optional(),
  conversion: conversionSchema.optional(),
})

/**
 * The ε (at `delta`) that DP-SGD with these settings spends: {@link computeRdp}, then
 * {@link rdpToEpsilon}. What Opacus' `RDPAccountant.get_epsilon` answers for the same run.
 * `Infinity` when σ = 0 and anything is sampled.
 *
 * @example
 * epsilonFor({ sampleRate: 0.04, noiseMultiplier: 1.5, steps: 2250, delta: 1e-5 }) // ≈ 7.329
 */
export function epsilonFor(parameters: EpsilonForParameters): number {
  const { sampleRate, noiseMultiplier, steps, delta, orders = defaultRdpOrders, conversion = 'balle2020' } = parseArguments(parametersSchema, {
    ...parameters,
    orders: toArray(parameters.orders),
  })
  return epsilonOfRdp(rdpOfSampledGaussian(sampleRate, noiseMultiplier, steps, orders), orders, delta, conversion).epsilon
}
