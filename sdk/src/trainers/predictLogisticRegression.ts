import { LogisticRegressionModelError } from './errors.ts'
import type { LogisticRegressionModel } from './loadLogisticRegression.ts'

/** Rows to predict: objects keyed by feature name, or arrays in the model's feature order. */
export type LogisticRegressionRows = readonly Readonly<Record<string, number>>[] | readonly (readonly number[])[]

/** One prediction: the most probable class and every class's probability (in `model.classes` order). */
export type LogisticRegressionPrediction = { classIndex: number; label: string; probabilities: number[] }

/**
 * Predicts classes with a logistic-regression model: standardizes each row with the model's
 * feature statistics, then applies a sigmoid (binary) or softmax (multiclass).
 *
 * @example
 * const [p] = predictLogisticRegression(model, [[5.1, 3.5]])
 * p.label // 'setosa'
 */
export function predictLogisticRegression(model: LogisticRegressionModel, rows: LogisticRegressionRows): LogisticRegressionPrediction[] {
  const d = model.features.length
  const x = new Float64Array(d)
  const logits = new Float64Array(model.outputs)
  return rows.map((row, index) => {
    if (Array.isArray(row) && row.length !== d) throw new LogisticRegressionModelError('bad-input', `Row ${index} has ${row.length} values; the model has ${d} features.`)
    for (let j = 0; j < d; j++) {
      const value = Array.isArray(row) ? (row as readonly number[])[j] : (row as Readonly<Record<string, number>>)[model.features[j]!]
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new LogisticRegressionModelError('bad-input', `Row ${index} has no finite value for feature ${JSON.stringify(model.features[j])}.`)
      x[j] = (value - model.featureMean[j]!) / model.featureStd[j]!
    }
    for (let k = 0; k < model.outputs; k++) {
      let z = model.bias[k]!
      for (let j = 0; j < d; j++) z += model.weights[k * d + j]! * x[j]!
      logits[k] = z
    }
    const probabilities = model.task === 'binary' ? binary(logits[0]!) : softmax(logits)
    let classIndex = 0
    for (let k = 1; k < probabilities.length; k++) if (probabilities[k]! > probabilities[classIndex]!) classIndex = k
    return { classIndex, label: model.classes[classIndex]!, probabilities }
  })
}

function binary(logit: number): number[] {
  const p = logit >= 0 ? 1 / (1 + Math.exp(-logit)) : Math.exp(logit) / (1 + Math.exp(logit))
  return [1 - p, p]
}

function softmax(logits: Float64Array): number[] {
  let max = -Infinity
  for (const z of logits) max = Math.max(max, z)
  const exps = Array.from(logits, (z) => Math.exp(z - max))
  const sum = exps.reduce((a, b) => a + b, 0)
  return exps.map((e) => e / sum)
}
