import type { LogisticRegressionPlan } from '@datavault/sdk'
import type { TrainingTable } from './dataset.ts'

/** A trained model in float64, before it is written as F32 tensors. */
export type TrainedLogisticRegression = {
  /** Row-major [outputs, features]. */
  weights: Float64Array
  bias: Float64Array
  featureMean: Float64Array
  featureStd: Float64Array
  /** Mean cross-entropy on the training rows plus the L2 term, and training accuracy. */
  loss: number
  accuracy: number
}

/**
 * Trains logistic regression on `table` with mini-batch gradient descent: features standardized
 * (zero mean, unit variance; constant features are left centered), a sigmoid for two classes or a
 * softmax for more, L2 on the weights. Rows are shuffled every epoch by a PRNG seeded with
 * `params.seed`, so equal inputs give equal models. `onEpoch` gets the epoch's mean batch loss.
 */
export function trainLogisticRegression(
  plan: LogisticRegressionPlan,
  table: TrainingTable,
  onEpoch: (epoch: number, loss: number) => void = () => {},
): TrainedLogisticRegression {
  const { epochs, learningRate, l2, batchSize, seed } = plan.params
  const { rows: n, features: d } = table
  const k = plan.outputs
  const binary = plan.task === 'binary'

  const featureMean = new Float64Array(d)
  const featureStd = new Float64Array(d)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) featureMean[j]! += table.x[i * d + j]!
  for (let j = 0; j < d; j++) featureMean[j]! /= n
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const centered = table.x[i * d + j]! - featureMean[j]!
      featureStd[j]! += centered * centered
    }
  for (let j = 0; j < d; j++) {
    const std = Math.sqrt(featureStd[j]! / n)
    featureStd[j] = std > 1e-12 ? std : 1
  }
  const x = new Float64Array(n * d)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (table.x[i * d + j]! - featureMean[j]!) / featureStd[j]!

  const weights = new Float64Array(k * d)
  const bias = new Float64Array(k)
  const gradW = new Float64Array(k * d)
  const gradB = new Float64Array(k)
  const probabilities = new Float64Array(binary ? 2 : k)
  const order = Uint32Array.from({ length: n }, (_, i) => i)
  const random = mulberry32(seed)

  // Fills `probabilities` for row i and returns the row's cross-entropy.
  const forward = (i: number): number => {
    const row = i * d
    if (binary) {
      let z = bias[0]!
      for (let j = 0; j < d; j++) z += weights[j]! * x[row + j]!
      const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))
      probabilities[0] = 1 - p
      probabilities[1] = p
    } else {
      let max = -Infinity
      for (let c = 0; c < k; c++) {
        let z = bias[c]!
        for (let j = 0; j < d; j++) z += weights[c * d + j]! * x[row + j]!
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
  const penalty = () => {
    let sum = 0
    for (const w of weights) sum += w * w
    return (l2 / 2) * sum
  }

  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      const t = order[i]!
      order[i] = order[j]!
      order[j] = t
    }
    let epochLoss = 0
    let batches = 0
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n)
      gradW.fill(0)
      gradB.fill(0)
      let batchLoss = 0
      for (let b = start; b < end; b++) {
        const i = order[b]!
        batchLoss += forward(i)
        const row = i * d
        const label = table.y[i]!
        for (let c = 0; c < k; c++) {
          // d(loss)/d(logit): p - 1 for the true class, p otherwise (binary: the logit of class 1).
          const g = binary ? probabilities[1]! - (label === 1 ? 1 : 0) : probabilities[c]! - (label === c ? 1 : 0)
          gradB[c]! += g
          for (let j = 0; j < d; j++) gradW[c * d + j]! += g * x[row + j]!
        }
      }
      const size = end - start
      epochLoss += batchLoss / size + penalty()
      batches++
      for (let w = 0; w < weights.length; w++) weights[w]! -= learningRate * (gradW[w]! / size + l2 * weights[w]!)
      for (let c = 0; c < k; c++) bias[c]! -= learningRate * (gradB[c]! / size)
    }
    onEpoch(epoch, epochLoss / batches)
  }

  let loss = 0
  let correct = 0
  for (let i = 0; i < n; i++) {
    loss += forward(i)
    let best = 0
    for (let c = 1; c < probabilities.length; c++) if (probabilities[c]! > probabilities[best]!) best = c
    if (best === table.y[i]) correct++
  }
  return { weights, bias, featureMean, featureStd, loss: loss / n + penalty(), accuracy: correct / n }
}

/** A small, well-distributed 32-bit PRNG; deterministic for a seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
