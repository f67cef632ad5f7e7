import type { LinearRegressionPlan } from '@datavault/sdk'
import type { Objective } from '../common/objective.ts'
import { mulberry32, secureRandom } from '../common/random.ts'
import { applyScaler, fitScaler } from '../common/scaling.ts'
import { type TrainerRunOptions, trainSgd } from '../common/sgd.ts'
import type { TrainingTable } from '../common/table.ts'
import { solveRidge } from './solveRidge.ts'

/** Mean ½(ŷ − y)² + (l2 / 2)·‖w‖² on the scaled data: what SGD's epoch loss reports. */
function scaledObjective(params: Float64Array, x: Float64Array, y: Float64Array, n: number, d: number, l2: number): number {
  let total = 0
  for (let i = 0; i < n; i++) {
    let prediction = params[d]!
    for (let j = 0; j < d; j++) prediction += params[j]! * x[i * d + j]!
    total += 0.5 * (prediction - y[i]!) ** 2
  }
  let penalty = 0
  for (let j = 0; j < d; j++) penalty += params[j]! ** 2
  return total / n + (l2 / 2) * penalty
}

/** A trained linear regression in float64: predicts in the label's units from scaled features. */
export type TrainedLinearRegression = {
  /** [features]: prediction = Σ weights[j] · (x[j] − featureMean[j]) / featureStd[j] + bias. */
  weights: Float64Array
  bias: number
  featureMean: Float64Array
  featureStd: Float64Array
  /** Training MSE (label units) and R²; not computed under DP. */
  loss?: number | undefined
  r2?: number | undefined
  steps: number
}

/**
 * Trains linear regression (ridge when `l2 > 0`). Without DP the default solves the normal
 * equations exactly (`solver: 'sgd'` keeps mini-batch epochs; `onEpoch` is then called once);
 * otherwise (and under DP always) by mini-batch SGD on ½(ŷ − y)², features and
 * target both scaled while training: standardized by the data or, under DP, by the schema's
 * bounds with clipping. The weights are then mapped back so the model predicts in the label's
 * units. The epoch loss is the objective on the scaled target (without DP, ½ · MSE / Var(y)).
 */
export function trainLinearRegression(plan: LinearRegressionPlan, table: TrainingTable, options: TrainerRunOptions = {}): TrainedLinearRegression {
  const { epochs, learningRate, l2, batchSize, seed } = plan.params
  const { rows: n, features: d } = table
  const scaler = fitScaler(plan.scaling, table.x, n, d)
  const x = applyScaler(scaler, table.x, n, d)
  const targetScaler = fitScaler(plan.labelScaling, table.y, n, 1)
  const y = applyScaler(targetScaler, table.y, n, 1)

  // Parameters: weights [d], then the bias.
  const params = new Float64Array(d + 1)
  const decay = new Uint8Array(d + 1).fill(1, 0, d)
  const objective: Objective = {
    size: d + 1,
    decay,
    // Under DP the scaled target lies in [-1, 1]: a row's loss is released up to an error of 1.
    lossBound: 0.5,
    addGradient(w, i, into) {
      const row = i * d
      let prediction = w[d]!
      for (let j = 0; j < d; j++) prediction += w[j]! * x[row + j]!
      const error = prediction - y[i]!
      for (let j = 0; j < d; j++) into[j]! += error * x[row + j]!
      into[d]! += error
      return 0.5 * error * error
    },
  }
  const privacy = plan.privacy
  let steps: number
  if (privacy === undefined && (plan.params.solver ?? 'full-batch') === 'full-batch') {
    // The exact minimizer of the same objective: one pass over the rows, then a (d + 1)² solve.
    params.set(solveRidge({ x, y, rows: n, features: d, l2 }))
    steps = 1
    options.onEpoch?.(1, scaledObjective(params, x, y, n, d, l2))
  } else
    ({ steps } = trainSgd(objective, params, {
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
    }))

  // Back to the label's units: y = center + scale · (w · x̃ + b).
  const yCenter = targetScaler.center[0]!
  const yScale = targetScaler.scale[0]!
  const weights = params.slice(0, d).map((w) => w * yScale)
  const bias = params[d]! * yScale + yCenter
  const trained = { weights, bias, featureMean: scaler.center, featureStd: scaler.scale, steps }
  // Under DP, an error computed on the data would be released without privacy: none is.
  if (privacy !== undefined) return trained

  let sse = 0
  let sst = 0
  let mean = 0
  for (let i = 0; i < n; i++) mean += table.y[i]!
  mean /= n
  for (let i = 0; i < n; i++) {
    let prediction = bias
    for (let j = 0; j < d; j++) prediction += weights[j]! * x[i * d + j]!
    sse += (prediction - table.y[i]!) ** 2
    sst += (table.y[i]! - mean) ** 2
  }
  return { ...trained, loss: sse / n, r2: sst > 0 ? 1 - sse / sst : sse === 0 ? 1 : 0 }
}
