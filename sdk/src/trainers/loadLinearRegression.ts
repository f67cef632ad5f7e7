import { LinearRegressionModelError } from './errors.ts'
import { linearRegressionTrainerId, linearRegressionTrainerVersion } from './linear-regression-plan.ts'
import { type ModelFail, type ModelPrivacy, type ModelScaling, f32Tensor, readCategories, readModelFile, readScaling, scalingTensors, stringList } from './model-file.ts'

/** A linear-regression model, as read from the trainer's `model.safetensors`. */
export type LinearRegressionModel = {
  trainer: 'linear-regression'
  version: string
  /** The target column's name. */
  label: string
  features: string[]
  /** Category columns one-hot encoded (feature `column=value` per published value); absent when none. */
  categories?: Record<string, string[]> | undefined
  /** [1, features]: prediction = Σ weights[j] · scaled x[j] + bias, in the label's units. */
  weights: Float32Array
  bias: Float32Array
  featureMean: Float32Array
  featureStd: Float32Array
  /** `bounds` for a DP model: scaled inputs are clipped to [-1, 1], as in training. */
  scaling: ModelScaling
  privacy?: ModelPrivacy | undefined
}

const fail: ModelFail = (reason, details, cause) => new LinearRegressionModelError(reason, details, { cause })

/**
 * Reads a `model.safetensors` written by the `linear-regression` trainer, checking its metadata and
 * tensor shapes.
 *
 * @example
 * const model = loadLinearRegression(await readFile('model.safetensors'))
 * predictLinearRegression(model, [{ rooms: 3, area: 72 }]) // [312000.5]
 */
export function loadLinearRegression(bytes: Uint8Array): LinearRegressionModel {
  const { tensors, metadata, version } = readModelFile(bytes, { trainer: linearRegressionTrainerId, version: linearRegressionTrainerVersion, fail })
  const label = metadata.label
  if (label === undefined || label.length === 0) throw fail('bad-metadata', 'No label.')
  const features = stringList(metadata, 'features', fail)
  if (features.length === 0) throw fail('bad-metadata', 'No features.')
  const { scaling, privacy } = readScaling(metadata, fail)
  const categories = readCategories(metadata, features, fail)
  const d = features.length
  const weights = f32Tensor(tensors, 'weights', [1, d], fail)
  const bias = f32Tensor(tensors, 'bias', [1], fail)
  const { featureMean, featureStd } = scalingTensors(tensors, d, fail)
  return { trainer: 'linear-regression', version, label, features, weights, bias, featureMean, featureStd, scaling, privacy, ...(categories === undefined ? {} : { categories }) }
}
