import { describe, expect, test } from 'vitest'
import type { DatasetSchema } from '../api/schemas.ts'
import { encodeSafetensors } from '../safetensors/encodeSafetensors.ts'
import { evaluateAccuracy, predictClasses } from './evaluateAccuracy.ts'
import { loadMlpClassifier } from './loadMlpClassifier.ts'
import { mlpClassifierMetadata, planMlpClassifier } from './mlp-classifier-plan.ts'
import { predictMlpClassifier } from './predictMlpClassifier.ts'

const schema = {
  format: 'csv',
  rows: 1000,
  columns: [
    { name: 'x1', type: 'number', min: -1, max: 1 },
    { name: 'x2', type: 'number', min: -1, max: 1 },
    { name: 'shape', type: 'category', values: ['ring', 'disc', 'dot'] },
    { name: 'v', type: 'number' },
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

describe('planMlpClassifier', () => {
  test('default: one hidden layer of 32, softmax over the classes, Adam defaults', () => {
    const plan = planMlpClassifier(schema, { label: 'shape' })
    expect(plan.layers).toEqual([
      { name: 'layer0', inputs: 3, outputs: 32 },
      { name: 'layer1', inputs: 32, outputs: 3 },
    ])
    expect(plan.parameterCount).toBe(32 * 4 + 3 * 33)
    expect(plan.params).toEqual({ label: 'shape', hidden: [32], epochs: 50, learningRate: 0.01, l2: 0, batchSize: 64, seed: 0, validationFraction: 0.2 })
    expect(plan.metrics).toEqual(['loss', 'accuracy', 'rows', 'epochs', 'validationRows', 'validationLoss', 'validationAccuracy'])
    expect(mlpClassifierMetadata(plan)).toEqual({
      trainer: 'mlp-classifier',
      version: '1.1.0',
      classes: '["ring","disc","dot"]',
      features: '["x1","x2","v"]',
      hidden: '[32]',
      activation: 'relu',
    })
  })

  test('args: two hidden layers; dp with bounded features', () => {
    const plan = planMlpClassifier(schema, { label: 'shape', features: ['x1', 'x2'], hidden: [8, 4], dp: { noiseMultiplier: 0.8, maxGradNorm: 1 } })
    expect(plan.layers.map((l) => [l.name, l.outputs, l.inputs])).toEqual([
      ['layer0', 8, 2],
      ['layer1', 4, 8],
      ['layer2', 3, 4],
    ])
    expect(plan).toMatchObject({ scaling: { kind: 'bounds', min: [-1, -1], max: [1, 1] }, privacy: { sampleRate: 0.064, steps: 50 * 16 } })
  })

  test('error: hidden out of range, too many layers, too many parameters, DP on an unbounded feature', () => {
    const p = 'TrainerParametersError/TRAINER_PARAMETERS_INVALID/'
    expect(failure(() => planMlpClassifier(schema, { label: 'shape', hidden: [1025] }))).toBe(`${p}bad-parameters`)
    expect(failure(() => planMlpClassifier(schema, { label: 'shape', hidden: [0] }))).toBe(`${p}bad-parameters`)
    expect(failure(() => planMlpClassifier(schema, { label: 'shape', hidden: [] }))).toBe(`${p}bad-parameters`)
    expect(failure(() => planMlpClassifier(schema, { label: 'shape', hidden: [4, 4, 4] }))).toBe(`${p}bad-parameters`)
    expect(failure(() => planMlpClassifier(schema, { label: 'shape', hidden: [2.5] }))).toBe(`${p}bad-parameters`)
    const wide = { format: 'csv', columns: [...Array.from({ length: 5000 }, (_, i) => ({ name: `f${i}`, type: 'number' })), { name: 'y', type: 'category', values: ['a', 'b'] }] } as DatasetSchema
    expect(planMlpClassifier(wide, { label: 'y', hidden: [512] }).parameterCount).toBe(512 * 5001 + 2 * 513)
    expect(failure(() => planMlpClassifier(wide, { label: 'y', hidden: [1024] }))).toBe(`${p}model-too-large`)
    expect(failure(() => planMlpClassifier(schema, { label: 'v' }))).toBe(`${p}bad-label`)
    // `v` has no bounds and is a default feature.
    expect(failure(() => planMlpClassifier(schema, { label: 'shape', dp: { noiseMultiplier: 1, maxGradNorm: 1 } }))).toBe(`${p}dp-missing-bounds`)
  })
})

// A 2-2-2 network by hand: h = relu([x1 − x2, x2 − x1]); logits = [h0, h1] → class 0 when x1 > x2.
function modelFile(metadata: Record<string, string> = {}, extra: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {}) {
  return encodeSafetensors(
    {
      'layer0.weight': { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, -1, -1, 1]) },
      'layer0.bias': { dtype: 'F32', shape: [2], data: new Float32Array([0, 0]) },
      'layer1.weight': { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 0, 0, 1]) },
      'layer1.bias': { dtype: 'F32', shape: [2], data: new Float32Array([0, 0]) },
      feature_mean: { dtype: 'F32', shape: [2], data: new Float32Array([0, 0]) },
      feature_std: { dtype: 'F32', shape: [2], data: new Float32Array([1, 1]) },
      ...extra,
    },
    { trainer: 'mlp-classifier', version: '1.0.0', classes: '["left","right"]', features: '["x1","x2"]', hidden: '[2]', activation: 'relu', ...metadata },
  )
}

