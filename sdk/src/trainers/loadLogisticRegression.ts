import { decodeSafetensors } from '../safetensors/decodeSafetensors.ts'
import type { SafetensorsTensor } from '../safetensors/dtypes.ts'
import { LogisticRegressionModelError } from './errors.ts'
import { logisticRegressionTrainerId, logisticRegressionTrainerVersion } from './logistic-regression-plan.ts'

/** A logistic-regression model, as read from the trainer's `model.safetensors`. */
export type LogisticRegressionModel = {
  version: string
  task: 'binary' | 'multiclass'
  classes: string[]
  features: string[]
  /** Row-major [outputs, features]: for binary one row, the logit of `classes[1]`. */
  weights: Float32Array
  bias: Float32Array
  /** Per-feature mean and standard deviation used to standardize inputs before the weights. */
  featureMean: Float32Array
  featureStd: Float32Array
  /** Rows of `weights`. */
  outputs: number
}

/**
 * Reads a `model.safetensors` written by the `logistic-regression` trainer: checks its metadata
 * (trainer, version, task, classes, features) and its tensors' dtypes and shapes.
 *
 * @example
 * const model = loadLogisticRegression(await readFile('model.safetensors'))
 * const [prediction] = predictLogisticRegression(model, [{ x1: 0.3, x2: -1 }])
 */
export function loadLogisticRegression(bytes: Uint8Array): LogisticRegressionModel {
  let decoded: ReturnType<typeof decodeSafetensors>
  try {
    decoded = decodeSafetensors(bytes)
  } catch (cause) {
    throw new LogisticRegressionModelError('bad-file', 'Not a valid safetensors file.', { cause })
  }
  const { tensors, metadata } = decoded
  if (metadata?.trainer !== logisticRegressionTrainerId) throw new LogisticRegressionModelError('bad-metadata', 'Not written by the logistic-regression trainer.')
  const version = metadata.version ?? ''
  if (version.split('.')[0] !== logisticRegressionTrainerVersion.split('.')[0])
    throw new LogisticRegressionModelError('bad-metadata', `Trainer version ${JSON.stringify(version)} is not supported.`)
  const task = metadata.task
  if (task !== 'binary' && task !== 'multiclass') throw new LogisticRegressionModelError('bad-metadata', 'Unknown task.')
  const classes = parseStringList(metadata.classes, 'classes')
  const features = parseStringList(metadata.features, 'features')
  if (classes.length < 2 || (task === 'binary') !== (classes.length === 2))
    throw new LogisticRegressionModelError('bad-metadata', 'The task does not match the number of classes.')
  if (features.length === 0) throw new LogisticRegressionModelError('bad-metadata', 'No features.')

  const outputs = task === 'binary' ? 1 : classes.length
  const d = features.length
  const weights = f32(tensors.weights, [outputs, d], 'weights')
  const bias = f32(tensors.bias, [outputs], 'bias')
  const featureMean = f32(tensors.feature_mean, [d], 'feature_mean')
  const featureStd = f32(tensors.feature_std, [d], 'feature_std')
  return { version, task, classes, features, weights, bias, featureMean, featureStd, outputs }
}

function parseStringList(value: string | undefined, key: string): string[] {
  let list: unknown
  try {
    list = JSON.parse(value ?? '')
  } catch {
    throw new LogisticRegressionModelError('bad-metadata', `Metadata ${key} is not JSON.`)
  }
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string'))
    throw new LogisticRegressionModelError('bad-metadata', `Metadata ${key} is not a list of strings.`)
  return list
}

function f32(tensor: SafetensorsTensor | undefined, shape: number[], name: string): Float32Array {
  if (tensor === undefined) throw new LogisticRegressionModelError('bad-tensors', `Tensor ${name} is missing.`)
  if (tensor.dtype !== 'F32' || tensor.shape.length !== shape.length || tensor.shape.some((dim, i) => dim !== shape[i]))
    throw new LogisticRegressionModelError('bad-tensors', `Tensor ${name} must be F32 ${JSON.stringify(shape)}.`)
  return tensor.data as Float32Array
}
