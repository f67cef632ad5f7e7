import type { ClassifierModel } from './evaluateAccuracy.ts'
import type { LinearRegressionModel } from './loadLinearRegression.ts'
import type { TorchMlpRegressionModel } from './loadTorchMlp.ts'
import { type BuiltInModel, loadModel } from './loadModel.ts'
import type { ModelRows } from './model-file.ts'
import { predictLinearRegression } from './predictLinearRegression.ts'
import { predictLogisticRegression } from './predictLogisticRegression.ts'
import { type ClassPrediction, predictMlpClassifier } from './predictMlpClassifier.ts'
import { predictTorchMlp } from './predictTorchMlp.ts'

/** One prediction of any built-in model: a number (regression) or a class with its probabilities. */
export type Prediction = number | ClassPrediction

export type PredictErrorType = import('./loadModel.ts').LoadModelErrorType

/**
 * Predicts with any built-in trainer's model, dispatching on the trainer that wrote it: classes
 * (with probabilities) for logistic regression, the MLP classifier and a torch-mlp classifier,
 * numbers in the label's units for linear regression and a torch-mlp regressor. Takes a loaded model or the `model.safetensors` bytes. Rows are
 * objects keyed by feature name, or arrays in the model's feature order.
 *
 * @example
 * const [p] = predict(model, [{ age: 61, bmi: 31, systolic_bp: 150, cholesterol: 240, glucose: 120, smoker: 1, exercise_hours: 0.5 }])
 * p.label // 'high'
 */
export function predict(model: LinearRegressionModel | TorchMlpRegressionModel, rows: ModelRows): number[]
export function predict(model: ClassifierModel, rows: ModelRows): ClassPrediction[]
export function predict(model: BuiltInModel | Uint8Array, rows: ModelRows): number[] | ClassPrediction[]
export function predict(model: BuiltInModel | Uint8Array, rows: ModelRows): number[] | ClassPrediction[] {
  const loaded = model instanceof Uint8Array ? loadModel(model) : model
  switch (loaded.trainer) {
    case 'linear-regression':
      return predictLinearRegression(loaded, rows)
    case 'mlp-classifier':
      return predictMlpClassifier(loaded, rows)
    case 'torch-mlp':
      return predictTorchMlp(loaded, rows)
    default:
      return predictLogisticRegression(loaded, rows)
  }
}
