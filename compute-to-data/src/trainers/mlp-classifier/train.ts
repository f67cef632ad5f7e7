import type { MlpClassifierPlan } from '@datavault/sdk'
import type { Objective } from '../common/objective.ts'
import { mulberry32, secureRandom, seededRandom } from '../common/random.ts'
import { applyScaler, fitScaler } from '../common/scaling.ts'
import { type TrainerRunOptions, trainSgd } from '../common/sgd.ts'
import type { TrainingTable } from '../common/table.ts'

/** A trained MLP in float64: per layer `weight` row-major [outputs, inputs] and `bias` [outputs]. */
export type TrainedMlpClassifier = {
  layers: { weight: Float64Array; bias: Float64Array }[]
  featureMean: Float64Array
  featureStd: Float64Array
  /** Mean cross-entropy plus the L2 term, and training accuracy; not computed under DP. */
  loss?: number | undefined
  accuracy?: number | undefined
  steps: number
}

/** The network over a flat parameter vector: forward pass, per-row backpropagation, layout. */
export type MlpNetwork = {
  /** Per layer: offset of its weight [outputs, inputs] and of its bias [outputs] in the parameter vector. */
  offsets: { weight: number; bias: number; inputs: number; outputs: number }[]
  size: number
  /** Runs row `row` of `x` (row-major, `inputs` wide) and leaves the class probabilities in `probabilities`. */
  forward(params: Float64Array, x: Float64Array, row: number): void
  probabilities: Float64Array
  /** Adds the cross-entropy gradient of row `row` with label `label` into `into`; returns the loss. */
  addGradient(params: Float64Array, x: Float64Array, row: number, label: number, into: Float64Array): number
}

/** Builds the network of `layers` (hidden layers ReLU, the last softmax). */
export function mlpNetwork(layers: readonly { inputs: number; outputs: number }[]): MlpNetwork {
  let size = 0
  const offsets = layers.map(({ inputs, outputs }) => {
    const weight = size
    const bias = weight + inputs * outputs
    size = bias + outputs
    return { weight, bias, inputs, outputs }
  })
  const last = offsets.length - 1
  // activations[l]: output of layer l (ReLU for hidden layers, logits for the last); deltas alike.
  const activations = offsets.map((layer) => new Float64Array(layer.outputs))
  const deltas = offsets.map((layer) => new Float64Array(layer.outputs))
  const probabilities = new Float64Array(offsets[last]!.outputs)

  const input = (l: number, x: Float64Array, row: number) => (l === 0 ? { values: x, offset: row * offsets[0]!.inputs } : { values: activations[l - 1]!, offset: 0 })

  const forward = (params: Float64Array, x: Float64Array, row: number) => {
    for (let l = 0; l <= last; l++) {
      const { weight, bias, inputs, outputs } = offsets[l]!
      const { values, offset } = input(l, x, row)
      const out = activations[l]!
      for (let o = 0; o < outputs; o++) {
        let z = params[bias + o]!
        const w = weight + o * inputs
        for (let j = 0; j < inputs; j++) z += params[w + j]! * values[offset + j]!
        out[o] = l < last && z < 0 ? 0 : z
      }
    }
    const logits = activations[last]!
    let max = -Infinity
    for (const z of logits) if (z > max) max = z
    let sum = 0
    for (let c = 0; c < logits.length; c++) {
      probabilities[c] = Math.exp(logits[c]! - max)
      sum += probabilities[c]!
    }
    for (let c = 0; c < logits.length; c++) probabilities[c]! /= sum
  }

  return {
    offsets,
    size,
    forward,
    probabilities,
    addGradient(params, x, row, label, into) {
      forward(params, x, row)
      const loss = -Math.log(Math.max(probabilities[label]!, 1e-15))
      const top = deltas[last]!
      for (let c = 0; c < top.length; c++) top[c] = probabilities[c]! - (c === label ? 1 : 0)
      for (let l = last; l >= 0; l--) {
        const { weight, bias, inputs, outputs } = offsets[l]!
        const { values, offset } = input(l, x, row)
        const delta = deltas[l]!
        for (let o = 0; o < outputs; o++) {
          const g = delta[o]!
          if (g === 0) continue
          into[bias + o]! += g
          const w = weight + o * inputs
          for (let j = 0; j < inputs; j++) into[w + j]! += g * values[offset + j]!
        }
        if (l === 0) break
        // Back through this layer's weights and the previous layer's ReLU.
        const below = deltas[l - 1]!
        const belowActivation = activations[l - 1]!
        below.fill(0)
        for (let o = 0; o < outputs; o++) {
          const g = delta[o]!
          if (g === 0) continue
          const w = weight + o * inputs
          for (let j = 0; j < inputs; j++) below[j]! += g * params[w + j]!
        }
        for (let j = 0; j < inputs; j++) if (belowActivation[j]! <= 0) below[j] = 0
      }
      return loss
    },
  }
}

