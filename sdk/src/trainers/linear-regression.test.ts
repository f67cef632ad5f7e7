import { describe, expect, test } from 'vitest'
import type { DatasetSchema } from '../api/schemas.ts'
import { encodeSafetensors } from '../safetensors/encodeSafetensors.ts'
import { linearRegressionMetadata, planLinearRegression } from './linear-regression-plan.ts'
import { loadLinearRegression } from './loadLinearRegression.ts'
import { evaluateRegression, predictLinearRegression } from './predictLinearRegression.ts'

const schema = {
  format: 'csv',
  rows: 500,
  columns: [
    { name: 'x1', type: 'number', min: 0, max: 10 },
    { name: 'x2', type: 'number', min: -5, max: 5 },
    { name: 'price', type: 'number', min: 0, max: 1000 },
    { name: 'kind', type: 'category', values: ['a', 'b'] },
  ],
} as DatasetSchema

function failure(fn: () => unknown) {
  try {
    fn()
  } catch (error) {
    const e = error as { name: string; code: string; reason: string }
    return `${e.name}/${e.code}/${e.reason}`
  }
  throw new Error('did not throw')
}

describe('planLinearRegression', () => {
  test('default: number label, every other number column a feature and the category one-hot, standardized', () => {
    const plan = planLinearRegression(schema, { label: 'price' })
    expect(plan).toMatchObject({ label: 'price', features: ['x1', 'x2', 'kind=a', 'kind=b'], scaling: { kind: 'standardize' }, labelScaling: { kind: 'standardize' }, privacy: undefined })
    expect(plan.metrics).toEqual(['loss', 'r2', 'rows', 'epochs', 'validationRows', 'validationLoss', 'validationR2'])
    expect(plan.params).toEqual({ label: 'price', epochs: 50, learningRate: 0.05, l2: 0, batchSize: 64, seed: 0, validationFraction: 0.2 })
    expect(linearRegressionMetadata(plan)).toEqual({ trainer: 'linear-regression', version: '1.1.0', label: 'price', features: '["x1","x2","kind=a","kind=b"]', categories: '{"kind":["a","b"]}' })
  })

  test('args: dp scales features and label by their bounds and adds the privacy metadata', () => {
    const plan = planLinearRegression(schema, { label: 'price', features: ['x2'], validationFraction: 0, dp: { noiseMultiplier: 1, maxGradNorm: 1 } })
    expect(plan).toMatchObject({ scaling: { kind: 'bounds', min: [-5], max: [5] }, labelScaling: { kind: 'bounds', min: [0], max: [1000] }, privacy: { steps: 50 * 8 } })
    expect(plan.metrics).toEqual(['rows', 'epochs', 'steps', 'sampleRate', 'noiseMultiplier', 'maxGradNorm', 'delta'])
    expect(linearRegressionMetadata(plan)).toMatchObject({ scaling: 'bounds', privacy: expect.stringContaining('"steps":400') })
  })

  test('error: category label, missing label, bad parameters, DP without label bounds', () => {
    const p = 'TrainerParametersError/TRAINER_PARAMETERS_INVALID/'
    expect(failure(() => planLinearRegression(schema, { label: 'kind' }))).toBe(`${p}bad-label`)
    expect(failure(() => planLinearRegression(schema, { label: 'nope' }))).toBe(`${p}missing-column`)
    expect(failure(() => planLinearRegression(schema, { label: 'price', l2: -1 }))).toBe(`${p}bad-parameters`)
    expect(failure(() => planLinearRegression(schema, { label: 'price', features: ['price'] }))).toBe(`${p}bad-feature`)
    const unboundedLabel = { ...schema, columns: schema.columns.map((c) => (c.name === 'price' ? { name: 'price', type: 'number' } : c)) } as DatasetSchema
    expect(planLinearRegression(unboundedLabel, { label: 'price' }).features).toEqual(['x1', 'x2', 'kind=a', 'kind=b'])
    try {
      planLinearRegression(unboundedLabel, { label: 'price', dp: { noiseMultiplier: 1, maxGradNorm: 1 } })
      throw new Error('did not throw')
    } catch (error) {
      expect(error).toMatchObject({ code: 'TRAINER_PARAMETERS_INVALID', reason: 'dp-missing-bounds', details: expect.stringContaining('"price"') })
    }
  })
})

