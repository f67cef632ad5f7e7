import { describe, expect, test } from 'vitest'
import { seededRandom } from './random.ts'
import {
  classificationMetrics,
  classificationVector,
  isPrivateValidationRow,
  privateSum,
  regressionMetrics,
  regressionVector,
  splitTableByRow,
} from './private-validation.ts'
import type { TrainingTable } from './table.ts'

const table = (rows: number[][], y: number[]): TrainingTable => ({
  x: Float64Array.from(rows.flat()),
  y: Float64Array.from(y),
  rows: rows.length,
  features: rows[0]!.length,
  fileRows: rows.length,
  skippedRows: 0,
})

describe('splitTableByRow', () => {
  test('default: about the fraction of rows, each placed by its own values and the seed alone', () => {
    const rows = Array.from({ length: 4000 }, (_, i) => [i, i % 7])
    const split = splitTableByRow(table(rows, rows.map((_, i) => i % 2)), 0.2, 5)
    expect(split.validation.rows + split.training.rows).toBe(4000)
    expect(split.validation.rows).toBeGreaterThan(4000 * 0.2 - 4 * Math.sqrt(4000 * 0.16))
    expect(split.validation.rows).toBeLessThan(4000 * 0.2 + 4 * Math.sqrt(4000 * 0.16))
    // Adding or removing one row moves no other row: what parallel composition needs.
    const held = (t: TrainingTable) => new Set(Array.from({ length: t.rows }, (_, i) => t.x[i * 2]))
    const fewer = splitTableByRow(table(rows.slice(1), rows.slice(1).map((_, i) => (i + 1) % 2)), 0.2, 5)
    const before = held(split.validation)
    before.delete(0)
    expect(held(fewer.validation)).toEqual(before)
    // Another seed, another partition.
    expect(held(splitTableByRow(table(rows, rows.map((_, i) => i % 2)), 0.2, 6).validation)).not.toEqual(held(split.validation))
    expect(isPrivateValidationRow(5, 1, [3, 3], 0.2)).toBe(isPrivateValidationRow(5, 1, [3, 3], 0.2))
  })
})

describe('privateSum', () => {
  const plan = { sampleRate: 0.1, noiseMultiplier: 1, stepsPerEpoch: 10 }

  test('behavior: noise is present (two draws differ) and averages to the true sum', () => {
    // 200 rows, 150 right, losses 0.5: the vectors of a classifier's validation rows.
    const n = 200
    const vectors = new Float64Array(n * 3)
    for (let i = 0; i < n; i++) classificationVector(vectors, i, 0.5, i < 150, 2)
    const random = seededRandom(11)
    const first = classificationMetrics(privateSum(vectors, n, 3, plan, random), 2)
    const second = classificationMetrics(privateSum(vectors, n, 3, plan, random), 2)
    expect(first).not.toEqual(second)
    let accuracy = 0
    let loss = 0
    let count = 0
    const runs = 400
    for (let r = 0; r < runs; r++) {
      const metrics = classificationMetrics(privateSum(vectors, n, 3, plan, random), 2)
      accuracy += metrics.validationAccuracy! / runs
      loss += metrics.validationLoss! / runs
      count += metrics.validationRows! / runs
    }
    // Each noisy sum has sd ≈ σ·√(steps)/(steps·q) ≈ 3.2 (and sampling adds a little): the means of 400 runs are within a few hundredths.
    expect(Math.abs(accuracy - 0.75)).toBeLessThan(0.02)
    expect(Math.abs(loss - 0.5)).toBeLessThan(0.02)
    expect(Math.abs(count - n)).toBeLessThan(2)
  })

  test('args: without noise (σ tiny, q = 1) the metrics are exact, and a regression\'s come back in the label\'s units', () => {
    const exact = { sampleRate: 1, noiseMultiplier: 1e-12, stepsPerEpoch: 1 }
    const vectors = new Float64Array(4 * 3)
    ;[0.1, 3, 0.7, 100].forEach((loss, i) => classificationVector(vectors, i, loss, i % 2 === 0, 2))
    const classified = classificationMetrics(privateSum(vectors, 4, 3, exact, seededRandom(1)), 2)
    // Losses clipped to [0, 2]: (0.1 + 2 + 0.7 + 2) / 4.
    expect(classified.validationRows).toBe(4)
    expect(classified.validationLoss).toBeCloseTo(1.2, 9)
    expect(classified.validationAccuracy).toBeCloseTo(0.5, 9)

    // Scaled targets −1, 0, 1 and predictions off by 0.5, 0 and 2 (clipped to 1 − (−1)… the prediction 3 is clipped to 1).
    const regression = new Float64Array(3 * 4)
    regressionVector(regression, 0, -0.5, -1)
    regressionVector(regression, 1, 0, 0)
    regressionVector(regression, 2, 3, 1)
    const half = 10
    const metrics = regressionMetrics(privateSum(regression, 3, 4, exact, seededRandom(1)), half)
    expect(metrics.validationRows).toBe(3)
    expect(metrics.validationLoss).toBeCloseTo((0.25 / 3) * half * half, 9)
    expect(metrics.validationR2).toBeCloseTo(1 - 0.25 / 3 / (2 / 3), 9)
  })

  test('behavior: noise that swamps a few held-out rows still gives metrics in their ranges (loss ≥ 0, accuracy in [0, 1], R² in [−1, 1])', () => {
    const loud = { sampleRate: 1, noiseMultiplier: 50, stepsPerEpoch: 1 }
    const random = seededRandom(5)
    const classifier = new Float64Array(5 * 3)
    for (let i = 0; i < 5; i++) classificationVector(classifier, i, 0.2, true, 2)
    const regression = new Float64Array(5 * 4)
    for (let i = 0; i < 5; i++) regressionVector(regression, i, 0.1 * i, 0.1 * i)
    const seen = { accuracyClamped: 0, r2Clamped: 0 }
    for (let r = 0; r < 200; r++) {
      const classified = classificationMetrics(privateSum(classifier, 5, 3, loud, random), 2)
      expect(classified.validationLoss).toBeGreaterThanOrEqual(0)
      expect(classified.validationAccuracy).toBeGreaterThanOrEqual(0)
      expect(classified.validationAccuracy).toBeLessThanOrEqual(1)
      if (classified.validationAccuracy === 0 || classified.validationAccuracy === 1) seen.accuracyClamped++
      const regressed = regressionMetrics(privateSum(regression, 5, 4, loud, random), 3)
      expect(regressed.validationLoss).toBeGreaterThanOrEqual(0)
      expect(regressed.validationR2).toBeGreaterThanOrEqual(-1)
      expect(regressed.validationR2).toBeLessThanOrEqual(1)
      if (regressed.validationR2 === -1 || regressed.validationR2 === 1) seen.r2Clamped++
    }
    // The clamps were exercised, not just never reached.
    expect(seen.accuracyClamped).toBeGreaterThan(0)
    expect(seen.r2Clamped).toBeGreaterThan(0)
  })
})
