import { describe, expect, test } from 'vitest'
import type { DatasetSchema } from '../api/schemas.ts'
import { encodeSafetensors } from '../safetensors/encodeSafetensors.ts'
import { labelClasses } from './dataset-columns.ts'
import { resolveValidationFraction } from './validation.ts'
import { evaluateAccuracy } from './evaluateAccuracy.ts'
import { loadLogisticRegression } from './loadLogisticRegression.ts'
import { logisticRegressionMetadata, planLogisticRegression } from './logistic-regression-plan.ts'
import { predictLogisticRegression } from './predictLogisticRegression.ts'

const schema: DatasetSchema = {
  format: 'csv',
  columns: [
    { name: 'x1', type: 'number' },
    { name: 'x2', type: 'number' },
    { name: 'species', type: 'category', values: ['a', 'b', 'c'] },
    { name: 'yes', type: 'category', values: ['no', 'yes'] },
  ],
}

function failure(fn: () => unknown) {
  try {
    fn()
  } catch (error) {
    const e = error as { name: string; code: string; reason: string }
    return `${e.name}/${e.code}/${e.reason}`
  }
  throw new Error('did not throw')
}

describe('labelClasses', () => {
  const columns = (label: DatasetSchema['columns'][number]): DatasetSchema => ({ format: 'csv', columns: [{ name: 'x', type: 'number' }, label] })

  test('default: a category label keeps its declared order, as strings', () => {
    expect(labelClasses(columns({ name: 'y', type: 'category', values: ['low', 'high', 'mid'] }), 'y')).toEqual(['low', 'high', 'mid'])
  })

  test('args: category values that are all numbers become numbers in increasing order; integer-bounded number labels give min … max', () => {
    expect(labelClasses(columns({ name: 'y', type: 'category', values: ['1', '0'] }), 'y')).toEqual([0, 1])
    expect(labelClasses(columns({ name: 'y', type: 'category', values: ['10', '2', '-1.5'] }), 'y')).toEqual([-1.5, 2, 10])
    expect(labelClasses(columns({ name: 'y', type: 'category', values: ['1', 'one'] }), 'y')).toEqual(['1', 'one'])
    expect(labelClasses(columns({ name: 'y', type: 'number', min: 0, max: 1 }), 'y')).toEqual([0, 1])
    expect(labelClasses(columns({ name: 'y', type: 'number', min: 1, max: 20 }), 'y')).toHaveLength(20)
    // An age or a count declared 18–90 is a quantity: more than 20 classes is refused, naming the fix.
    expect(() => labelClasses(columns({ name: 'y', type: 'number', min: 18, max: 90 }), 'y')).toThrow(expect.objectContaining({ details: expect.stringContaining('at most 19 apart') }))
    const plan = planLogisticRegression(columns({ name: 'y', type: 'number', min: 0, max: 1 }), { label: 'y' })
    expect([plan.task, plan.features, logisticRegressionMetadata(plan).classes]).toEqual(['binary', ['x'], '[0,1]'])
  })

  test('error: a number label without integer bounds names the fix', () => {
    for (const label of [
      { name: 'y', type: 'number' as const },
      { name: 'y', type: 'number' as const, min: 0, max: 1.5 },
      { name: 'y', type: 'number' as const, min: 0, max: 100 },
    ]) {
      expect(failure(() => planLogisticRegression(columns(label), { label: 'y' }))).toBe('TrainerParametersError/TRAINER_PARAMETERS_INVALID/bad-label')
      expect(() => labelClasses(columns(label), 'y')).toThrow(expect.objectContaining({ details: expect.stringMatching(/declares its min and max as integers .* or makes it a category column/) }))
    }
    expect(failure(() => labelClasses(columns({ name: 'y', type: 'text' }), 'y'))).toBe('TrainerParametersError/TRAINER_PARAMETERS_INVALID/bad-label')
  })
})

