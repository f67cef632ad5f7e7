import { TorchMlpModelError } from './errors.ts'
import type { MlpClassifierLayer } from './loadMlpClassifier.ts'
import { type ModelFail, type ModelPrivacy, type ModelScaling, f32Tensor, readModelFile, readScaling, classList, readCategories, scalingTensors, stringList } from './model-file.ts'
import { torchMlpTrainerId, torchMlpTrainerVersion } from './torch-mlp-plan.ts'

type TorchMlpModelBase = {
  trainer: 'torch-mlp'
  version: string
  /** The label column's name. */
  label: string
  features: string[]
  /** Category columns one-hot encoded (feature `column=value` per published value); absent when none. */
  categories?: Record<string, string[]> | undefined
  /** Widths of the hidden ReLU layers. */
  hidden: number[]
  /** Hidden layers, then the output layer. */
  layers: MlpClassifierLayer[]
  featureMean: Float32Array
  featureStd: Float32Array
  /** `bounds` for a DP model: scaled inputs are clipped to [-1, 1], as in training. */
  scaling: ModelScaling
  privacy?: ModelPrivacy | undefined
}

/** A torch-mlp classifier: the output layer has one logit per class (softmax). */
export type TorchMlpClassifierModel = TorchMlpModelBase & { task: 'classification'; /** In a stable order, with the label's type: numbers for a label whose values are numbers. */
  classes: (string | number)[] }

/** A torch-mlp regressor: one output, in the scaled target's units; `target_mean + output · target_std` is the prediction. */
export type TorchMlpRegressionModel = TorchMlpModelBase & { task: 'regression'; targetMean: number; targetStd: number }

/** A model written by the `torch-mlp` trainer, told apart by `task`. */
export type TorchMlpModel = TorchMlpClassifierModel | TorchMlpRegressionModel

const fail: ModelFail = (reason, details, cause) => new TorchMlpModelError(reason, details, { cause })

/**
 * Reads a `model.safetensors` written by the `torch-mlp` trainer: checks its metadata (trainer,
 * version, task, label, features, classes, hidden widths, activation, scaling) and every tensor's
 * dtype and shape.
 *
 * @example
 * const model = loadTorchMlp(await readFile('model.safetensors'))
 * predictTorchMlp(model, [{ f1: 0.2, f2: -0.7 }])[0]
 */
export function loadTorchMlp(bytes: Uint8Array): TorchMlpModel {
  const { tensors, metadata, version } = readModelFile(bytes, { trainer: torchMlpTrainerId, version: torchMlpTrainerVersion, fail })
  const task = metadata.task
  if (task !== 'classification' && task !== 'regression') throw fail('bad-metadata', 'Unknown task.')
  const label = metadata.label
  if (label === undefined || label.length === 0) throw fail('bad-metadata', 'No label.')
  const features = stringList(metadata, 'features', fail)
  if (features.length === 0) throw fail('bad-metadata', 'No features.')
  const classes = task === 'classification' ? classList(metadata, fail) : undefined
  if (classes !== undefined && classes.length < 2) throw fail('bad-metadata', 'Fewer than two classes.')
  if (classes === undefined && metadata.classes !== undefined) throw fail('bad-metadata', 'A regression model has no classes.')
  if (metadata.activation !== 'relu') throw fail('bad-metadata', 'Unknown activation.')
  let hidden: unknown
  try {
    hidden = JSON.parse(metadata.hidden ?? '')
  } catch {
    throw fail('bad-metadata', 'Metadata hidden is not JSON.')
  }
  if (!Array.isArray(hidden) || hidden.length < 1 || hidden.length > 4 || !hidden.every((h) => Number.isInteger(h) && h >= 1 && h <= 1024))
    throw fail('bad-metadata', 'Metadata hidden must list one to four layer widths.')
  const { scaling, privacy } = readScaling(metadata, fail)
  const categories = readCategories(metadata, features, fail)

  const widths = [features.length, ...(hidden as number[]), classes?.length ?? 1]
  const layers = widths.slice(1).map((outputs, i) => {
    const inputs = widths[i]!
    return { inputs, outputs, weight: f32Tensor(tensors, `layer${i}.weight`, [outputs, inputs], fail), bias: f32Tensor(tensors, `layer${i}.bias`, [outputs], fail) }
  })
  const { featureMean, featureStd } = scalingTensors(tensors, features.length, fail)
  const base = { trainer: 'torch-mlp' as const, version, label, features, hidden: hidden as number[], layers, featureMean, featureStd, scaling, privacy, ...(categories === undefined ? {} : { categories }) }
  if (classes !== undefined) {
    if (Object.keys(tensors).length !== 2 * layers.length + 2) throw fail('bad-tensors', 'The file holds tensors the network does not use.')
    return { ...base, task: 'classification', classes }
  }
  const targetMean = f32Tensor(tensors, 'target_mean', [1], fail)[0]!
  const targetStd = f32Tensor(tensors, 'target_std', [1], fail)[0]!
  if (!(targetStd > 0) || !Number.isFinite(targetMean)) throw fail('bad-tensors', 'Tensor target_std must be positive and target_mean finite.')
  if (Object.keys(tensors).length !== 2 * layers.length + 4) throw fail('bad-tensors', 'The file holds tensors the network does not use.')
  return { ...base, task: 'regression', targetMean, targetStd }
}
