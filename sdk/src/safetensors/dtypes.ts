/**
 * Element types of the safetensors format and the typed array that holds each.
 * 16-bit and 8-bit float types have no native array everywhere, so their raw bits are kept in
 * unsigned integer arrays.
 */
export const safetensorsDtypes = {
  F64: { bytes: 8, array: Float64Array },
  F32: { bytes: 4, array: Float32Array },
  F16: { bytes: 2, array: Uint16Array },
  BF16: { bytes: 2, array: Uint16Array },
  F8_E4M3: { bytes: 1, array: Uint8Array },
  F8_E5M2: { bytes: 1, array: Uint8Array },
  I64: { bytes: 8, array: BigInt64Array },
  I32: { bytes: 4, array: Int32Array },
  I16: { bytes: 2, array: Int16Array },
  I8: { bytes: 1, array: Int8Array },
  U64: { bytes: 8, array: BigUint64Array },
  U32: { bytes: 4, array: Uint32Array },
  U16: { bytes: 2, array: Uint16Array },
  U8: { bytes: 1, array: Uint8Array },
  BOOL: { bytes: 1, array: Uint8Array },
} as const

/** A safetensors element type, e.g. `F32`. */
export type SafetensorsDtype = keyof typeof safetensorsDtypes

type SafetensorsArrays = {
  F64: Float64Array
  F32: Float32Array
  F16: Uint16Array
  BF16: Uint16Array
  F8_E4M3: Uint8Array
  F8_E5M2: Uint8Array
  I64: BigInt64Array
  I32: Int32Array
  I16: Int16Array
  I8: Int8Array
  U64: BigUint64Array
  U32: Uint32Array
  U16: Uint16Array
  U8: Uint8Array
  BOOL: Uint8Array
}

/** The typed array that holds the elements of `dtype`. */
export type SafetensorsArray<dtype extends SafetensorsDtype = SafetensorsDtype> = SafetensorsArrays[dtype]

/** One tensor: element type, shape (row-major) and its elements. */
export type SafetensorsTensor<dtype extends SafetensorsDtype = SafetensorsDtype> = {
  dtype: dtype
  shape: readonly number[]
  data: SafetensorsArray<dtype>
}

/** True when `value` names a safetensors dtype. */
export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(safetensorsDtypes, value)
}

/** Number of elements of `shape` (1 for a scalar `[]`), or undefined when it is not a safe integer. */
export function shapeElementCount(shape: readonly number[]): number | undefined {
  let count = 1
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) return undefined
    count *= dim
    if (!Number.isSafeInteger(count)) return undefined
  }
  return count
}

// Safetensors data is little-endian; typed arrays use the platform's order. Every platform
// Node and browsers ship on is little-endian; refuse rather than silently swap bytes elsewhere.
export function isLittleEndianPlatform(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
}
