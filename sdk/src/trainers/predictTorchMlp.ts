import { TorchMlpModelError } from './errors.ts'
import type { TorchMlpClassifierModel, TorchMlpModel, TorchMlpRegressionModel } from './loadTorchMlp.ts'
import { type ModelFail, type ModelRows, argmax, rowEncoder, softmax } from './model-file.ts'
import type { ClassPrediction } from './predictMlpClassifier.ts'

const fail: ModelFail = (reason, details, cause) => new TorchMlpModelError(reason, details, { cause })

/**
 * Predicts with a torch-mlp model: scales each row as in training, runs the hidden ReLU layers and
 * the output layer; a classifier gives the most probable class with every class's probability, a
 * regressor a number in the label's units.
 *
 * @example
 * predictTorchMlp(classifier, [[0.3, -1.2]])[0].label // 'inner'
 * predictTorchMlp(regressor, [{ rooms: 3, area: 72 }]) // [312000.5]
 */
export function predictTorchMlp(model: TorchMlpRegressionModel, rows: ModelRows): number[]
export function predictTorchMlp(model: TorchMlpClassifierModel, rows: ModelRows): ClassPrediction[]
export function predictTorchMlp(model: TorchMlpModel, rows: ModelRows): number[] | ClassPrediction[]
export function predictTorchMlp(model: TorchMlpModel, rows: ModelRows): number[] | ClassPrediction[] {
  const activations = [new Float64Array(model.features.length), ...model.layers.map((layer) => new Float64Array(layer.outputs))]
  const last = model.layers.length - 1
  const encode = rowEncoder(model, fail)
  const outputs = rows.map((row, index) => {
    encode(row, index, activations[0]!)
    model.layers.forEach((layer, l) => {
      const input = activations[l]!
      const output = activations[l + 1]!
      for (let o = 0; o < layer.outputs; o++) {
        let z = layer.bias[o]!
        const offset = o * layer.inputs
        for (let i = 0; i < layer.inputs; i++) z += layer.weight[offset + i]! * input[i]!
        output[o] = l < last && z < 0 ? 0 : z
      }
    })
    // A copy: the buffers are reused for the next row.
    return activations[last + 1]!.slice()
  })
  if (model.task === 'regression') return outputs.map((out) => model.targetMean + out[0]! * model.targetStd)
  return outputs.map((out) => {
    const probabilities = softmax(out)
    const classIndex = argmax(probabilities)
    return { classIndex, label: model.classes[classIndex]!, probabilities }
  })
}
