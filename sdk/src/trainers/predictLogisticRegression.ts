import { LogisticRegressionModelError } from './errors.ts'
import type { LogisticRegressionModel } from './loadLogisticRegression.ts'
import { type ModelFail, type ModelRows, argmax, rowEncoder, softmax } from './model-file.ts'

/** Rows to predict: objects keyed by feature name, or arrays in the model's feature order. */
export type LogisticRegressionRows = ModelRows

/** One prediction: the most probable class and every class's probability (in `model.classes` order). */
export type LogisticRegressionPrediction = { classIndex: number; label: string | number; probabilities: number[] }

const fail: ModelFail = (reason, details, cause) => new LogisticRegressionModelError(reason, details, { cause })

/**
 * Predicts classes with a logistic-regression model: scales each row as the model was trained
 * (standardized, or bounds-scaled and clipped for a DP model), then applies a sigmoid (binary) or
 * softmax (multiclass).
 *
 * @example
 * const [p] = predictLogisticRegression(model, [[5.1, 3.5]])
 * p.label // 'setosa'
 */
export function predictLogisticRegression(model: LogisticRegressionModel, rows: LogisticRegressionRows): LogisticRegressionPrediction[] {
  const d = model.features.length
  const x = new Float64Array(d)
  const logits = new Float64Array(model.outputs)
  const encode = rowEncoder(model, fail)
  return rows.map((row, index) => {
    encode(row, index, x)
    for (let k = 0; k < model.outputs; k++) {
      let z = model.bias[k]!
      for (let j = 0; j < d; j++) z += model.weights[k * d + j]! * x[j]!
      logits[k] = z
    }
    const probabilities = model.task === 'binary' ? binary(logits[0]!) : softmax(logits)
    const classIndex = argmax(probabilities)
    return { classIndex, label: model.classes[classIndex]!, probabilities }
  })
}

function binary(logit: number): number[] {
  const p = logit >= 0 ? 1 / (1 + Math.exp(-logit)) : Math.exp(logit) / (1 + Math.exp(logit))
  return [1 - p, p]
}
