import { describe, expect, test } from 'vitest'
import { encodeSafetensors } from '../safetensors/encodeSafetensors.ts'
import { evaluateAccuracy } from './evaluateAccuracy.ts'
import { loadModel } from './loadModel.ts'
import { loadWeights } from './loadWeights.ts'
import { predict } from './predict.ts'
import { predictLinearRegression } from './predictLinearRegression.ts'
import { predictLogisticRegression } from './predictLogisticRegression.ts'
import { predictMlpClassifier } from './predictMlpClassifier.ts'

const f32 = (shape: number[], values: number[]) => ({ dtype: 'F32' as const, shape, data: new Float32Array(values) })
const scaling = { feature_mean: f32([2], [1, 0]), feature_std: f32([2], [2, 1]) }

// One model file of each built-in trainer, on features x1, x2.
const files = {
  logistic: encodeSafetensors(
    { weights: f32([1, 2], [2, -1]), bias: f32([1], [0.5]), ...scaling },
    { trainer: 'logistic-regression', version: '1.1.0', task: 'binary', classes: '["no","yes"]', features: '["x1","x2"]' },
  ),
  linear: encodeSafetensors({ weights: f32([1, 2], [3, 1]), bias: f32([1], [10]), ...scaling }, { trainer: 'linear-regression', version: '1.0.0', label: 'y', features: '["x1","x2"]' }),
  mlp: encodeSafetensors(
    {
      'layer0.weight': f32([2, 2], [1, 0, 0, 1]),
      'layer0.bias': f32([2], [0, 0]),
      'layer1.weight': f32([3, 2], [1, 0, 0, 1, -1, -1]),
      'layer1.bias': f32([3], [0, 0, 1]),
      ...scaling,
    },
    { trainer: 'mlp-classifier', version: '1.0.0', classes: '["a","b","c"]', features: '["x1","x2"]', hidden: '[2]', activation: 'relu' },
  ),
}
const rows = [{ x1: 3, x2: -1 }, [1, 2], { x1: -5, x2: -3 }]

describe('loadWeights', () => {
  test('default: every tensor as a typed array, the metadata and the trainer it names', () => {
    const weights = loadWeights(files.mlp)
    expect(weights.trainer).toBe('mlp-classifier')
    expect(weights.version).toBe('1.0.0')
    expect(Object.keys(weights.tensors).sort()).toEqual(['feature_mean', 'feature_std', 'layer0.bias', 'layer0.weight', 'layer1.bias', 'layer1.weight'])
    expect(weights.tensors['layer1.weight']).toMatchObject({ dtype: 'F32', shape: [3, 2] })
    expect(weights.tensors['layer1.weight']!.data).toBeInstanceOf(Float32Array)
  })

  test('behavior: a file without metadata (a custom algorithm\'s) reads too', () => {
    const weights = loadWeights(encodeSafetensors({ means: f32([3], [1, 2, 3]) }))
    expect(weights).toMatchObject({ trainer: undefined, version: undefined, metadata: {} })
    expect(Array.from(weights.tensors.means!.data as Float32Array)).toEqual([1, 2, 3])
  })

  test('error: not a safetensors file', () => {
    expect(() => loadWeights(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ name: 'SafetensorsFormatError' }))
  })
})

describe('predict', () => {
  test('default: dispatches on the trainer that wrote the model, from bytes or a loaded model', () => {
    expect(predict(files.logistic, rows)).toEqual(predictLogisticRegression(loadModel(files.logistic) as never, rows))
    expect(predict(files.linear, rows)).toEqual(predictLinearRegression(loadModel(files.linear) as never, rows))
    expect(predict(files.mlp, rows)).toEqual(predictMlpClassifier(loadModel(files.mlp) as never, rows))
    const linear = loadModel(files.linear)
    expect(linear.trainer).toBe('linear-regression')
    // (3 - 1) / 2 * 3 + (-1 - 0) / 1 * 1 + 10 = 12
    expect(predict(linear, rows.slice(0, 1))).toEqual([12])
    const classes = predict(loadModel(files.mlp), rows) as { label: string }[]
    expect(classes.map((p) => p.label)).toEqual(['a', 'b', 'c'])
  })

  test('behavior: a model whose classes are numbers predicts numbers, in the model\'s (increasing) order', () => {
    const numeric = encodeSafetensors(
      { weights: f32([1, 2], [2, -1]), bias: f32([1], [0.5]), ...scaling },
      { trainer: 'logistic-regression', version: '1.1.0', task: 'binary', classes: '[0,1]', features: '["x1","x2"]' },
    )
    const predictions = predict(numeric, rows) as { label: unknown }[]
    expect(predictions.map((p) => p.label)).toEqual((predict(files.logistic, rows) as { label: string }[]).map((p) => (p.label === 'yes' ? 1 : 0)))
    expect(predictions.every((p) => typeof p.label === 'number')).toBe(true)
    // Expected classes of a numeric model are values (as numbers or their text), not indices.
    const model = loadModel(numeric) as never
    expect(evaluateAccuracy(model, rows, predictions.map((p) => p.label as number))).toBe(1)
    expect(evaluateAccuracy(model, rows, predictions.map((p) => String(p.label)))).toBe(1)
    const mixed = encodeSafetensors({ weights: f32([1, 2], [2, -1]), bias: f32([1], [0.5]), ...scaling }, { trainer: 'logistic-regression', version: '1.1.0', task: 'binary', classes: '[0,"1"]', features: '["x1","x2"]' })
    expect(() => loadModel(mixed)).toThrow(expect.objectContaining({ reason: 'bad-metadata' }))
  })

  test('error: weights of no built-in trainer; rows that do not fit', () => {
    expect(() => predict(encodeSafetensors({ means: f32([3], [1, 2, 3]) }), rows)).toThrow(expect.objectContaining({ name: 'UnknownModelError', code: 'MODEL_TRAINER_UNKNOWN', trainer: undefined }))
    expect(() => loadModel(encodeSafetensors({ w: f32([1], [1]) }, { trainer: 'xgboost' }))).toThrow(expect.objectContaining({ code: 'MODEL_TRAINER_UNKNOWN', trainer: 'xgboost' }))
    expect(() => predict(files.linear, [[1, 2, 3]])).toThrow(expect.objectContaining({ name: 'LinearRegressionModelError', reason: 'bad-input' }))
  })
})
