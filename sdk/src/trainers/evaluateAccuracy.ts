import { LogisticRegressionModelError } from './errors.ts'
import type { LogisticRegressionModel } from './loadLogisticRegression.ts'
import { type LogisticRegressionRows, predictLogisticRegression } from './predictLogisticRegression.ts'

/**
 * Fraction of `rows` whose predicted class equals the expected one. Expected classes are given
 * as class names or as indices into `model.classes`.
 *
 * @example
 * evaluateAccuracy(model, testRows, testLabels) // 0.94
 */
export function evaluateAccuracy(model: LogisticRegressionModel, rows: LogisticRegressionRows, expected: readonly (string | number)[]): number {
  if (rows.length !== expected.length) throw new LogisticRegressionModelError('bad-input', `${rows.length} rows but ${expected.length} expected classes.`)
  if (rows.length === 0) throw new LogisticRegressionModelError('bad-input', 'No rows to evaluate.')
  const predictions = predictLogisticRegression(model, rows)
  let correct = 0
  predictions.forEach((prediction, i) => {
    const want = expected[i]!
    const index = typeof want === 'number' ? want : model.classes.indexOf(want)
    if (index < 0 || index >= model.classes.length || !Number.isInteger(index))
      throw new LogisticRegressionModelError('bad-input', `Expected class at row ${i} is not one of the model's classes.`)
    if (prediction.classIndex === index) correct++
  })
  return correct / rows.length
}
