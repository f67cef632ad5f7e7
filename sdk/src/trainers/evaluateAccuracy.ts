import { LogisticRegressionModelError, MlpClassifierModelError, TorchMlpModelError } from './errors.ts'
import type { LogisticRegressionModel } from './loadLogisticRegression.ts'
import type { MlpClassifierModel } from './loadMlpClassifier.ts'
import type { TorchMlpClassifierModel } from './loadTorchMlp.ts'
import type { ModelRows } from './model-file.ts'
import { predictLogisticRegression } from './predictLogisticRegression.ts'
import { type ClassPrediction, predictMlpClassifier } from './predictMlpClassifier.ts'
import { predictTorchMlp } from './predictTorchMlp.ts'

/** A model of any built-in classifier trainer. */
export type ClassifierModel = LogisticRegressionModel | MlpClassifierModel | TorchMlpClassifierModel

/**
 * Predicts classes with any built-in classifier (`logistic-regression`, `mlp-classifier`, a
 * `torch-mlp` classifier).
 *
 * @example
 * predictClasses(model, [{ x1: 0.3, x2: -1 }])[0].label // 'yes'
 */
export function predictClasses(model: ClassifierModel, rows: ModelRows): ClassPrediction[] {
  if (model.trainer === 'mlp-classifier') return predictMlpClassifier(model, rows)
  if (model.trainer === 'torch-mlp') return predictTorchMlp(model, rows)
  return predictLogisticRegression(model, rows)
}

/**
 * Fraction of `rows` whose predicted class equals the expected one, for any built-in classifier.
 * Expected classes are given as the model's classes (strings, or numbers for a model whose classes
 * are numbers) or, for a model whose classes are strings, as indices into `model.classes`.
 *
 * @example
 * evaluateAccuracy(model, testRows, testLabels) // 0.94
 */
export function evaluateAccuracy(model: ClassifierModel, rows: ModelRows, expected: readonly (string | number)[]): number {
  const Failure = model.trainer === 'mlp-classifier' ? MlpClassifierModelError : model.trainer === 'torch-mlp' ? TorchMlpModelError : LogisticRegressionModelError
  if (rows.length !== expected.length) throw new Failure('bad-input', `${rows.length} rows but ${expected.length} expected classes.`)
  if (rows.length === 0) throw new Failure('bad-input', 'No rows to evaluate.')
  const predictions = predictClasses(model, rows)
  let correct = 0
  predictions.forEach((prediction, i) => {
    const want = expected[i]!
    const numeric = typeof model.classes[0] === 'number'
    const index = typeof want === 'number' && !numeric ? want : model.classes.indexOf(numeric && typeof want === 'string' ? Number(want) : want)
    if (index < 0 || index >= model.classes.length || !Number.isInteger(index)) throw new Failure('bad-input', `Expected class at row ${i} is not one of the model's classes.`)
    if (prediction.classIndex === index) correct++
  })
  return correct / rows.length
}