// y = 2 · (x1 − 5) / 2 − 3 · x2 / 1 + 10
function modelFile(metadata: Record<string, string> = {}, mean = [5, 0], std = [2, 1]) {
  return encodeSafetensors(
    {
      weights: { dtype: 'F32', shape: [1, 2], data: new Float32Array([2, -3]) },
      bias: { dtype: 'F32', shape: [1], data: new Float32Array([10]) },
      feature_mean: { dtype: 'F32', shape: [2], data: new Float32Array(mean) },
      feature_std: { dtype: 'F32', shape: [2], data: new Float32Array(std) },
    },
    { trainer: 'linear-regression', version: '1.0.0', label: 'price', features: '["x1","x2"]', ...metadata },
  )
}

describe('loadLinearRegression / predictLinearRegression / evaluateRegression', () => {
  test('default: predictions follow the formula; objects or arrays', () => {
    const model = loadLinearRegression(modelFile())
    expect(model).toMatchObject({ trainer: 'linear-regression', label: 'price', features: ['x1', 'x2'], scaling: 'standardize', privacy: undefined })
    expect(predictLinearRegression(model, [{ x1: 7, x2: 1 }, [5, 0]])).toEqual([2 * 1 - 3 + 10, 10])
  })

  test('behavior: a DP model clips scaled inputs to [-1, 1], as its training did; privacy is read', () => {
    const privacy = '{"noiseMultiplier":1,"maxGradNorm":1,"sampleRate":0.1,"steps":100,"delta":0.00001}'
    const model = loadLinearRegression(modelFile({ scaling: 'bounds', privacy }))
    expect(model.privacy).toEqual({ noiseMultiplier: 1, maxGradNorm: 1, sampleRate: 0.1, steps: 100, delta: 1e-5 })
    // x1 = 100 scales to 47.5, clipped to 1.
    expect(predictLinearRegression(model, [[100, 0]])).toEqual([2 + 10])
  })

  test('behavior: evaluateRegression: MSE and R²', () => {
    const model = loadLinearRegression(modelFile())
    const rows = [[5, 0], [7, 0], [3, 0]]
    expect(evaluateRegression(model, rows, [10, 12, 8])).toEqual({ mse: 0, r2: 1 })
    const off = evaluateRegression(model, rows, [11, 13, 9])
    expect(off.mse).toBeCloseTo(1, 12)
    expect(off.r2).toBeCloseTo(1 - 3 / 8, 12)
  })

  test('error: wrong trainer, version, missing label, scaling without privacy, bad shapes, zero std, bad rows', () => {
    const p = 'LinearRegressionModelError/LINEAR_REGRESSION_INVALID/'
    expect(failure(() => loadLinearRegression(new Uint8Array(8)))).toBe(`${p}bad-file`)
    expect(failure(() => loadLinearRegression(modelFile({ trainer: 'logistic-regression' })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadLinearRegression(modelFile({ version: '2.0.0' })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadLinearRegression(modelFile({ label: '' })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadLinearRegression(modelFile({ scaling: 'bounds' })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadLinearRegression(modelFile({ scaling: 'bounds', privacy: '{"steps":1}' })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadLinearRegression(modelFile({ features: '["x1"]' })))).toBe(`${p}bad-tensors`)
    expect(failure(() => loadLinearRegression(modelFile({}, [0, 0], [1, 0])))).toBe(`${p}bad-tensors`)
    const model = loadLinearRegression(modelFile())
    expect(failure(() => predictLinearRegression(model, [[1]]))).toBe(`${p}bad-input`)
    expect(failure(() => predictLinearRegression(model, [{ x1: 1, x2: Number.NaN }]))).toBe(`${p}bad-input`)
    expect(failure(() => evaluateRegression(model, [[1, 2]], []))).toBe(`${p}bad-input`)
    expect(failure(() => evaluateRegression(model, [], []))).toBe(`${p}bad-input`)
  })
})
