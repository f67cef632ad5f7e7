import { decodeSafetensors } from '../safetensors/decodeSafetensors.ts'
import type { SafetensorsTensor } from '../safetensors/dtypes.ts'

/** A weights file read generically: every tensor by name, and the file's metadata. */
export type Weights = {
  /** Named tensors, each `{ dtype, shape, data }` with `data` a typed array (Float32Array for F32). */
  tensors: Record<string, SafetensorsTensor>
  /** The safetensors `__metadata__` (string to string); empty when the file has none. */
  metadata: Record<string, string>
  /** The trainer that wrote the file (`metadata.trainer`), when it says: `logistic-regression`, … */
  trainer: string | undefined
  /** That trainer's version (`metadata.version`). */
  version: string | undefined
}

export type LoadWeightsReturnType = Weights
export type LoadWeightsErrorType = import('../safetensors/errors.ts').SafetensorsFormatError

/**
 * Reads a safetensors file (a job's `model.safetensors`, whatever wrote it) into named typed
 * arrays and its metadata. The file is checked strictly (see `decodeSafetensors`). To predict
 * with a built-in trainer's model, use `predict` (or `loadModel`).
 *
 * @example
 * const { tensors, metadata, trainer } = loadWeights(bytes)
 * tensors.weights.shape // [1, 7]
 */
export function loadWeights(bytes: Uint8Array): LoadWeightsReturnType {
  const { tensors, metadata = {} } = decodeSafetensors(bytes)
  return { tensors, metadata, trainer: metadata.trainer, version: metadata.version }
}
