import { LinearRegressionModelError } from './errors.ts'
import type { LinearRegressionModel } from './loadLinearRegression.ts'
import { type ModelFail, type ModelRows, rowEncoder } from './model-file.ts'

const fail: ModelFail = (reason, details, cause) => new LinearRegressionModelError(reason, details, { cause })

/**
 * Predicts the target for each row with a linear-regression model, in the label's units.
 *
 * @example
 * predictLinearRegression(model, [[3, 72], [2, 50]]) // [312000.5, 228400.1]
 */
export function predictLinearRegression(model: LinearRegressionModel, rows: ModelRows): number[] {
  const d = model.features.length
  const x = new Float64Array(d)
  const encode = rowEncoder(model, fail)
  return rows.map((row, index) => {
    encode(row, index, x)
    let y = model.bias[0]!
    for (let j = 0; j < d; j++) y += model.weights[j]! * x[j]!
    return y
  })
}

/** Quality of a regression model on rows with known targets. */
export type RegressionEvaluation = {
  /** Mean squared error. */
  mse: number
  /** Coefficient of determination: 1 − SSE / SST (1 is perfect, 0 is as good as the targets' mean). */
  r2: number
}

/**
 * Mean squared error and R² of a linear-regression model on `rows` with known `targets`.
 *
 * @example
 * evaluateRegression(model, testRows, testPrices) // { mse: 1.2e8, r2: 0.91 }
 */
export function evaluateRegression(model: LinearRegressionModel, rows: ModelRows, targets: readonly number[]): RegressionEvaluation {
  if (rows.length !== targets.length) throw fail('bad-input', `${rows.length} rows but ${targets.length} targets.`)
  if (rows.length === 0) throw fail('bad-input', 'No rows to evaluate.')
  if (!targets.every(Number.isFinite)) throw fail('bad-input', 'Every target must be a finite number.')
  const predictions = predictLinearRegression(model, rows)
  const mean = targets.reduce((a, b) => a + b, 0) / targets.length
  let sse = 0
  let sst = 0
  targets.forEach((target, i) => {
    sse += (predictions[i]! - target) ** 2
    sst += (target - mean) ** 2
  })
  return { mse: sse / targets.length, r2: sst > 0 ? 1 - sse / sst : sse === 0 ? 1 : 0 }
}
