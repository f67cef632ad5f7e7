import { z } from 'zod'
import type { DatasetSchema } from '../api/schemas.ts'
import { TrainerParametersError } from './errors.ts'

/**
 * The `dp` parameter every built-in trainer takes: train with DP-SGD (Abadi et al. 2016).
 * Each step samples rows by Poisson sampling (rate q = batchSize / rows), clips each row's
 * gradient to L2 norm `maxGradNorm` (C) over all parameters, adds Gaussian noise N(0, σ²C²) with
 * σ = `noiseMultiplier` to the sum and divides by the expected batch size.
 */
export const differentialPrivacyParametersSchema = z
  .object({
    noiseMultiplier: z.number().positive().max(1000).describe('σ: the Gaussian noise added to each step, as a multiple of maxGradNorm; more noise spends less ε.'),
    maxGradNorm: z.number().positive().max(1e6).describe("C: each row's gradient (all parameters together) is clipped to this L2 norm."),
    delta: z
      .number()
      .positive()
      .lt(1)
      .optional()
      .describe('δ of the (ε, δ) guarantee; default min(1e-5, 1 / (10 · rows)); must be below 1 / rows.'),
  })
  .strict()
  .describe('Train with DP-SGD (per-row clipping, Gaussian noise, Poisson sampling); the node accounts the ε it spends.')

/** The `dp` parameter as a buyer writes it. */
export type DifferentialPrivacyParameters = z.infer<typeof differentialPrivacyParametersSchema>

/** What DP-SGD a run will do, known before it starts (so the node can reserve privacy budget). */
export type DifferentialPrivacyPlan = {
  noiseMultiplier: number
  maxGradNorm: number
  delta: number
  /** The schema's declared row count, which the trainer checks against the data. */
  rows: number
  /** The `batchSize` parameter, used as the expected batch size L. */
  expectedBatchSize: number
  /** q = L / rows. */
  sampleRate: number
  /** round(1 / q). */
  stepsPerEpoch: number
  /** epochs × round(1 / q): the number of noisy steps, each a sampled Gaussian mechanism. */
  steps: number
}

/** Metrics a DP run writes: public quantities only, never a loss or accuracy computed on the data. */
export const differentialPrivacyMetricNames: readonly string[] = ['rows', 'epochs', 'steps', 'sampleRate', 'noiseMultiplier', 'maxGradNorm', 'delta']

/**
 * Derives a run's DP-SGD from the schema and the parameters. Refuses when the schema declares no
 * `rows` (`dp-missing-rows`), when the batch is larger than the rows (`dp-batch-too-large`) or
 * when δ ≥ 1 / rows (`dp-delta-too-large`).
 *
 * @example
 * planDifferentialPrivacy({ format: 'csv', columns, rows: 10_000 }, { dp: { noiseMultiplier: 1, maxGradNorm: 1 }, batchSize: 100, epochs: 5 })
 * // { sampleRate: 0.01, stepsPerEpoch: 100, steps: 500, delta: 1e-5, … }
 */
export function planDifferentialPrivacy(
  schema: DatasetSchema,
  { dp, batchSize, epochs }: { dp: DifferentialPrivacyParameters; batchSize: number; epochs: number },
): DifferentialPrivacyPlan {
  const rows = (schema as { rows?: unknown }).rows
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0)
    throw new TrainerParametersError('dp-missing-rows', 'Differentially private training needs the number of rows declared in the dataset schema.')
  if (batchSize > rows)
    throw new TrainerParametersError('dp-batch-too-large', `The batch size ${batchSize} is larger than the dataset's ${rows} declared rows.`)
  const delta = dp.delta ?? Math.min(1e-5, 1 / (10 * rows))
  if (delta >= 1 / rows) throw new TrainerParametersError('dp-delta-too-large', `delta must be below 1 / rows (${1 / rows}).`)
  const sampleRate = batchSize / rows
  const stepsPerEpoch = Math.round(1 / sampleRate)
  return {
    noiseMultiplier: dp.noiseMultiplier,
    maxGradNorm: dp.maxGradNorm,
    delta,
    rows,
    expectedBatchSize: batchSize,
    sampleRate,
    stepsPerEpoch,
    steps: epochs * stepsPerEpoch,
  }
}

/**
 * The metadata keys only a DP model file carries: `scaling: "bounds"` (features were scaled and
 * clipped by the schema's bounds) and `privacy`, the JSON of what the run did. Empty without DP.
 */
export function differentialPrivacyMetadata(plan: DifferentialPrivacyPlan | undefined): Record<string, string> {
  if (plan === undefined) return {}
  const { noiseMultiplier, maxGradNorm, sampleRate, steps, delta } = plan
  return { scaling: 'bounds', privacy: JSON.stringify({ noiseMultiplier, maxGradNorm, sampleRate, steps, delta }) }
}

/** The metrics of a DP run; every value is public (parameters and the declared schema). */
export function differentialPrivacyMetrics(plan: DifferentialPrivacyPlan, epochs: number): Record<string, number> {
  return {
    rows: plan.rows,
    epochs,
    steps: plan.steps,
    sampleRate: plan.sampleRate,
    noiseMultiplier: plan.noiseMultiplier,
    maxGradNorm: plan.maxGradNorm,
    delta: plan.delta,
  }
}
