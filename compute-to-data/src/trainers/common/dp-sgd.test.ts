import { describe, expect, test } from 'vitest'
import { clipContribution, clipFactor, dpLossShare, lossCoordinate, poissonSample, privateGradientSum } from './dp-sgd.ts'
import type { Objective } from './objective.ts'
import { secureRandom, seededRandom } from './random.ts'

const norm = (values: ArrayLike<number>, extra = 0) => Math.sqrt(Array.from(values).reduce((sum, v) => sum + v * v, extra * extra))

/** An objective whose row i has a fixed, arbitrary (often huge) gradient and loss. */
function fixedObjective(rows: number, size: number, seed: number): Objective & { gradients: Float64Array[]; losses: number[] } {
  const random = seededRandom(seed)
  const gradients = Array.from({ length: rows }, (_, i) => Float64Array.from({ length: size }, () => random.normal() * 10 ** ((i % 5) - 1)))
  const losses = Array.from({ length: rows }, (_, i) => (i % 3) * 2.5)
  return {
    gradients,
    losses,
    size,
    decay: new Uint8Array(size).fill(1),
    lossBound: 2,
    addGradient(_params, row, into) {
      for (let j = 0; j < size; j++) into[j]! += gradients[row]![j]!
      return losses[row]!
    },
  }
}

describe('poissonSample', () => {
  test('default: batch sizes have mean q·N and variance q(1−q)·N; each row is drawn with probability q', () => {
    const random = seededRandom(11)
    const rows = 1000
    const q = 0.05
    const draws = 4000
    const sizes: number[] = []
    const hits = new Uint32Array(rows)
    const batch: number[] = []
    for (let t = 0; t < draws; t++) {
      poissonSample(rows, q, random, batch)
      sizes.push(batch.length)
      for (const i of batch) hits[i]!++
    }
    const mean = sizes.reduce((a, b) => a + b) / draws
    const variance = sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws - 1)
    // Expected 50 ± 0.11 (one standard error); 47.5 for the variance (± ~1.1).
    expect(Math.abs(mean - q * rows)).toBeLessThan(0.5)
    expect(Math.abs(variance / (q * (1 - q) * rows) - 1)).toBeLessThan(0.1)
    // First, middle and last rows: 200 ± 14 hits each; the geometric gaps favour no position.
    for (const region of [hits.slice(0, 100), hits.slice(450, 550), hits.slice(900)]) {
      const average = region.reduce((a, b) => a + b, 0) / region.length
      expect(Math.abs(average - q * draws)).toBeLessThan(6)
    }
  })

  test('behavior: indices ascend, are distinct and in range; q = 1 takes every row', () => {
    const random = seededRandom(3)
    const batch: number[] = []
    for (let t = 0; t < 200; t++) {
      poissonSample(50, 0.3, random, batch)
      for (let i = 0; i < batch.length; i++) {
        expect(batch[i]).toBeGreaterThanOrEqual(i === 0 ? 0 : batch[i - 1]! + 1)
        expect(batch[i]).toBeLessThan(50)
      }
    }
    expect(poissonSample(7, 1, random, batch)).toEqual([0, 1, 2, 3, 4, 5, 6])
  })
})

