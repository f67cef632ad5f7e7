// Shared reading of the built-in trainers' model files and of prediction rows (internal).
import { decodeSafetensors } from '../safetensors/decodeSafetensors.ts'
import type { SafetensorsTensor } from '../safetensors/dtypes.ts'
import type { TrainerModelReason } from './errors.ts'

/** What a differentially private run did, as its model file records it. */
export type ModelPrivacy = { noiseMultiplier: number; maxGradNorm: number; sampleRate: number; steps: number; delta: number }

/** Rows to predict: each an object keyed by feature name or an array in the model's feature order. */
export type ModelRows = readonly (Readonly<Record<string, number>> | readonly number[])[]

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

/** What scaling a row needs from a model. */
export type ScaledInputModel = { features: string[]; featureMean: Float32Array; featureStd: Float32Array; scaling: ModelScaling }

/**
 * Writes row `index` of `rows`, scaled as the model was trained, into `out`: (x − mean) / std,
 * clipped to [-1, 1] for a bounds-scaled (DP) model, as its training rows were.
 */
export function scaleRow(model: ScaledInputModel, row: ModelRows[number], index: number, out: Float64Array, fail: ModelFail): void {
  const d = model.features.length
  if (Array.isArray(row) && row.length !== d) throw fail('bad-input', `Row ${index} has ${row.length} values; the model has ${d} features.`)
  const clip = model.scaling === 'bounds'
  for (let j = 0; j < d; j++) {
    const value = Array.isArray(row) ? (row as readonly number[])[j] : (row as Readonly<Record<string, number>>)[model.features[j]!]
    if (typeof value !== 'number' || !Number.isFinite(value)) throw fail('bad-input', `Row ${index} has no finite value for feature ${JSON.stringify(model.features[j])}.`)
    const scaled = (value - model.featureMean[j]!) / model.featureStd[j]!
    out[j] = clip ? Math.min(1, Math.max(-1, scaled)) : scaled
  }
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