describe('planLogisticRegression', () => {
  test('default: every number column is a feature, and every category column one-hot; defaults filled', () => {
    const plan = planLogisticRegression(schema, { label: 'species' })
    expect(plan).toMatchObject({ label: 'species', classes: ['a', 'b', 'c'], features: ['x1', 'x2', 'yes=no', 'yes=yes'], task: 'multiclass', outputs: 3 })
    expect(plan.featureColumns).toEqual([{ column: 'x1' }, { column: 'x2' }, { column: 'yes', values: ['no', 'yes'] }])
    expect(logisticRegressionMetadata(plan)).toMatchObject({ features: '["x1","x2","yes=no","yes=yes"]', categories: '{"yes":["no","yes"]}' })
    expect(plan.params).toEqual({ label: 'species', epochs: 50, learningRate: 0.1, l2: 0, batchSize: 64, seed: 0, validationFraction: 0 })
  })

  test('args: binary label and explicit features', () => {
    const plan = planLogisticRegression(schema, { label: 'yes', features: ['x2'] })
    expect(plan).toMatchObject({ task: 'binary', outputs: 1, features: ['x2'], classes: ['no', 'yes'] })
    expect(logisticRegressionMetadata(plan)).toEqual({
      trainer: 'logistic-regression',
      version: '1.2.0',
      task: 'binary',
      classes: '["no","yes"]',
      features: '["x2"]',
    })
  })

  test('args: dp plans DP-SGD on bounded features; only public metrics', () => {
    const bounded = { ...schema, rows: 640, columns: schema.columns.map((c) => (c.type === 'number' ? { ...c, min: 0, max: 4 } : c)) } as DatasetSchema
    const plan = planLogisticRegression(bounded, { label: 'yes', epochs: 2, dp: { noiseMultiplier: 1, maxGradNorm: 3 } })
    // One-hot features are bounded by [0, 1] by construction: no declared bounds needed.
    expect(plan).toMatchObject({ features: ['x1', 'x2', 'species=a', 'species=b', 'species=c'], scaling: { kind: 'bounds', min: [0, 0, 0, 0, 0], max: [4, 4, 1, 1, 1] }, privacy: { sampleRate: 0.1, stepsPerEpoch: 10, steps: 20, delta: 1e-5 } })
    // 640 declared rows: a validation split by default, its metrics noised at no extra ε.
    expect(plan.metrics).toEqual(['rows', 'epochs', 'steps', 'sampleRate', 'noiseMultiplier', 'maxGradNorm', 'delta', 'validationRows', 'validationLoss', 'validationAccuracy'])
    expect(logisticRegressionMetadata(plan)).toMatchObject({ scaling: 'bounds', privacy: '{"noiseMultiplier":1,"maxGradNorm":3,"sampleRate":0.1,"steps":20,"delta":0.00001}' })
    expect(failure(() => planLogisticRegression(schema, { label: 'yes', dp: { noiseMultiplier: 1, maxGradNorm: 3 } }))).toBe('TrainerParametersError/TRAINER_PARAMETERS_INVALID/dp-missing-rows')
  })

  test('error: bad parameters, label and features', () => {
    const p = 'TrainerParametersError/TRAINER_PARAMETERS_INVALID/'
    expect(failure(() => planLogisticRegression(schema, { label: 'species', epochs: 0 }))).toBe(`${p}bad-parameters`)
    expect(failure(() => planLogisticRegression(schema, { label: 'species', epochs: 1001 }))).toBe(`${p}bad-parameters`)
    expect(failure(() => planLogisticRegression(schema, { label: 'species', extra: 1 }))).toBe(`${p}bad-parameters`)
    expect(failure(() => planLogisticRegression(schema, { label: 'nope' }))).toBe(`${p}missing-column`)
    expect(failure(() => planLogisticRegression(schema, { label: 'x1' }))).toBe(`${p}bad-label`)
    expect(failure(() => planLogisticRegression(schema, { label: 'species', features: ['x1', 'x1'] }))).toBe(`${p}duplicate-feature`)
    expect(failure(() => planLogisticRegression(schema, { label: 'species', features: ['zz'] }))).toBe(`${p}missing-column`)
    expect(failure(() => planLogisticRegression(schema, { label: 'species', features: ['species'] }))).toBe(`${p}bad-feature`)
    const withText: DatasetSchema = { format: 'csv', columns: [...schema.columns, { name: 'notes', type: 'text' }, { name: 'when', type: 'date' }] }
    expect(failure(() => planLogisticRegression(withText, { label: 'species', features: ['notes'] }))).toBe(`${p}bad-feature`)
    expect(failure(() => planLogisticRegression(withText, { label: 'species', features: ['when'] }))).toBe(`${p}bad-feature`)
    expect(planLogisticRegression(withText, { label: 'species' }).features).toEqual(['x1', 'x2', 'yes=no', 'yes=yes'])
    // A number column named like a one-hot feature would make two inputs with one name.
    const clash: DatasetSchema = { format: 'csv', columns: [...schema.columns, { name: 'yes=no', type: 'number' }] }
    expect(failure(() => planLogisticRegression(clash, { label: 'species' }))).toBe(`${p}duplicate-feature`)
    const noNumbers: DatasetSchema = { format: 'csv', columns: [{ name: 'y', type: 'category', values: ['a', 'b'] }, { name: 'd', type: 'date' }] }
    expect(failure(() => planLogisticRegression(noNumbers, { label: 'y' }))).toBe(`${p}no-numeric-features`)
  })
})