/**
 * Trains a multilayer perceptron classifier: one or two hidden ReLU layers, a softmax over the
 * label's classes, cross-entropy, Adam, L2 on the weights. Weights start He-normal (seeded by
 * `params.seed`), biases at zero. Features are standardized or, under DP, scaled and clipped by
 * the schema's bounds. Under DP, DP-SGD: per-row backpropagation gives each row's own gradient,
 * which is clipped over all layers together before the Gaussian noise.
 */
export function trainMlpClassifier(plan: MlpClassifierPlan, table: TrainingTable, options: TrainerRunOptions = {}): TrainedMlpClassifier {
  const { epochs, learningRate, l2, batchSize, seed } = plan.params
  const { rows: n, features: d } = table
  const scaler = fitScaler(plan.scaling, table.x, n, d)
  const x = applyScaler(scaler, table.x, n, d)
  const network = mlpNetwork(plan.layers)

  const params = new Float64Array(network.size)
  const decay = new Uint8Array(network.size)
  const init = seededRandom(seed)
  for (const { weight, inputs, outputs } of network.offsets) {
    const std = Math.sqrt(2 / inputs)
    for (let i = weight; i < weight + inputs * outputs; i++) {
      params[i] = std * init.normal()
      decay[i] = 1
    }
  }

  const objective: Objective = {
    size: network.size,
    decay,
    lossBound: Math.max(1, 2 * Math.log(plan.classes.length)),
    addGradient: (w, i, into) => network.addGradient(w, x, i, table.y[i]!, into),
  }
  const privacy = plan.privacy
  const { steps } = trainSgd(objective, params, {
    rows: n,
    epochs,
    batchSize,
    learningRate,
    l2,
    optimizer: 'adam',
    // Its own stream: the same seed must not make the order echo the initial weights.
    shuffle: mulberry32((seed ^ 0x5bd1e995) >>> 0),
    privacy,
    privateRandom: privacy === undefined ? undefined : (options.privateRandom ?? secureRandom()),
    onEpoch: options.onEpoch,
  })

  const layers = network.offsets.map(({ weight, bias, inputs, outputs }) => ({
    weight: params.slice(weight, weight + inputs * outputs),
    bias: params.slice(bias, bias + outputs),
  }))
  const trained = { layers, featureMean: scaler.center, featureStd: scaler.scale, steps }
  // Under DP, a loss or accuracy computed on the data would be released without privacy: none is.
  if (privacy !== undefined) return trained
  let loss = 0
  let correct = 0
  for (let i = 0; i < n; i++) {
    network.forward(params, x, i)
    const p = network.probabilities
    loss += -Math.log(Math.max(p[table.y[i]!]!, 1e-15))
    let best = 0
    for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c
    if (best === table.y[i]) correct++
  }
  let penalty = 0
  for (let i = 0; i < params.length; i++) if (decay[i]) penalty += params[i]! * params[i]!
  return { ...trained, loss: loss / n + (l2 / 2) * penalty, accuracy: correct / n }
}
