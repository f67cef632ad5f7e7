import { MlpClassifierModelError } from './errors.ts'
import type { MlpClassifierModel } from './loadMlpClassifier.ts'
import { type ModelFail, type ModelRows, argmax, rowEncoder, softmax } from './model-file.ts'

/** One class prediction: the most probable class and every class's probability (in `model.classes` order). */
export type ClassPrediction = {
  classIndex: number
  /** The class as the model lists it: a string, or a number for a label whose values are numbers. */
  label: string | number
  probabilities: number[]
}

const fail: ModelFail = (reason, details, cause) => new MlpClassifierModelError(reason, details, { cause })

/**
 * Predicts classes with an MLP classifier: scales each row as in training, runs the hidden ReLU
 * layers and a softmax over the classes.
 *
 * @example
 * const [p] = predictMlpClassifier(model, [[0.3, -1.2]])
 * p.label // 'inner'
 */
export function predictMlpClassifier(model: MlpClassifierModel, rows: ModelRows): ClassPrediction[] {
  const activations = [new Float64Array(model.features.length), ...model.layers.map((layer) => new Float64Array(layer.outputs))]
  const last = model.layers.length - 1
  const encode = rowEncoder(model, fail)
  return rows.map((row, index) => {
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
    const probabilities = softmax(activations[last + 1]!)
    const classIndex = argmax(probabilities)
    return { classIndex, label: model.classes[classIndex]!, probabilities }
  })
}
