import { UnknownModelError } from './errors.ts'
import { type LinearRegressionModel, loadLinearRegression } from './loadLinearRegression.ts'
import { type LogisticRegressionModel, loadLogisticRegression } from './loadLogisticRegression.ts'
import { type MlpClassifierModel, loadMlpClassifier } from './loadMlpClassifier.ts'
import { type TorchMlpModel, loadTorchMlp } from './loadTorchMlp.ts'
import { loadWeights } from './loadWeights.ts'

/** A model of any built-in trainer, told apart by `trainer`. */
export type BuiltInModel = LogisticRegressionModel | LinearRegressionModel | MlpClassifierModel | TorchMlpModel

export type LoadModelReturnType = BuiltInModel
export type LoadModelErrorType =
  | UnknownModelError
  | import('./errors.ts').LogisticRegressionModelError
  | import('./errors.ts').LinearRegressionModelError
  | import('./errors.ts').MlpClassifierModelError
  | import('./errors.ts').TorchMlpModelError
  | import('../safetensors/errors.ts').SafetensorsFormatError

/**
 * Reads a built-in trainer's `model.safetensors`, whichever trainer wrote it (from its metadata):
 * a logistic-regression, linear-regression, MLP-classifier or torch-mlp model, checked as its own loader
 * checks it. Throws `UnknownModelError` for anything else (a custom algorithm's weights).
 *
 * @example
 * const model = loadModel(bytes)
 * if (model.trainer === 'linear-regression') console.log(model.label)
 */
export function loadModel(bytes: Uint8Array): LoadModelReturnType {
  const { trainer } = loadWeights(bytes)
  switch (trainer) {
    case 'logistic-regression':
      return loadLogisticRegression(bytes)
    case 'linear-regression':
      return loadLinearRegression(bytes)
    case 'mlp-classifier':
      return loadMlpClassifier(bytes)
    case 'torch-mlp':
      return loadTorchMlp(bytes)
    default:
      throw new UnknownModelError(trainer)
  }
}
