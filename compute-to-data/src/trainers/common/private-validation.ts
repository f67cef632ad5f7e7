import { createHash } from 'node:crypto'
import { poissonSample } from './dp-sgd.ts'
import type { RandomSource } from './random.ts'
import type { TrainingTable } from './table.ts'

/**
 * Validation metrics under differential privacy.
 *
 * **Split.** Each row goes to validation when a hash of the seed and the row's own values (label,
 * then features, as read) falls below the fraction: a fixed function of the row alone, chosen
 * before any data is read. Adding or removing one row therefore changes exactly one side, and the
 * other rows stay where they were; a permutation of the row positions (the split without DP) would
 * move other rows when one is added, and the two sides would no longer be disjoint functions of
 * the data.
 *
 * **Mechanism.** Each validation row contributes a vector of norm at most 1 (its clipped loss, its
 * correctness or its clipped squared error and target, and a count); one epoch's worth of steps of
 * the sampled Gaussian mechanism DP-SGD uses (Poisson rate q, N(0, σ²) per coordinate, the job's
 * own q and σ, `stepsPerEpoch` steps) estimates the sum of those vectors, and the metrics are
 * ratios of the estimates (post-processing).
 *
 * **Accounting.** The training touches only the training rows and the scoring only the validation
 * rows, so the two compose in parallel: the job's ε is the larger of the two, and the scoring's
 * (the same mechanism, `stepsPerEpoch` ≤ `steps` compositions) is never the larger. The job's ε,
 * quoted and in the receipt, is the training's, unchanged.
 */
export type PrivateValidationPlan = { sampleRate: number; noiseMultiplier: number; stepsPerEpoch: number }

/** Whether a row (its label `y` and features `x`) is a validation row under DP: SHA-256(seed, y, x) below `fraction`. */
export function isPrivateValidationRow(seed: number, y: number, x: ArrayLike<number>, fraction: number): boolean {
  const bytes = Buffer.alloc(4 + 8 * (1 + x.length))
  bytes.writeUInt32LE(seed >>> 0, 0)
  bytes.writeDoubleLE(y, 4)
  for (let j = 0; j < x.length; j++) bytes.writeDoubleLE(x[j]!, 12 + 8 * j)
  return createHash('sha256').update(bytes).digest().readUInt32BE(0) / 2 ** 32 < fraction
}

/** Splits a table row by row with {@link isPrivateValidationRow}; both sides keep the file order. */
export function splitTableByRow(table: TrainingTable, fraction: number, seed: number): { training: TrainingTable; validation: TrainingTable } {
  const d = table.features
  const held = new Uint8Array(table.rows)
  let count = 0
  for (let i = 0; i < table.rows; i++) if (isPrivateValidationRow(seed, table.y[i]!, table.x.subarray(i * d, (i + 1) * d), fraction)) count += held[i] = 1
  const pick = (keep: 0 | 1): TrainingTable => {
    const rows = keep === 1 ? count : table.rows - count
    const x = new Float64Array(rows * d)
    const y = new Float64Array(rows)
    let r = 0
    for (let i = 0; i < table.rows; i++) {
      if (held[i] !== keep) continue
      x.set(table.x.subarray(i * d, (i + 1) * d), r * d)
      y[r++] = table.y[i]!
    }
    return { x, y, rows, features: d, fileRows: table.fileRows, skippedRows: table.skippedRows }
  }
  return { training: pick(0), validation: pick(1) }
}

/**
 * An unbiased, differentially private estimate of Σᵢ vᵢ over `rows` vectors of `width` values
 * (row-major, each of L2 norm ≤ 1): `stepsPerEpoch` steps, each a Poisson sample at rate q summed
 * plus N(0, σ²) per coordinate, added up and divided by the expected number of times a row is
 * sampled (steps · q).
 */
export function privateSum(vectors: Float64Array, rows: number, width: number, plan: PrivateValidationPlan, random: RandomSource): Float64Array {
  const total = new Float64Array(width)
  const batch: number[] = []
  for (let step = 0; step < plan.stepsPerEpoch; step++) {
    for (const i of poissonSample(rows, plan.sampleRate, random, batch)) for (let k = 0; k < width; k++) total[k]! += vectors[i * width + k]!
    for (let k = 0; k < width; k++) total[k]! += plan.noiseMultiplier * random.normal()
  }
  const expected = plan.stepsPerEpoch * Math.min(1, plan.sampleRate)
  return total.map((value) => value / expected)
}

/** Width of a classifier's validation vector: (clipped loss / B, correct, 1) / √3. */
export const classificationVectorWidth = 3
/** Width of a regression's validation vector: (clipped squared error / 4, target, target², 1) / 2, in scaled units. */
export const regressionVectorWidth = 4

/** Writes row `i`'s classification vector: cross-entropy clipped to [0, `lossBound`], 1 when the prediction is right. */
export function classificationVector(out: Float64Array, i: number, loss: number, correct: boolean, lossBound: number): void {
  const scale = 1 / Math.sqrt(3)
  out[i * 3] = ((loss > 0 ? Math.min(loss, lossBound) : 0) / lossBound) * scale
  out[i * 3 + 1] = correct ? scale : 0
  out[i * 3 + 2] = scale
}

/** Writes row `i`'s regression vector from its prediction and target in scaled units (each clipped to [-1, 1] here). */
export function regressionVector(out: Float64Array, i: number, prediction: number, target: number): void {
  const p = Math.min(1, Math.max(-1, Number.isFinite(prediction) ? prediction : 0))
  const y = Math.min(1, Math.max(-1, target))
  out[i * 4] = (p - y) ** 2 / 8
  out[i * 4 + 1] = y / 2
  out[i * 4 + 2] = (y * y) / 2
  out[i * 4 + 3] = 1 / 2
}

/**
 * The released metrics from a classifier's private sums: `validationRows` (the noisy count,
 * rounded, at least 0), `validationLoss` (mean clipped cross-entropy) and `validationAccuracy`,
 * each a ratio over the noisy count (at least 1), then clamped to their ranges (the loss at least 0,
 * the accuracy in [0, 1]; post-processing, so no privacy is spent). Noisy: on a few hundred held-out
 * rows the noise can dominate.
 */
export function classificationMetrics(sums: ArrayLike<number>, lossBound: number): Record<string, number> {
  const scale = Math.sqrt(3)
  const count = sums[2]! * scale
  const n = Math.max(1, count)
  const loss = (lossBound * sums[0]! * scale) / n
  const accuracy = (sums[1]! * scale) / n
  return { validationRows: Math.max(0, Math.round(count)), validationLoss: Math.max(0, loss), validationAccuracy: Math.min(1, Math.max(0, accuracy)) }
}

/**
 * The released metrics from a regression's private sums: `validationRows`, `validationLoss`
 * (mean squared error, clipped to the label's declared range, in the label's units: `halfRange`²
 * times the scaled one; at least 0) and `validationR2` (1 − MSE / variance of the targets, in
 * [−1, 1] as torch-custom's, 0 when the noisy variance is not positive). Clamping is
 * post-processing: no privacy is spent.
 */
export function regressionMetrics(sums: ArrayLike<number>, halfRange: number): Record<string, number> {
  const count = sums[3]! * 2
  const n = Math.max(1, count)
  const mse = Math.max(0, (8 * sums[0]!) / n)
  const mean = (2 * sums[1]!) / n
  const variance = (2 * sums[2]!) / n - mean * mean
  return { validationRows: Math.max(0, Math.round(count)), validationLoss: mse * halfRange * halfRange, validationR2: variance > 0 ? Math.max(-1, 1 - mse / variance) : 0 }
}