describe('loadMlpClassifier / predictMlpClassifier', () => {
  test('default: forward pass matches the hand computation', () => {
    const model = loadMlpClassifier(modelFile())
    expect(model).toMatchObject({ trainer: 'mlp-classifier', hidden: [2], classes: ['left', 'right'], scaling: 'standardize' })
    const [p, q] = predictMlpClassifier(model, [{ x1: 3, x2: 1 }, [0, 0.5]])
    // h = [2, 0] → softmax([2, 0]).
    expect(p!.probabilities[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 12)
    expect(p!.label).toBe('left')
    expect(q!.label).toBe('right')
    expect(q!.probabilities.reduce((a, b) => a + b)).toBeCloseTo(1, 12)
  })

  test('behavior: evaluateAccuracy and predictClasses take an MLP like a logistic regression', () => {
    const model = loadMlpClassifier(modelFile())
    expect(predictClasses(model, [[1, 0]])[0]!.label).toBe('left')
    expect(evaluateAccuracy(model, [[1, 0], [0, 1], [2, 1], [1, 2]], ['left', 'right', 'left', 0])).toBe(0.75)
  })

  test('error: wrong trainer, bad hidden, bad activation, missing or extra tensors, bad rows', () => {
    const p = 'MlpClassifierModelError/MLP_CLASSIFIER_INVALID/'
    expect(failure(() => loadMlpClassifier(new Uint8Array(8)))).toBe(`${p}bad-file`)
    expect(failure(() => loadMlpClassifier(modelFile({ trainer: 'logistic-regression' })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadMlpClassifier(modelFile({ activation: 'tanh' })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadMlpClassifier(modelFile({ hidden: '[2,2,2]' })))).toBe(`${p}bad-metadata`)
    expect(failure(() => loadMlpClassifier(modelFile({ hidden: '[3]' })))).toBe(`${p}bad-tensors`)
    expect(failure(() => loadMlpClassifier(modelFile({}, { extra: { dtype: 'F32', shape: [1], data: new Float32Array(1) } })))).toBe(`${p}bad-tensors`)
    const model = loadMlpClassifier(modelFile())
    expect(failure(() => predictMlpClassifier(model, [[1]]))).toBe(`${p}bad-input`)
    expect(failure(() => evaluateAccuracy(model, [[1, 2]], ['up']))).toBe(`${p}bad-input`)
  })
})
