// Shared reading of the built-in trainers' model files and of prediction rows (internal).
import { decodeSafetensors } from '../safetensors/decodeSafetensors.ts'
import type { SafetensorsTensor } from '../safetensors/dtypes.ts'
import type { TrainerModelReason } from './errors.ts'

/** What a differentially private run did, as its model file records it. */
export type ModelPrivacy = { noiseMultiplier: number; maxGradNorm: number; sampleRate: number; steps: number; delta: number }

/** Rows to predict: each an object keyed by feature (or one-hot category column) name, or an array in the model's feature order. */
export type ModelRows = readonly (Readonly<Record<string, number | string>> | readonly number[])[]

/** How a model scales its inputs: by the training data's statistics, or by declared bounds with clipping (DP models). */
export type ModelScaling = 'standardize' | 'bounds'

/** Builds the trainer's own error. */
export type ModelFail = (reason: TrainerModelReason, details: string, cause?: unknown) => Error

/** Decodes a model file and checks it was written by `trainer` at a version with the same major. */
export function readModelFile(
  bytes: Uint8Array,
  { trainer, version, fail }: { trainer: string; version: string; fail: ModelFail },
): { tensors: Record<string, SafetensorsTensor>; metadata: Record<string, string>; version: string } {
  let decoded: ReturnType<typeof decodeSafetensors>
  try {
    decoded = decodeSafetensors(bytes)
  } catch (cause) {
    throw fail('bad-file', 'Not a valid safetensors file.', cause)
  }
  const metadata = decoded.metadata ?? {}
  if (metadata.trainer !== trainer) throw fail('bad-metadata', `Not written by the ${trainer} trainer.`)
  const found = metadata.version ?? ''
  if (found.split('.')[0] !== version.split('.')[0]) throw fail('bad-metadata', `Trainer version ${JSON.stringify(found)} is not supported.`)
  return { tensors: decoded.tensors, metadata, version: found }
}

/** A metadata value holding a JSON list of strings. */
export function stringList(metadata: Record<string, string>, key: string, fail: ModelFail): string[] {
  let list: unknown
  try {
    list = JSON.parse(metadata[key] ?? '')
  } catch {
    throw fail('bad-metadata', `Metadata ${key} is not JSON.`)
  }
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) throw fail('bad-metadata', `Metadata ${key} is not a list of strings.`)
  return list
}

/**
 * The metadata `classes`: a JSON list of strings (category values) or of numbers (a label whose
 * values are numbers), never a mix; numbers come back as numbers.
 */
export function classList(metadata: Record<string, string>, fail: ModelFail): (string | number)[] {
  let list: unknown
  try {
    list = JSON.parse(metadata.classes ?? '')
  } catch {
    throw fail('bad-metadata', 'Metadata classes is not JSON.')
  }
  if (!Array.isArray(list) || !(list.every((item) => typeof item === 'string') || list.every((item) => typeof item === 'number' && Number.isFinite(item))))
    throw fail('bad-metadata', 'Metadata classes is not a list of strings or of numbers.')
  return list
}

/** The model's scaling and, for a DP model, what the run did. `scaling` and `privacy` come together or not at all. */
export function readScaling(metadata: Record<string, string>, fail: ModelFail): { scaling: ModelScaling; privacy: ModelPrivacy | undefined } {
  if (metadata.scaling === undefined && metadata.privacy === undefined) return { scaling: 'standardize', privacy: undefined }
  if (metadata.scaling !== 'bounds' || metadata.privacy === undefined) throw fail('bad-metadata', 'Metadata scaling and privacy do not fit together.')
  let privacy: unknown
  try {
    privacy = JSON.parse(metadata.privacy)
  } catch {
    throw fail('bad-metadata', 'Metadata privacy is not JSON.')
  }
  const keys = ['noiseMultiplier', 'maxGradNorm', 'sampleRate', 'steps', 'delta'] as const
  if (privacy === null || typeof privacy !== 'object' || !keys.every((key) => typeof (privacy as Record<string, unknown>)[key] === 'number'))
    throw fail('bad-metadata', 'Metadata privacy lacks a field.')
  const record = privacy as Record<string, number>
  return { scaling: 'bounds', privacy: Object.fromEntries(keys.map((key) => [key, record[key]!])) as ModelPrivacy }
}

/** A tensor that must be F32 with exactly `shape`. */
export function f32Tensor(tensors: Record<string, SafetensorsTensor>, name: string, shape: number[], fail: ModelFail): Float32Array {
  const tensor = tensors[name]
  if (tensor === undefined) throw fail('bad-tensors', `Tensor ${name} is missing.`)
  if (tensor.dtype !== 'F32' || tensor.shape.length !== shape.length || tensor.shape.some((dim, i) => dim !== shape[i]))
    throw fail('bad-tensors', `Tensor ${name} must be F32 ${JSON.stringify(shape)}.`)
  return tensor.data as Float32Array
}

