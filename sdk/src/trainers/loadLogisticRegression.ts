import { LogisticRegressionModelError } from './errors.ts'
import { logisticRegressionTrainerId, logisticRegressionTrainerVersion } from './logistic-regression-plan.ts'
import { type ModelFail, type ModelPrivacy, type ModelScaling, f32Tensor, readModelFile, readScaling, classList, readCategories, scalingTensors, stringList } from './model-file.ts'

/** A logistic-regression model, as read from the trainer's `model.safetensors`. */
export type LogisticRegressionModel = {
  trainer: 'logistic-regression'
  version: string
  task: 'binary' | 'multiclass'
  /** In a stable order, with the label's type: numbers for a label whose values are numbers. */
  classes: (string | number)[]
  features: string[]
  /** Category columns one-hot encoded (feature `column=value` per published value); absent when none. */
  categories?: Record<string, string[]> | undefined
  /** Row-major [outputs, features]: for binary one row, the logit of `classes[1]`. */
  weights: Float32Array
  bias: Float32Array
  /** Per-feature center and divisor applied to inputs before the weights. */
  featureMean: Float32Array
  featureStd: Float32Array
  /** `bounds` for a DP model: scaled inputs are clipped to [-1, 1], as in training. */
  scaling: ModelScaling
  /** What DP-SGD the run did, for a DP model. */
  privacy?: ModelPrivacy | undefined
  /** Rows of `weights`. */
  outputs: number
}

const fail: ModelFail = (reason, details, cause) => new LogisticRegressionModelError(reason, details, { cause })

/**
 * Reads a `model.safetensors` written by the `logistic-regression` trainer: checks its metadata
 * (trainer, version, task, classes, features, scaling) and its tensors' dtypes and shapes.
 *
 * @example
 * const model = loadLogisticRegression(await readFile('model.safetensors'))
 * const [prediction] = predictLogisticRegression(model, [{ x1: 0.3, x2: -1 }])
 */
export function loadLogisticRegression(bytes: Uint8Array): LogisticRegressionModel {
  const { tensors, metadata, version } = readModelFile(bytes, { trainer: logisticRegressionTrainerId, version: logisticRegressionTrainerVersion, fail })
  const task = metadata.task
  if (task !== 'binary' && task !== 'multiclass') throw fail('bad-metadata', 'Unknown task.')
  const classes = classList(metadata, fail)
  const features = stringList(metadata, 'features', fail)
  if (classes.length < 2 || (task === 'binary') !== (classes.length === 2)) throw fail('bad-metadata', 'The task does not match the number of classes.')
  if (features.length === 0) throw fail('bad-metadata', 'No features.')
  const { scaling, privacy } = readScaling(metadata, fail)
  const categories = readCategories(metadata, features, fail)

  const outputs = task === 'binary' ? 1 : classes.length
  const d = features.length
  const weights = f32Tensor(tensors, 'weights', [outputs, d], fail)
  const bias = f32Tensor(tensors, 'bias', [outputs], fail)
  const { featureMean, featureStd } = scalingTensors(tensors, d, fail)
  return { trainer: 'logistic-regression', version, task, classes, features, weights, bias, featureMean, featureStd, scaling, privacy, outputs, ...(categories === undefined ? {} : { categories }) }
}
