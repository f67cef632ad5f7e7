import { minimizeLbfgs } from './lbfgs.ts'

export type FitLogisticFullBatchParameters = {
  /** Scaled features, row-major [rows, features]. */
  x: Float64Array
  /** Class index of each row. */
  y: ArrayLike<number>
  rows: number
  features: number
  /** 1 (binary: the logit of class 1) or the number of classes (softmax). */
  outputs: number
  /** L2 on the weights (not the biases), as in the SGD objective: mean loss + (l2 / 2)·‖W‖². */
  l2: number
  /** Called after each iteration with its objective value. */
  onIteration?: ((iteration: number, loss: number) => void) | undefined
  maxIterations?: number | undefined
}

/**
 * Fits logistic regression on the whole batch with L-BFGS: minimizes the mean cross-entropy plus
 * (l2 / 2)·‖W‖² (the objective the SGD path descends), as scikit-learn's default `lbfgs` solver
 * does. Each objective evaluation is one pass over the rows computing loss and gradient together.
 * Returns the parameters, weights [outputs, features] row-major then biases [outputs], and the
 * iterations taken. Deterministic: equal inputs give equal models.
 */
export function fitLogisticFullBatch({ x, y, rows: n, features: d, outputs: k, l2, onIteration, maxIterations = 500 }: FitLogisticFullBatchParameters): {
  params: Float64Array
  iterations: number
} {
  const binary = k === 1
  const size = k * d + k
  const logits = new Float64Array(k)

  const evaluate = (w: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0)
    let loss = 0
    for (let i = 0; i < n; i++) {
      const row = i * d
      const label = y[i]!
      if (binary) {
        let z = w[d]!
        for (let j = 0; j < d; j++) z += w[j]! * x[row + j]!
        // log(1 + e^z) − label·z and its derivative sigmoid(z) − label, stably, from one exp(−|z|).
        const e = Math.exp(-Math.abs(z))
        const p = z >= 0 ? 1 / (1 + e) : e / (1 + e)
        loss += (z > 0 ? z : 0) + Math.log1p(e) - (label === 1 ? z : 0)
        const g = p - (label === 1 ? 1 : 0)
        gradient[d]! += g
        for (let j = 0; j < d; j++) gradient[j]! += g * x[row + j]!
      } else {
        let max = -Infinity
        for (let c = 0; c < k; c++) {
          let z = w[k * d + c]!
          const base = c * d
          for (let j = 0; j < d; j++) z += w[base + j]! * x[row + j]!
          logits[c] = z
          if (z > max) max = z
        }
        let sum = 0
        for (let c = 0; c < k; c++) sum += Math.exp(logits[c]! - max)
        const logSum = max + Math.log(sum)
        loss += logSum - logits[label]!
        for (let c = 0; c < k; c++) {
          const g = Math.exp(logits[c]! - logSum) - (label === c ? 1 : 0)
          gradient[k * d + c]! += g
          const base = c * d
          for (let j = 0; j < d; j++) gradient[base + j]! += g * x[row + j]!
        }
      }
    }
    let penalty = 0
    for (let p = 0; p < size; p++) {
      gradient[p]! /= n
      if (p < k * d) {
        penalty += w[p]! * w[p]!
        gradient[p]! += l2 * w[p]!
      }
    }
    return loss / n + (l2 / 2) * penalty
  }

  const params = new Float64Array(size)
  const { iterations } = minimizeLbfgs(evaluate, params, { maxIterations, onIteration })
  return { params, iterations }
}