/** The scaling tensors `feature_mean` / `feature_std` [D]; the divisor must be positive. */
export function scalingTensors(tensors: Record<string, SafetensorsTensor>, d: number, fail: ModelFail): { featureMean: Float32Array; featureStd: Float32Array } {
  const featureMean = f32Tensor(tensors, 'feature_mean', [d], fail)
  const featureStd = f32Tensor(tensors, 'feature_std', [d], fail)
  if (!featureStd.every((s) => s > 0)) throw fail('bad-tensors', 'Tensor feature_std must be positive.')
  return { featureMean, featureStd }
}

/**
 * The metadata `categories` of a model with one-hot features: each category column's published
 * values, each of which must be a feature `column=value`; `undefined` when the file has none.
 */
export function readCategories(metadata: Record<string, string>, features: readonly string[], fail: ModelFail): Record<string, string[]> | undefined {
  if (metadata.categories === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(metadata.categories)
  } catch {
    throw fail('bad-metadata', 'Metadata categories is not JSON.')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw fail('bad-metadata', 'Metadata categories is not an object.')
  const names = new Set(features)
  const categories: Record<string, string[]> = {}
  for (const [column, values] of Object.entries(parsed as Record<string, unknown>)) {
    if (!Array.isArray(values) || values.length === 0 || !values.every((value) => typeof value === 'string' && names.has(`${column}=${value}`)))
      throw fail('bad-metadata', `Metadata categories of ${JSON.stringify(column)} do not match the features.`)
    categories[column] = values as string[]
  }
  return categories
}

/** What scaling a row needs from a model. */
export type ScaledInputModel = {
  features: string[]
  featureMean: Float32Array
  featureStd: Float32Array
  scaling: ModelScaling
  /** Category columns the model one-hot encodes (feature `column=value` per value). */
  categories?: Record<string, string[]> | undefined
}

/** Writes row `index` of the rows, encoded and scaled as the model was trained, into `out`. */
export type RowEncoder = (row: ModelRows[number], index: number, out: Float64Array) => void

/**
 * The encoder of a model's input rows. An array row holds the model's features in order (one-hot
 * features as 0/1 numbers). An object row is keyed by column name: a number for a number feature;
 * for a one-hot encoded category column, its value (`{ sex: 'f' }`, or a number matching a value
 * such as `'2'`), or the 0/1 features themselves (`{ 'sex=f': 1, 'sex=m': 0 }`). A value that is not
 * one of the column's published values is refused (`bad-input`): the model never saw it, and
 * all-zeros would silently read as "blank". Each feature is then scaled as in training:
 * (x − mean) / std, clipped to [-1, 1] for a bounds-scaled (DP) model.
 */
export function rowEncoder(model: ScaledInputModel, fail: ModelFail): RowEncoder {
  const d = model.features.length
  const clip = model.scaling === 'bounds'
  // Feature j of a one-hot column: its column and value.
  const oneHot: ({ column: string; value: string } | undefined)[] = Array.from({ length: d })
  const position = new Map(model.features.map((name, j) => [name, j]))
  for (const [column, values] of Object.entries(model.categories ?? {}))
    for (const value of values) oneHot[position.get(`${column}=${value}`)!] = { column, value }
  return (row, index, out) => {
    if (Array.isArray(row) && row.length !== d) throw fail('bad-input', `Row ${index} has ${row.length} values; the model has ${d} features.`)
    for (let j = 0; j < d; j++) {
      let value: unknown
      if (Array.isArray(row)) value = row[j]
      else {
        const record = row as Readonly<Record<string, number | string>>
        const encoded = oneHot[j]
        if (encoded !== undefined && record[model.features[j]!] === undefined && record[encoded.column] !== undefined)
          value = categoryMatches(model.categories![encoded.column]!, record[encoded.column]!, encoded.column, index, fail) === encoded.value ? 1 : 0
        else value = record[model.features[j]!]
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) throw fail('bad-input', `Row ${index} has no finite value for feature ${JSON.stringify(model.features[j])}.`)
      const scaled = (value - model.featureMean[j]!) / model.featureStd[j]!
      out[j] = clip ? Math.min(1, Math.max(-1, scaled)) : scaled
    }
  }
}

// The published value a row's cell stands for: the same string, or a number equal to a value that reads as that number.
function categoryMatches(values: readonly string[], cell: number | string, column: string, index: number, fail: ModelFail): string {
  if (typeof cell === 'string' && values.includes(cell)) return cell
  if (typeof cell === 'number') {
    const match = values.find((value) => value.trim() !== '' && Number(value) === cell)
    if (match !== undefined) return match
  }
  throw fail('bad-input', `Row ${index}: the value of ${JSON.stringify(column)} is not one of its published values (${values.map((value) => JSON.stringify(value)).join(', ')}).`)
}

/** Softmax of `logits`, shifted by the maximum so it never overflows. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity
  for (let k = 0; k < logits.length; k++) max = Math.max(max, logits[k]!)
  const exps = Array.from(logits, (z) => Math.exp(z - max))
  const sum = exps.reduce((a, b) => a + b, 0)
  return exps.map((e) => e / sum)
}

/** Index of the largest value; the first on ties. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k
  return best
}
