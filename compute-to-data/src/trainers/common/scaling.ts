import type { FeatureScaling } from '@datavault/sdk'

/** Per-column center and divisor; `clip` keeps scaled values in [-1, 1] (bounds scaling). */
export type Scaler = { center: Float64Array; scale: Float64Array; clip: boolean }

/**
 * The scaler of `columns` columns of `values` (row-major). `standardize`: population mean and
 * standard deviation of the rows (a constant column gets divisor 1). `bounds`: center (min+max)/2
 * and divisor (max−min)/2 from the declared bounds, reading nothing from `values`.
 */
export function fitScaler(scaling: FeatureScaling, values: Float64Array, rows: number, columns: number): Scaler {
  const center = new Float64Array(columns)
  const scale = new Float64Array(columns)
  if (scaling.kind === 'bounds') {
    for (let j = 0; j < columns; j++) {
      center[j] = (scaling.min[j]! + scaling.max[j]!) / 2
      scale[j] = (scaling.max[j]! - scaling.min[j]!) / 2
    }
    return { center, scale, clip: true }
  }
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) center[j]! += values[i * columns + j]!
  for (let j = 0; j < columns; j++) center[j]! /= rows
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < columns; j++) {
      const centered = values[i * columns + j]! - center[j]!
      scale[j]! += centered * centered
    }
  for (let j = 0; j < columns; j++) {
    const std = Math.sqrt(scale[j]! / rows)
    scale[j] = std > 1e-12 ? std : 1
  }
  return { center, scale, clip: false }
}

/** `values` scaled by `scaler` into a new array; clipped to [-1, 1] when the scaler clips. */
export function applyScaler(scaler: Scaler, values: Float64Array, rows: number, columns: number): Float64Array {
  const scaled = new Float64Array(rows * columns)
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < columns; j++) {
      const value = (values[i * columns + j]! - scaler.center[j]!) / scaler.scale[j]!
      scaled[i * columns + j] = scaler.clip ? Math.min(1, Math.max(-1, value)) : value
    }
  return scaled
}
