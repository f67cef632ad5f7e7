import type { MlpClassifierPlan } from '@datavault/sdk'
import type { Objective } from '../common/objective.ts'
import { mulberry32, secureRandom, seededRandom } from '../common/random.ts'
import { applyScaler, fitScaler } from '../common/scaling.ts'
import { type TrainerRunOptions, trainSgd } from '../common/sgd.ts'
import type { TrainingTable } from '../common/table.ts'
import { mlpNetwork } from './network.ts'

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

/**
 * Trains a multilayer perceptron classifier: one or two hidden ReLU layers, a softmax over the
 * label's classes, cross-entropy, Adam, L2 on the weights. Weights start He-normal (seeded by
 * `params.seed`), biases at zero. Features are standardized or, under DP, scaled and clipped by
 * the schema's bounds. A batch's forward and backward passes are matrix–matrix products in float32
 * (as PyTorch trains; {@link mlpNetwork}), parameters and Adam's state float64. Under DP, DP-SGD:
 * each row's own gradient is clipped over all layers together before the Gaussian noise.
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
    addGradient: (w, i, into) => network.addGradient(w, x, table.y, [i], 0, 1, into),
    addBatchGradient: (w, rows, start, end, into) => network.addGradient(w, x, table.y, rows, start, end, into),
    addClippedGradients: (w, rows, maxGradNorm, into) => network.addClippedGradients(w, x, table.y, rows, maxGradNorm, objective.lossBound, into),
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
  network.predict(params, x, n, (i, p) => {
    loss += -Math.log(Math.max(p[table.y[i]!]!, 1e-15))
    let best = 0
    for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c
    if (best === table.y[i]) correct++
  })
  let penalty = 0
  for (let i = 0; i < params.length; i++) if (decay[i]) penalty += params[i]! * params[i]!
  return { ...trained, loss: loss / n + (l2 / 2) * penalty, accuracy: correct / n }
}
