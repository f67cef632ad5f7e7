import { type DatasetSchema, planLinearRegression } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { seededRandom } from '../common/random.ts'
import { loadTable } from '../common/table.ts'
import { linear } from '../testing/datasets.ts'
import { trainLinearRegression } from './train.ts'

const schema = {
  format: 'csv',
  rows: 2000,
  columns: [
    { name: 'f1', type: 'number', min: -4, max: 4 },
    { name: 'f2', type: 'number', min: -20, max: 20 },
    { name: 'f3', type: 'number', min: 96, max: 104 },
    { name: 'label', type: 'number', min: -40, max: 60 },
  ],
} as DatasetSchema

/** Predicts rows of `features` with a trained model, in the label's units. */
function predict(model: ReturnType<typeof trainLinearRegression>, features: number[][], clip = false) {
  return features.map((x) => {
    let y = model.bias
    x.forEach((value, j) => {
      const scaled = (value - model.featureMean[j]!) / model.featureStd[j]!
      y += model.weights[j]! * (clip ? Math.min(1, Math.max(-1, scaled)) : scaled)
    })
    return y
  })
}

function r2(predictions: number[], targets: number[]) {
  const mean = targets.reduce((a, b) => a + b) / targets.length
  const sse = targets.reduce((sum, t, i) => sum + (predictions[i]! - t) ** 2, 0)
  const sst = targets.reduce((sum, t) => sum + (t - mean) ** 2, 0)
  return 1 - sse / sst
}

describe('trainLinearRegression', () => {
  const data = linear(2000, 1)
  const heldOut = linear(1000, 2)

  test('default: recovers the coefficients in the label units; held-out R² near the noise limit', () => {
    const plan = planLinearRegression(schema, { label: 'label', epochs: 20 })
    const losses: number[] = []
    const model = trainLinearRegression(plan, loadTable(plan, [data.csv]), { onEpoch: (_, loss) => losses.push(loss) })
    expect(losses).toHaveLength(1) // the normal equations: one exact step
    expect(model.steps).toBe(1)
    // Weights are per standard deviation of each feature: 3·1, −2·5, 0.5·1.
    const perUnit = [...model.weights].map((w, j) => w / model.featureStd[j]!)
    expect(perUnit[0]).toBeCloseTo(3, 1)
    expect(perUnit[1]).toBeCloseTo(-2, 1)
    expect(perUnit[2]).toBeCloseTo(0.5, 1)
    expect(model.r2).toBeGreaterThan(0.99)
    expect(model.loss).toBeLessThan(0.35) // noise variance 0.25
    expect(r2(predict(model, heldOut.features), heldOut.targets)).toBeGreaterThan(0.99)
  })

  test('args: solver sgd: one loss per epoch, falling, near the exact fit', () => {
    const plan = planLinearRegression(schema, { label: 'label', epochs: 20, solver: 'sgd' })
    const losses: number[] = []
    const model = trainLinearRegression(plan, loadTable(plan, [data.csv]), { onEpoch: (_, loss) => losses.push(loss) })
    expect(losses).toHaveLength(20)
    expect(losses.at(-1)!).toBeLessThan(losses[0]!)
    const exact = trainLinearRegression(planLinearRegression(schema, { label: 'label' }), loadTable(plan, [data.csv]))
    expect(exact.loss!).toBeLessThanOrEqual(model.loss! + 1e-12) // the exact solution is the least-squares minimum
    expect(model.loss!).toBeLessThan(exact.loss! * 1.05)
  })

  test('behavior: a constant feature with l2 = 0 still solves (the singular system is regularized)', () => {
    const plan = planLinearRegression(schema, { label: 'label' })
    const csv = `f1,f2,f3,label\n${Array.from({ length: 50 }, (_, i) => `${i},7,${(i * 13) % 17},${2 * i + 1}`).join('\n')}\n`
    const model = trainLinearRegression(plan, loadTable(plan, [csv]))
    expect(model.r2).toBeGreaterThan(0.999999)
    expect(Number.isFinite(model.weights[1]!)).toBe(true)
  })

  test('behavior: ridge (l2 > 0) shrinks the weights', () => {
    const free = planLinearRegression(schema, { label: 'label', epochs: 10 })
    const ridge = planLinearRegression(schema, { label: 'label', epochs: 10, l2: 1 })
    const norm = (w: Float64Array) => Math.hypot(...w)
    expect(norm(trainLinearRegression(ridge, loadTable(ridge, [data.csv])).weights)).toBeLessThan(0.7 * norm(trainLinearRegression(free, loadTable(free, [data.csv])).weights))
  })

  test('behavior: DP (σ = 1, C = 1) still fits; no data-derived metrics; scaling from the bounds', () => {
    const plan = planLinearRegression(schema, { label: 'label', epochs: 20, dp: { noiseMultiplier: 1, maxGradNorm: 1 } })
    const model = trainLinearRegression(plan, loadTable(plan, [data.csv]), { privateRandom: seededRandom(12) })
    expect(model.steps).toBe(20 * 31)
    expect(model.loss).toBeUndefined()
    expect(model.r2).toBeUndefined()
    expect([...model.featureMean]).toEqual([0, 0, 100])
    expect([...model.featureStd]).toEqual([4, 20, 4])
    expect(r2(predict(model, heldOut.features, true), heldOut.targets)).toBeGreaterThan(0.9)
  })
})
