import { describe, expect, test } from 'vitest'
import type { DatasetSchema } from '../api/schemas.ts'
import { encodeSafetensors } from '../safetensors/encodeSafetensors.ts'
import { evaluateAccuracy, predictClasses } from './evaluateAccuracy.ts'
import { loadModel } from './loadModel.ts'
import { type TorchMlpClassifierModel, type TorchMlpRegressionModel, loadTorchMlp } from './loadTorchMlp.ts'
import { predict } from './predict.ts'
import { predictTorchMlp } from './predictTorchMlp.ts'
import { planTorchMlp, torchMlpMetadata, torchMlpParametersSchema, torchMlpTensors } from './torch-mlp-plan.ts'

const schema = {
  format: 'csv',
  rows: 1000,
  columns: [
    { name: 'x1', type: 'number', min: -1, max: 1 },
    { name: 'x2', type: 'number', min: -1, max: 1 },
    { name: 'shape', type: 'category', values: ['ring', 'disc', 'dot'] },
    { name: 'v', type: 'number', min: 0, max: 10 },
    { name: 'note', type: 'string' },
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

describe('planTorchMlp', () => {
  test('default: a category label is classification: one hidden layer of 32, softmax over the classes, Adam', () => {
    const plan = planTorchMlp(schema, { label: 'shape' })
    expect(plan.task).toBe('classification')
    expect(plan.layers).toEqual([
      { name: 'layer0', inputs: 3, outputs: 32 },
      { name: 'layer1', inputs: 32, outputs: 3 },
    ])
    expect(plan.params).toEqual({ label: 'shape', hidden: [32], epochs: 50, learningRate: 0.01, optimizer: 'adam', l2: 0, batchSize: 64, seed: 0, validationFraction: 0.2 })
    // 1000 declared rows: 20% held out by default.
    expect(plan.metrics).toEqual(['loss', 'accuracy', 'rows', 'epochs', 'validationRows', 'validationLoss', 'validationAccuracy'])
    expect(torchMlpMetadata(plan)).toEqual({
      trainer: 'torch-mlp',
      version: '1.1.0',
      task: 'classification',
      label: 'shape',
      features: '["x1","x2","v"]',
      classes: '["ring","disc","dot"]',
      hidden: '[32]',
      activation: 'relu',
    })
    expect(torchMlpTensors(plan).map((t) => `${t.name}:${t.shape.join('x')}`)).toEqual(['layer0.weight:32x3', 'layer0.bias:32', 'layer1.weight:3x32', 'layer1.bias:3', 'feature_mean:3', 'feature_std:3'])
  })

  test('args: a number label is regression (one output, target scaling); four hidden layers; SGD; DP scales by bounds', () => {
    const plan = planTorchMlp(schema, { label: 'v', features: ['x1', 'x2'], hidden: [8, 8, 4, 2], optimizer: 'sgd', dp: { noiseMultiplier: 0.8, maxGradNorm: 1 } })
    expect(plan).toMatchObject({
      task: 'regression',
      classes: undefined,
      scaling: { kind: 'bounds', min: [-1, -1], max: [1, 1] },
      labelScaling: { kind: 'bounds', min: [0], max: [10] },
      privacy: { sampleRate: 0.064, steps: 50 * 16 },
      metrics: ['rows', 'epochs', 'steps', 'sampleRate', 'noiseMultiplier', 'maxGradNorm', 'delta', 'validationRows', 'validationLoss', 'validationR2'],
    })
    expect(plan.layers.at(-1)).toEqual({ name: 'layer4', inputs: 2, outputs: 1 })
    expect(torchMlpTensors(plan).slice(-2)).toEqual([
      { name: 'target_mean', shape: [1] },
      { name: 'target_std', shape: [1] },
    ])
    expect(torchMlpMetadata(plan)).toMatchObject({ task: 'regression', scaling: 'bounds', privacy: '{"noiseMultiplier":0.8,"maxGradNorm":1,"sampleRate":0.064,"steps":800,"delta":0.00001}' })
    expect(torchMlpMetadata(plan)).not.toHaveProperty('classes')
    expect(planTorchMlp(schema, { label: 'v' }).metrics).toEqual(['loss', 'r2', 'rows', 'epochs', 'validationRows', 'validationLoss', 'validationR2'])
  })

  test('error: bad parameters, a string label, too many layers, too many parameters, DP without bounds', () => {
    expect(failure(() => planTorchMlp(schema, { label: 'shape', optimizer: 'rmsprop' }))).toBe('TrainerParametersError/TRAINER_PARAMETERS_INVALID/bad-parameters')
    expect(failure(() => planTorchMlp(schema, { label: 'shape', hidden: [1, 2, 3, 4, 5] }))).toBe('TrainerParametersError/TRAINER_PARAMETERS_INVALID/bad-parameters')
    expect(failure(() => planTorchMlp(schema, { label: 'shape', extra: true }))).toBe('TrainerParametersError/TRAINER_PARAMETERS_INVALID/bad-parameters')
    expect(failure(() => planTorchMlp(schema, { label: 'note' }))).toBe('TrainerParametersError/TRAINER_PARAMETERS_INVALID/bad-label')
    expect(failure(() => planTorchMlp(schema, { label: 'nope' }))).toBe('TrainerParametersError/TRAINER_PARAMETERS_INVALID/missing-column')
    const wide = { format: 'csv', columns: [...Array.from({ length: 1100 }, (_, i) => ({ name: `c${i}`, type: 'number' })), { name: 'y', type: 'number' }] } as DatasetSchema
    expect(failure(() => planTorchMlp(wide, { label: 'y', hidden: [1024, 1024, 1024, 1024] }))).toBe('TrainerParametersError/TRAINER_PARAMETERS_INVALID/model-too-large')
    const unbounded = { ...schema, columns: [...schema.columns, { name: 'w', type: 'number' }] } as DatasetSchema
    expect(failure(() => planTorchMlp(unbounded, { label: 'shape', dp: { noiseMultiplier: 1, maxGradNorm: 1 } }))).toBe('TrainerParametersError/TRAINER_PARAMETERS_INVALID/dp-missing-bounds')
    expect(torchMlpParametersSchema.safeParse({ label: 'shape', learningRate: 0 }).success).toBe(false)
  })
})

// A small hand-made model: 2 features, one hidden layer of 2, and the output layer.
function modelFile(task: 'classification' | 'regression', overrides: { metadata?: Record<string, string>; drop?: string; extra?: boolean } = {}) {
  const plan = planTorchMlp(
    { format: 'csv', columns: [{ name: 'a', type: 'number' }, { name: 'b', type: 'number' }, task === 'classification' ? { name: 'y', type: 'category', values: ['no', 'yes'] } : { name: 'y', type: 'number' }] } as DatasetSchema,
    { label: 'y', hidden: [2] },
  )
  const out = task === 'classification' ? 2 : 1
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {
    'layer0.weight': { dtype: 'F32', shape: [2, 2], data: Float32Array.of(1, 0, 0, -1) },
    'layer0.bias': { dtype: 'F32', shape: [2], data: Float32Array.of(0, 0) },
    'layer1.weight': { dtype: 'F32', shape: [out, 2], data: out === 2 ? Float32Array.of(1, -1, -1, 1) : Float32Array.of(2, -3) },
    'layer1.bias': { dtype: 'F32', shape: [out], data: out === 2 ? Float32Array.of(0, 0) : Float32Array.of(0.5) },
    feature_mean: { dtype: 'F32', shape: [2], data: Float32Array.of(1, 1) },
    feature_std: { dtype: 'F32', shape: [2], data: Float32Array.of(2, 2) },
    ...(task === 'regression'
      ? { target_mean: { dtype: 'F32' as const, shape: [1], data: Float32Array.of(10) }, target_std: { dtype: 'F32' as const, shape: [1], data: Float32Array.of(4) } }
      : {}),
    ...(overrides.extra ? { secret: { dtype: 'F32' as const, shape: [1], data: Float32Array.of(7) } } : {}),
  }
  if (overrides.drop) delete tensors[overrides.drop]
  return encodeSafetensors(tensors, overrides.metadata ?? torchMlpMetadata(plan))
}

describe('loadTorchMlp / predictTorchMlp', () => {
  test('default: forward pass matches the hand computation, for a classifier and a regressor', () => {
    const classifier = loadTorchMlp(modelFile('classification'))
    expect(classifier).toMatchObject({ trainer: 'torch-mlp', task: 'classification', classes: ['no', 'yes'], features: ['a', 'b'], hidden: [2], label: 'y' })
    // x = (3, 1) → scaled (1, 0) → hidden relu(1, 0) = (1, 0) → logits (1, -1).
    const [p] = predictTorchMlp(classifier as TorchMlpClassifierModel, [{ a: 3, b: 1 }])
    expect(p!.label).toBe('no')
    expect(p!.probabilities[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 12)
    const regressor = loadTorchMlp(modelFile('regression'))
    // x = (1, -1) → scaled (0, -1) → hidden relu(0, 1) = (0, 1) → 2·0 − 3·1 + 0.5 = −2.5 → 10 + 4·(−2.5) = 0.
    // x = (3, 1) → hidden (1, 0) → 2.5 → 20.
    expect(predict(regressor as TorchMlpRegressionModel, [[1, -1], [3, 1]])).toEqual([0, 20])
    expect(predictClasses(classifier as TorchMlpClassifierModel, [[3, 1]])[0]!.label).toBe('no')
  })

  test('behavior: loadModel, predict and evaluateAccuracy take torch-mlp models like the other trainers', () => {
    const bytes = modelFile('classification')
    expect(loadModel(bytes)).toMatchObject({ trainer: 'torch-mlp', task: 'classification' })
    expect((predict(bytes, [[3, 1], [1, -3]]) as { label: string }[]).map((p) => p.label)).toEqual(['no', 'yes'])
    const model = loadTorchMlp(bytes) as TorchMlpClassifierModel
    expect(evaluateAccuracy(model, [[3, 1], [1, -3]], ['no', 'no'])).toBe(0.5)
    expect(predict(modelFile('regression'), [{ a: 3, b: 1 }])).toEqual([20])
  })

  test('error: wrong trainer, bad task, classes on a regressor, missing or extra tensors, bad rows', () => {
    const meta = (task: 'classification' | 'regression') =>
      torchMlpMetadata(planTorchMlp({ format: 'csv', columns: [{ name: 'a', type: 'number' }, { name: 'b', type: 'number' }, task === 'classification' ? { name: 'y', type: 'category', values: ['no', 'yes'] } : { name: 'y', type: 'number' }] } as DatasetSchema, { label: 'y', hidden: [2] }))
    expect(failure(() => loadTorchMlp(modelFile('classification', { metadata: { ...meta('classification'), trainer: 'mlp-classifier' } })))).toBe('TorchMlpModelError/TORCH_MLP_INVALID/bad-metadata')
    expect(failure(() => loadTorchMlp(modelFile('classification', { metadata: { ...meta('classification'), task: 'ranking' } })))).toBe('TorchMlpModelError/TORCH_MLP_INVALID/bad-metadata')
    expect(failure(() => loadTorchMlp(modelFile('regression', { metadata: { ...meta('regression'), classes: '["a","b"]' } })))).toBe('TorchMlpModelError/TORCH_MLP_INVALID/bad-metadata')
    expect(failure(() => loadTorchMlp(modelFile('regression', { drop: 'target_std' })))).toBe('TorchMlpModelError/TORCH_MLP_INVALID/bad-tensors')
    expect(failure(() => loadTorchMlp(modelFile('classification', { extra: true })))).toBe('TorchMlpModelError/TORCH_MLP_INVALID/bad-tensors')
    expect(failure(() => loadTorchMlp(Uint8Array.of(1, 2, 3)))).toBe('TorchMlpModelError/TORCH_MLP_INVALID/bad-file')
    expect(failure(() => predict(modelFile('classification'), [[1, 2, 3]]))).toBe('TorchMlpModelError/TORCH_MLP_INVALID/bad-input')
  })
})
