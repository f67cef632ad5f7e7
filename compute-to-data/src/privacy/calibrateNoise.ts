import { z } from 'zod'
import { parseArguments } from './arguments.ts'
import { PrivacyArgumentError } from './errors.ts'
import { type NoiseMultiplierForParameters, noiseMultiplierFor } from './noiseMultiplierFor.ts'

/** What a trainer's DP-SGD plan says of a run (a trainer definition's `privacy(schema, params)`). */
export type CalibrationPlan = { sampleRate: number; steps: number; delta: number }

/** Parameters of {@link calibrateNoise}. */
export type CalibrateNoiseParameters = {
  /** A job's parameters; `dp.targetEpsilon` (and no `dp.noiseMultiplier`) asks for calibration. */
  params: Record<string, unknown>
  /** The trainer's DP plan for parameters with a concrete noise multiplier; undefined when it has no DP. */
  plan: (params: Record<string, unknown>) => CalibrationPlan | undefined
  /** The largest σ the trainers accept (their `dp.noiseMultiplier` bound); default 1000. */
  maxNoiseMultiplier?: number | undefined
  /**
   * Solves for σ; default {@link noiseMultiplierFor}. A node passes a memoized one: a solve takes
   * up to seconds of CPU, and the same job is quoted, then submitted, with the same arguments.
   */
  solve?: ((parameters: NoiseMultiplierForParameters) => number) | undefined
}

/** What {@link calibrateNoise} answers: the parameters the job runs with, and the target it met (if one was asked). */
export type CalibrateNoiseReturnType = { params: Record<string, unknown>; targetEpsilon: number | undefined }

/** The errors {@link calibrateNoise} throws: a bad target, both σ and a target, a trainer without DP, a target no allowed σ reaches. */
export type CalibrateNoiseErrorType = PrivacyArgumentError

const targetSchema = z.object({ targetEpsilon: z.number().gt(0).max(1000) }).loose()

/**
 * Turns a target ε into a noise multiplier: a buyer who writes `dp: { targetEpsilon: 3,
 * maxGradNorm: 1 }` gets the smallest σ whose run (this trainer's sampling rate and steps on this
 * dataset, at its δ) spends at most ε = 3, by the node's own accountant ({@link noiseMultiplierFor}).
 * The answer's `params.dp` holds `noiseMultiplier` in place of `targetEpsilon`, so the trainer, the
 * receipt's parameters hash and the budget reservation all see the σ that runs. Parameters without
 * `dp.targetEpsilon` come back unchanged.
 *
 * @example
 * const { params } = calibrateNoise({ params: { label: 'y', epochs: 5, dp: { targetEpsilon: 3, maxGradNorm: 1 } }, plan: (p) => trainer.privacy!(schema, p) })
 * params.dp // { maxGradNorm: 1, noiseMultiplier: 0.93… }
 */
export function calibrateNoise({ params, plan, maxNoiseMultiplier = 1000, solve = noiseMultiplierFor }: CalibrateNoiseParameters): CalibrateNoiseReturnType {
  const dp = params.dp
  if (dp === null || typeof dp !== 'object' || Array.isArray(dp) || !Object.hasOwn(dp, 'targetEpsilon')) return { params, targetEpsilon: undefined }
  const { targetEpsilon, ...rest } = parseArguments(targetSchema, dp)
  if (Object.hasOwn(rest, 'noiseMultiplier')) throw new PrivacyArgumentError('dp: give either noiseMultiplier or targetEpsilon, not both.')
  // σ does not change the sampling rate, the steps or δ: plan with any σ, then solve for it.
  const probe = plan({ ...params, dp: { ...rest, noiseMultiplier: 1 } })
  if (!probe) throw new PrivacyArgumentError('dp.targetEpsilon: this trainer plans no DP-SGD run, so there is no noise to calibrate.')
  const noiseMultiplier = solve({ targetEpsilon, delta: probe.delta, sampleRate: probe.sampleRate, steps: probe.steps })
  if (noiseMultiplier > maxNoiseMultiplier)
    throw new PrivacyArgumentError(
      `dp.targetEpsilon: ε = ${targetEpsilon} needs a noise multiplier of ${Number(noiseMultiplier.toPrecision(4))}, above the ${maxNoiseMultiplier} trainers allow; allow a larger ε or train fewer epochs.`,
    )
  if (noiseMultiplier === 0) throw new PrivacyArgumentError('dp.targetEpsilon: the run takes no noisy step, so there is no noise to calibrate.')
  return { params: { ...params, dp: { ...rest, noiseMultiplier } }, targetEpsilon }
}
