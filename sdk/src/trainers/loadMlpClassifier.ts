import { MlpClassifierModelError } from './errors.ts'
import { mlpClassifierTrainerId, mlpClassifierTrainerVersion } from './mlp-classifier-plan.ts'
import { type ModelFail, type ModelPrivacy, type ModelScaling, f32Tensor, readModelFile, readScaling, classList, readCategories, scalingTensors, stringList } from './model-file.ts'

/** One dense layer of a loaded MLP: `weight` row-major [outputs, inputs], `bias` [outputs]. */
export type MlpClassifierLayer = { inputs: number; outputs: number; weight: Float32Array; bias: Float32Array }

/** An MLP classifier, as read from the trainer's `model.safetensors`. */
export type MlpClassifierModel = {
  trainer: 'mlp-classifier'
  version: string
  /** In a stable order, with the label's type: numbers for a label whose values are numbers. */
  classes: (string | number)[]
  features: string[]
  /** Category columns one-hot encoded (feature `column=value` per published value); absent when none. */
  categories?: Record<string, string[]> | undefined
  /** Widths of the hidden ReLU layers. */
  hidden: number[]
  /** Hidden layers, then the output layer (softmax over `classes`). */
  layers: MlpClassifierLayer[]
  featureMean: Float32Array
  featureStd: Float32Array
  /** `bounds` for a DP model: scaled inputs are clipped to [-1, 1], as in training. */
  scaling: ModelScaling
  privacy?: ModelPrivacy | undefined
}

const fail: ModelFail = (reason, details, cause) => new MlpClassifierModelError(reason, details, { cause })

/**
 * Reads a `model.safetensors` written by the `mlp-classifier` trainer: checks its metadata (trainer,
 * version, classes, features, hidden widths, activation, scaling) and every layer's tensors.
 *
 * @example
 * const model = loadMlpClassifier(await readFile('model.safetensors'))
 * predictMlpClassifier(model, [{ x: 0.2, y: -0.7 }])[0].label
 */
export function loadMlpClassifier(bytes: Uint8Array): MlpClassifierModel {
  const { tensors, metadata, version } = readModelFile(bytes, { trainer: mlpClassifierTrainerId, version: mlpClassifierTrainerVersion, fail })
  const classes = classList(metadata, fail)
  const features = stringList(metadata, 'features', fail)
  if (classes.length < 2) throw fail('bad-metadata', 'Fewer than two classes.')
  if (features.length === 0) throw fail('bad-metadata', 'No features.')
  if (metadata.activation !== 'relu') throw fail('bad-metadata', 'Unknown activation.')
  let hidden: unknown
  try {
    hidden = JSON.parse(metadata.hidden ?? '')
  } catch {
    throw fail('bad-metadata', 'Metadata hidden is not JSON.')
  }
  if (!Array.isArray(hidden) || hidden.length < 1 || hidden.length > 2 || !hidden.every((h) => Number.isInteger(h) && h >= 1 && h <= 1024))
    throw fail('bad-metadata', 'Metadata hidden must list one or two layer widths.')
  const { scaling, privacy } = readScaling(metadata, fail)
  const categories = readCategories(metadata, features, fail)

  const widths = [features.length, ...(hidden as number[]), classes.length]
  const layers = widths.slice(1).map((outputs, i) => {
    const inputs = widths[i]!
    return { inputs, outputs, weight: f32Tensor(tensors, `layer${i}.weight`, [outputs, inputs], fail), bias: f32Tensor(tensors, `layer${i}.bias`, [outputs], fail) }
  })
  const { featureMean, featureStd } = scalingTensors(tensors, features.length, fail)
  if (Object.keys(tensors).length !== 2 * layers.length + 2) throw fail('bad-tensors', 'The file holds tensors the network does not use.')
  return { trainer: 'mlp-classifier', version, classes, features, hidden: hidden as number[], layers, featureMean, featureStd, scaling, privacy, ...(categories === undefined ? {} : { categories }) }
}