function modelFile(overrides: { metadata?: Record<string, string>; weights?: Float32Array; weightsShape?: number[] } = {}) {
  // Binary model on x1, x2: logit = 2 * x1 - 1 * x2 + 0.5 after standardizing with mean (1, 0) and std (2, 1).
  return encodeSafetensors(
    {
      weights: { dtype: 'F32', shape: overrides.weightsShape ?? [1, 2], data: overrides.weights ?? new Float32Array([2, -1]) },
      bias: { dtype: 'F32', shape: [1], data: new Float32Array([0.5]) },
      feature_mean: { dtype: 'F32', shape: [2], data: new Float32Array([1, 0]) },
      feature_std: { dtype: 'F32', shape: [2], data: new Float32Array([2, 1]) },
    },
    overrides.metadata ?? { trainer: 'logistic-regression', version: '1.0.0', task: 'binary', classes: '["no","yes"]', features: '["x1","x2"]' },
  )
}

describe('loadLogisticRegression / predictLogisticRegression', () => {
  test('default: binary prediction matches the formula', () => {
    const model = loadLogisticRegression(modelFile())
    const [p] = predictLogisticRegression(model, [{ x1: 3, x2: 0 }])
    const logit = 2 * ((3 - 1) / 2) - 0 + 0.5
    expect(p!.probabilities[1]).toBeCloseTo(1 / (1 + Math.exp(-logit)), 6)
    expect(p!.label).toBe('yes')
    expect(p!.classIndex).toBe(1)
    const [q] = predictLogisticRegression(model, [[-3, 4]])
    expect(q!.label).toBe('no')
  })

  test('behavior: multiclass softmax probabilities sum to one', () => {
    const bytes = encodeSafetensors(
      {
        weights: { dtype: 'F32', shape: [3, 1], data: new Float32Array([1, 0, -1]) },
        bias: { dtype: 'F32', shape: [3], data: new Float32Array([0, 0.2, 0]) },
        feature_mean: { dtype: 'F32', shape: [1], data: new Float32Array([0]) },
        feature_std: { dtype: 'F32', shape: [1], data: new Float32Array([1]) },
      },
      { trainer: 'logistic-regression', version: '1.0.0', task: 'multiclass', classes: '["a","b","c"]', features: '["x"]' },
    )
    const model = loadLogisticRegression(bytes)
    const predictions = predictLogisticRegression(model, [[5], [0], [-5]])
    expect(predictions.map((p) => p.label)).toEqual(['a', 'b', 'c'])
    for (const p of predictions) expect(p.probabilities.reduce((a, b) => a + b)).toBeCloseTo(1, 9)
    expect(evaluateAccuracy(model, [[5], [0], [-5]], ['a', 1, 'b'])).toBeCloseTo(2 / 3)
  })

  test('error: wrong trainer, version, task, classes, tensor shape, not safetensors', () => {
    const p = 'LogisticRegressionModelError/LOGISTIC_REGRESSION_INVALID/'
    const meta = { trainer: 'logistic-regression', version: '1.0.0', task: 'binary', classes: '["no","yes"]', features: '["x1","x2"]' }
    expect(failure(() => loadLogisticRegression(new Uint8Array(3)))).toBe(`${p}bad-file`)
    expect(failure(() => loadLogisticRegression(modelFile({ metadata: { ...meta, trainer: 'other' } })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadLogisticRegression(modelFile({ metadata: { ...meta, version: '2.0.0' } })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadLogisticRegression(modelFile({ metadata: { ...meta, task: 'multiclass' } })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadLogisticRegression(modelFile({ metadata: { ...meta, classes: 'nope' } })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadLogisticRegression(modelFile({ weights: new Float32Array(3), weightsShape: [1, 3] })))).toBe(`${p}bad-tensors`)
  })

  test('behavior: a 1.0.0 file still loads; a DP (bounds-scaled) model clips its inputs', () => {
    expect(loadLogisticRegression(modelFile()).version).toBe('1.0.0')
    const meta = { trainer: 'logistic-regression', version: '1.1.0', task: 'binary', classes: '["no","yes"]', features: '["x1","x2"]' }
    const privacy = '{"noiseMultiplier":1,"maxGradNorm":1,"sampleRate":0.1,"steps":10,"delta":0.00001}'
    const model = loadLogisticRegression(modelFile({ metadata: { ...meta, scaling: 'bounds', privacy } }))
    expect(model).toMatchObject({ scaling: 'bounds', privacy: { steps: 10 } })
    // x1 = 1e6 scales far past 1 and is clipped: the logit is 2 · 1 − 0 + 0.5.
    expect(predictLogisticRegression(model, [[1e6, 0]])[0]!.probabilities[1]).toBeCloseTo(1 / (1 + Math.exp(-2.5)), 6)
    expect(failure(() => loadLogisticRegression(modelFile({ metadata: { ...meta, privacy } })))).toBe('LogisticRegressionModelError/LOGISTIC_REGRESSION_INVALID/bad-metadata')
  })

  test('error: rows that do not fit the model', () => {
    const model = loadLogisticRegression(modelFile())
    const p = 'LogisticRegressionModelError/LOGISTIC_REGRESSION_INVALID/bad-input'
    expect(failure(() => predictLogisticRegression(model, [{ x1: 1 }]))).toBe(p)
    expect(failure(() => predictLogisticRegression(model, [[1]]))).toBe(p)
    expect(failure(() => predictLogisticRegression(model, [[1, Number.NaN]]))).toBe(p)
    expect(failure(() => evaluateAccuracy(model, [[1, 2]], ['maybe']))).toBe(p)
    expect(failure(() => evaluateAccuracy(model, [[1, 2]], []))).toBe(p)
  })
})

describe('resolveValidationFraction', () => {
  test('default: 0.2 when the declared rows leave at least 50 to train on; else 0, with a note in the model file', () => {
    const columns: DatasetSchema['columns'] = [{ name: 'x', type: 'number' }, { name: 'y', type: 'category', values: ['a', 'b'] }]
    expect(resolveValidationFraction({ format: 'csv', rows: 569, columns }, undefined)).toEqual({ fraction: 0.2 })
    expect(resolveValidationFraction({ format: 'csv', rows: 62, columns }, undefined)).toEqual({ fraction: 0.2 })
    expect(resolveValidationFraction({ format: 'csv', rows: 61, columns }, undefined)).toEqual({ fraction: 0, note: expect.stringContaining('declares 61 rows') })
    // Without declared rows nothing is known before the run: no split unless asked.
    expect(resolveValidationFraction({ format: 'csv', columns }, undefined)).toEqual({ fraction: 0 })
    expect(resolveValidationFraction({ format: 'csv', rows: 20, columns }, 0.5)).toEqual({ fraction: 0.5 })
    expect(resolveValidationFraction({ format: 'csv', rows: 5000, columns }, 0)).toEqual({ fraction: 0 })
    const small = planLogisticRegression({ format: 'csv', rows: 40, columns }, { label: 'y' })
    expect([small.params.validationFraction, small.metrics]).toEqual([0, ['loss', 'accuracy', 'rows', 'epochs']])
    expect(logisticRegressionMetadata(small).validation).toMatch(/^no validation split: the schema declares 40 rows.*set validationFraction/)
    expect(logisticRegressionMetadata(planLogisticRegression({ format: 'csv', rows: 40, columns }, { label: 'y', validationFraction: 0 })).validation).toBeUndefined()
  })
})
