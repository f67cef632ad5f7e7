import { z } from 'zod'
import { conversionSchema, deltaSchema, ordersSchema, parseArguments, sampleRateSchema, stepsSchema, toArray } from './arguments.ts'
import { rdpOfSampledGaussian } from './computeRdp.ts'
import { PrivacyArgumentError } from './errors.ts'
import { type RdpConversion, epsilonOfRdp } from './rdpToEpsilon.ts'
import { defaultRdpOrders } from './sampled-gaussian.ts'

/** Parameters of {@link noiseMultiplierFor}. */
export type NoiseMultiplierForParameters = {
  /** The ε the whole run may spend, > 0. */
  targetEpsilon: number
  /** Target δ, in (0, 1). */
  delta: number
  /** Poisson sampling rate of each step, in [0, 1]. */
  sampleRate: number
  /** Number of steps, a non-negative integer. */
  steps: number
  /** Rényi orders; default {@link defaultRdpOrders}. */
  orders?: ArrayLike<number> | undefined
  /** Default `balle2020`. */
  conversion?: RdpConversion | undefined
  /** Relative precision of the answer, in (0, 0.1]; default 1e-6. */
  tolerance?: number | undefined
}

/** The error {@link noiseMultiplierFor} throws: bad arguments, or a target no σ up to {@link maxNoiseMultiplier} reaches. */
export type NoiseMultiplierForErrorType = PrivacyArgumentError

/** The largest noise multiplier {@link noiseMultiplierFor} tries (Opacus' `MAX_SIGMA`). */
export const maxNoiseMultiplier = 1e6

const parametersSchema = z.object({
  targetEpsilon: z.number().gt(0),
  delta: deltaSchema,
  sampleRate: sampleRateSchema,
  steps: stepsSchema,
  orders: ordersSchema.optional(),
  conversion: conversionSchema.optional(),
  tolerance: z.number().gt(0).max(0.1).optional(),
})

/**
 * The noise multiplier a buyer who states a target ε needs: the smallest σ (within `tolerance`,
 * relative) whose run spends at most `targetEpsilon` at `delta`, found by bisection (ε falls as σ
 * grows). The answer always errs on the side of more noise: `epsilonFor` of it is ≤ the target.
 * 0 when nothing is sampled or no step is taken.
 *
 * @example
 * const noiseMultiplier = noiseMultiplierFor({ targetEpsilon: 8, delta: 1e-5, sampleRate: 0.04, steps: 2250 })
 */
export function noiseMultiplierFor(parameters: NoiseMultiplierForParameters): number {
  const {
    targetEpsilon,
    delta,
    sampleRate,
    steps,
    orders = defaultRdpOrders,
    conversion = 'balle2020',
    tolerance = 1e-6,
  } = parseArguments(parametersSchema, { ...parameters, orders: toArray(parameters.orders) })
  if (sampleRate === 0 || steps === 0) return 0
  const epsilon = (sigma: number) => epsilonOfRdp(rdpOfSampledGaussian(sampleRate, sigma, steps, orders), orders, delta, conversion).epsilon

  // ε(0) = ∞ > target: find a σ that meets it, then halve the interval between.
  let low = 0
  let high = 1
  while (epsilon(high) > targetEpsilon) {
    low = high
    high *= 2
    if (high > maxNoiseMultiplier)
      throw new PrivacyArgumentError(`No noise multiplier up to ${maxNoiseMultiplier} keeps ε within ${targetEpsilon} at δ = ${delta}.`)
  }
  while (high - low > tolerance * high) {
    const middle = (low + high) / 2
    if (epsilon(middle) > targetEpsilon) low = middle
    else high = middle
  }
  return high
}