describe('clipContribution', () => {
  test('default: a large gradient and loss together are clipped to norm C; the direction is kept', () => {
    const random = seededRandom(5)
    for (const C of [0.1, 1, 7.5]) {
      for (let t = 0; t < 50; t++) {
        const gradient = Float64Array.from({ length: 40 }, () => random.normal() * 100)
        const before = Float64Array.from(gradient)
        const lossCoordinate = clipContribution(gradient, 1000, C, 3)
        expect(norm(gradient, lossCoordinate)).toBeLessThanOrEqual(C * (1 + 1e-12))
        expect(lossCoordinate).toBeCloseTo(dpLossShare * C, 12)
        const ratio = gradient[0]! / before[0]!
        expect(ratio).toBeLessThan(1)
        expect(Math.max(...gradient.map((g, j) => Math.abs(g - before[j]! * ratio)))).toBeLessThan(1e-12)
      }
    }
  })

  test('behavior: a small gradient is untouched; the loss coordinate is proportional to the clipped loss', () => {
    const gradient = Float64Array.from([0.3, -0.4])
    expect(clipContribution(gradient, 0.5, 1, 2)).toBeCloseTo((dpLossShare * 0.5) / 2, 15)
    expect([...gradient]).toEqual([0.3, -0.4])
    expect(clipContribution(gradient, -3, 1, 2)).toBe(0)
  })

  test('error: a non-finite gradient or loss contributes nothing', () => {
    const gradient = Float64Array.from([1, Number.NaN, 2])
    expect(clipContribution(gradient, Number.NaN, 1, 2)).toBe(0)
    expect([...gradient]).toEqual([0, 0, 0])
    const infinite = Float64Array.from([Number.POSITIVE_INFINITY, 0])
    clipContribution(infinite, 1, 1, 2)
    expect([...infinite]).toEqual([0, 0])
  })
})

describe('clipFactor', () => {
  test('default: 1 within C·√(1 − β²), budget / norm above, 0 when not finite; lossCoordinate as clipContribution returns it', () => {
    const budget = 2 * Math.sqrt(1 - dpLossShare * dpLossShare)
    expect(clipFactor(budget * budget * 0.99, 2)).toBe(1)
    expect(clipFactor(100, 2)).toBeCloseTo(budget / 10, 15)
    expect(clipFactor(Number.NaN, 2)).toBe(0)
    expect(clipFactor(Number.POSITIVE_INFINITY, 2)).toBe(0)
    expect(lossCoordinate(5, 2, 3)).toBe(clipContribution(Float64Array.of(1), 5, 2, 3))
    expect(lossCoordinate(Number.NaN, 2, 3)).toBe(0)
  })
})

