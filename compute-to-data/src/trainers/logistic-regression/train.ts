import type { LogisticRegressionPlan } from '@datavault/sdk'
import type { Objective } from '../common/objective.ts'
import { mulberry32, secureRandom } from '../common/random.ts'
import { applyScaler, fitScaler } from '../common/scaling.ts'
import { type TrainerRunOptions, trainSgd } from '../common/sgd.ts'
import type { TrainingTable } from '../common/table.ts'
import { fitLogisticFullBatch } from './fitFullBatch.ts'

/** Copies a full-batch fit into `params`; its iterations count as the steps taken. */
function fitInto(params: Float64Array, fit: { params: Float64Array; iterations: number }): { steps: number } {
  params.set(fit.params)
  return { steps: fit.iterations }
}

/** A trained model in float64, before it is written as F32 tensors. */
export type TrainedLogisticRegression = {
  /** Row-major [outputs, features]. */
  weights: Float64Array
  bias: Float64Array
  featureMean: Float64Array
  featureStd: Float64Array
  /** Mean cross-entropy on the training rows plus the L2 term, and training accuracy; not computed under DP. */
  loss?: number | undefined
  accuracy?: number | undefined
  /** Optimizer steps taken. */
  steps: number
}

/**
 * Trains logistic regression on `table`. Without DP the default is a full-batch fit with L-BFGS
 * (as scikit-learn's default solver; `solver: 'sgd'` keeps mini-batch epochs, `onEpoch` then
 * reports each L-BFGS iteration instead of an epoch); otherwise mini-batch gradient descent: features standardized
 * (zero mean, unit variance; constant features are left centered) or, under DP, scaled and
 * clipped by the schema's bounds; a sigmoid for two classes or a softmax for more, L2 on the
 * weights. Without DP, rows are shuffled every epoch by a PRNG seeded with `params.seed`, so equal
 * inputs give equal models. With DP, DP-SGD: Poisson batches, per-row clipping, Gaussian noise.
 */
export function trainLogisticRegression(plan: LogisticRegressionPlan, table: TrainingTable, options: TrainerRunOptions = {}): TrainedLogisticRegression {
  const { epochs, learningRate, l2, batchSize, seed } = plan.params
  const { rows: n, features: d } = table
  const k = plan.outputs
  const binary = plan.task === 'binary'
  const scaler = fitScaler(plan.scaling, table.x, n, d)
  const x = applyScaler(scaler, table.x, n, d)

  // Parameters: weights [k, d] row-major, then bias [k].
  const params = new Float64Array(k * d + k)
  const decay = new Uint8Array(params.length).fill(1, 0, k * d)
  const probabilities = new Float64Array(binary ? 2 : k)

  // Fills `probabilities` for row i and returns the row's cross-entropy.
  const forward = (w: Float64Array, i: number): number => {
    const row = i * d
    if (binary) {
      let z = w[k * d]!
      for (let j = 0; j < d; j++) z += w[j]! * x[row + j]!
      const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))
      probabilities[0] = 1 - p
      probabilities[1] = p
    } else {
      let max = -Infinity
      for (let c = 0; c < k; c++) {
        let z = w[k * d + c]!
        for (let j = 0; j < d; j++) z += w[c * d + j]! * x[row + j]!
        probabilities[c] = z
        if (z > max) max = z
      }
      let sum = 0
      for (let c = 0; c < k; c++) {
        const e = Math.exp(probabilities[c]! - max)
        probabilities[c] = e
        sum += e
      }
      for (let c = 0; c < k; c++) probabilities[c]! /= sum
    }
    return -Math.log(Math.max(probabilities[table.y[i]!]!, 1e-15))
  }

  const objective: Objective = {
    size: params.length,
    decay,
    lossBound: Math.max(1, 2 * Math.log(plan.classes.length)),
    addGradient(w, i, into) {
      const loss = forward(w, i)
      const row = i * d
      const label = table.y[i]!
      for (let c = 0; c < k; c++) {
        // d(loss)/d(logit): p - 1 for the true class, p otherwise (binary: the logit of class 1).
        const g = binary ? probabilities[1]! - (label === 1 ? 1 : 0) : probabilities[c]! - (label === c ? 1 : 0)
        into[k * d + c]! += g
        for (let j = 0; j < d; j++) into[c * d + j]! += g * x[row + j]!
      }
      return loss
    },
  }

  const privacy = plan.privacy
  const fullBatch = privacy === undefined && (plan.params.solver ?? 'full-batch') === 'full-batch'
  const { steps } = fullBatch
    ? fitInto(params, fitLogisticFullBatch({ x, y: table.y, rows: n, features: d, outputs: k, l2, onIteration: options.onEpoch }))
    : trainSgd(objective, params, {
        rows: n,
        epochs,
        batchSize,
        learningRate,
        l2,
        optimizer: 'sgd',
        shuffle: mulberry32(seed),
        privacy,
        privateRandom: privacy === undefined ? undefined : (options.privateRandom ?? secureRandom()),
        onEpoch: options.onEpoch,
      })

  const trained = { weights: params.slice(0, k * d), bias: params.slice(k * d), featureMean: scaler.center, featureStd: scaler.scale, steps }
  // Under DP, a loss or accuracy computed on the data would be released without privacy: none is.
  if (privacy !== undefined) return trained
  let loss = 0
  let correct = 0
  for (let i = 0; i < n; i++) {
    loss += forward(params, i)
    let best = 0
    for (let c = 1; c < probabilities.length; c++) if (probabilities[c]! > probabilities[best]!) best = c
    if (best === table.y[i]) correct++
  }
  let penalty = 0
  for (let w = 0; w < k * d; w++) penalty += params[w]! * params[w]!
  return { ...trained, loss: loss / n + (l2 / 2) * penalty, accuracy: correct / n }
}