describe('privateGradientSum', () => {
  test('behavior: an objective that clips a batch itself (addClippedGradients) is used instead of row by row, to the same sum', () => {
    const rowByRow = fixedObjective(12, 6, 3)
    let batchCalls = 0
    const batched = {
      ...fixedObjective(12, 6, 3),
      addGradient: () => {
        throw new Error('the batch method must be used')
      },
      addClippedGradients(_params: Float64Array, rows: readonly number[], maxGradNorm: number, into: Float64Array) {
        batchCalls++
        let total = 0
        for (const row of rows) {
          const own = Float64Array.from(rowByRow.gradients[row]!)
          total += clipContribution(own, rowByRow.losses[row]!, maxGradNorm, rowByRow.lossBound)
          for (let j = 0; j < own.length; j++) into[j]! += own[j]!
        }
        return total
      },
    }
    const dp = { noiseMultiplier: 0.5, maxGradNorm: 0.8 }
    const rows = [0, 3, 4, 7, 11]
    const expected = new Float64Array(6)
    const expectedLoss = privateGradientSum(rowByRow, new Float64Array(6), rows, dp, seededRandom(5), expected, new Float64Array(6))
    const actual = new Float64Array(6)
    const loss = privateGradientSum(batched, new Float64Array(6), rows, dp, seededRandom(5), actual, new Float64Array(6))
    expect(batchCalls).toBe(1)
    expect(loss).toBeCloseTo(expectedLoss, 12)
    expect(Math.max(...actual.map((v, j) => Math.abs(v - expected[j]!)))).toBeLessThan(1e-12)
  })

  test('behavior: without noise, removing any one row changes (gradient sum, loss) by at most C', () => {
    const objective = fixedObjective(30, 25, 9)
    const params = new Float64Array(25)
    const dp = { noiseMultiplier: 0, maxGradNorm: 0.8 }
    const random = seededRandom(1)
    const full = new Float64Array(25)
    const without = new Float64Array(25)
    const scratch = new Float64Array(25)
    const batch = Array.from({ length: 30 }, (_, i) => i)
    const fullLoss = privateGradientSum(objective, params, batch, dp, random, full, scratch)
    let largest = 0
    for (const removed of batch) {
      const loss = privateGradientSum(objective, params, batch.filter((i) => i !== removed), dp, random, without, scratch)
      const lossCoordinate = ((fullLoss - loss) * dpLossShare * dp.maxGradNorm) / objective.lossBound
      const change = norm(full.map((v, j) => v - without[j]!), lossCoordinate)
      expect(change).toBeLessThanOrEqual(dp.maxGradNorm * (1 + 1e-9))
      largest = Math.max(largest, change)
    }
    // Rows with large gradients hit the bound exactly: clipping is what holds it.
    expect(largest).toBeGreaterThan(dp.maxGradNorm * 0.999)
    // Unclipped, rows differ by up to ~1000× the bound.
    expect(Math.max(...objective.gradients.map((g) => norm(g)))).toBeGreaterThan(100 * dp.maxGradNorm)
  })

  test('behavior: the noise is N(0, σ²C²) per coordinate and on the loss, around the clipped sum', () => {
    const size = 20_000
    const objective = fixedObjective(3, size, 4)
    const params = new Float64Array(size)
    const dp = { noiseMultiplier: 1.3, maxGradNorm: 0.7 }
    const batch = [0, 1, 2]
    const clean = new Float64Array(size)
    const scratch = new Float64Array(size)
    const cleanLoss = privateGradientSum(objective, params, batch, { ...dp, noiseMultiplier: 0 }, seededRandom(1), clean, scratch)
    const noisy = new Float64Array(size)
    privateGradientSum(objective, params, batch, dp, seededRandom(2024), noisy, scratch)

    const noise = noisy.map((v, j) => v - clean[j]!)
    const mean = noise.reduce((a, b) => a + b) / size
    const std = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / (size - 1))
    const expected = dp.noiseMultiplier * dp.maxGradNorm
    // Standard error of the std estimate: expected / √(2·size) ≈ 0.5%.
    expect(Math.abs(std / expected - 1)).toBeLessThan(0.03)
    expect(Math.abs(mean)).toBeLessThan((4 * expected) / Math.sqrt(size))

    // The loss estimate: unbiased around the clean clipped sum, with noise σC in loss-coordinate units.
    const small = fixedObjective(3, 2, 4)
    const pair = new Float64Array(2)
    const random = seededRandom(77)
    const losses = Array.from({ length: 4000 }, () => privateGradientSum(small, params, batch, dp, random, pair, new Float64Array(2)))
    const lossMean = losses.reduce((a, b) => a + b) / losses.length
    const lossStd = Math.sqrt(losses.reduce((a, b) => a + (b - lossMean) ** 2, 0) / (losses.length - 1))
    const lossNoise = (expected * small.lossBound) / (dpLossShare * dp.maxGradNorm)
    expect(Math.abs(lossStd / lossNoise - 1)).toBeLessThan(0.05)
    expect(Math.abs(lossMean - cleanLoss)).toBeLessThan((4 * lossNoise) / Math.sqrt(losses.length))
    expect(cleanLoss).toBeCloseTo(0 + 2 + 2, 12) // losses 0, 2.5, 5 clipped at the bound 2
  })
})

describe('secureRandom', () => {
  test('default: uniforms in (0, 1), standard normals, and two sources never agree', () => {
    const a = secureRandom()
    const b = secureRandom()
    const draws = Array.from({ length: 20_000 }, () => a.uniform())
    expect(Math.min(...draws)).toBeGreaterThan(0)
    expect(Math.max(...draws)).toBeLessThan(1)
    expect(Math.abs(draws.reduce((x, y) => x + y) / draws.length - 0.5)).toBeLessThan(0.01)
    const normals = Array.from({ length: 20_000 }, () => a.normal())
    const mean = normals.reduce((x, y) => x + y) / normals.length
    const variance = normals.reduce((x, y) => x + (y - mean) ** 2, 0) / normals.length
    expect(Math.abs(mean)).toBeLessThan(0.04)
    expect(Math.abs(variance - 1)).toBeLessThan(0.05)
    expect(a.uniform()).not.toBe(b.uniform())
  })
})
