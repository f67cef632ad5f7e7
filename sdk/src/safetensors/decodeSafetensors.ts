import { type SafetensorsDtype, type SafetensorsTensor, isLittleEndianPlatform, isSafetensorsDtype, safetensorsDtypes, shapeElementCount } from './dtypes.ts'
import type { SafetensorsMetadata } from './encodeSafetensors.ts'
import { SafetensorsFormatError } from './errors.ts'

/** Options of {@link decodeSafetensors}. */
export type DecodeSafetensorsOptions = {
  /** Largest JSON header accepted, in bytes. Default 100 MB, the reference implementation's bound. */
  maxHeaderBytes?: number | undefined
}

/** What {@link decodeSafetensors} returns: tensors by name (each with its own copy of the data) and metadata. */
export type DecodeSafetensorsReturnType = {
  tensors: Record<string, SafetensorsTensor>
  metadata: SafetensorsMetadata | undefined
}

/** The error {@link decodeSafetensors} throws. */
export type DecodeSafetensorsErrorType = SafetensorsFormatError

const defaultMaxHeaderBytes = 100_000_000

/**
 * Decodes a safetensors file strictly: the header length must fit the buffer and the bound, the
 * header must be a JSON object starting with `{` (trailing spaces allowed), every tensor entry must
 * have exactly `dtype`, `shape` and `data_offsets`, each tensor's byte length must equal its
 * element count times its element size, and the tensors must cover the data section exactly:
 * sorted by offset they start at 0, follow each other with no gap or overlap, and end at the
 * buffer's end. Anything else throws {@link SafetensorsFormatError}.
 *
 * @example
 * const { tensors, metadata } = decodeSafetensors(bytes)
 * const weights = tensors.weights // { dtype: 'F32', shape: [1, 4], data: Float32Array }
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeSafetensorsOptions = {}): DecodeSafetensorsReturnType {
  if (!isLittleEndianPlatform()) throw new SafetensorsFormatError('unsupported-platform', 'Big-endian platforms are not supported.')
  const maxHeaderBytes = options.maxHeaderBytes ?? defaultMaxHeaderBytes
  if (bytes.length < 8) throw new SafetensorsFormatError('too-short', `The buffer has ${bytes.length} bytes; the header length alone needs 8.`)
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)
  if (declared > BigInt(maxHeaderBytes)) throw new SafetensorsFormatError('header-too-large', `The header declares ${declared} bytes; at most ${maxHeaderBytes} are accepted.`)
  const headerLength = Number(declared)
  if (8 + headerLength > bytes.length)
    throw new SafetensorsFormatError('header-out-of-bounds', `The header declares ${headerLength} bytes but only ${bytes.length - 8} follow.`)
  if (headerLength < 2 || bytes[8] !== 0x7b) throw new SafetensorsFormatError('header-not-json', 'The header does not start with "{".')

  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength))
  } catch {
    throw new SafetensorsFormatError('header-not-utf8', 'The header is not valid UTF-8.')
  }
  let header: unknown
  try {
    header = JSON.parse(text)
  } catch {
    throw new SafetensorsFormatError('header-not-json', 'The header is not valid JSON.')
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsFormatError('header-not-object', 'The header is not a JSON object.')

  const dataStart = 8 + headerLength
  const dataLength = bytes.length - dataStart
  let metadata: SafetensorsMetadata | undefined
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = []
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(value)
      continue
    }
    entries.push(parseEntry(name, value, dataLength))
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end)
  let expected = 0
  for (const entry of entries) {
    if (entry.begin !== expected)
      throw new SafetensorsFormatError('offsets-not-contiguous', `Tensor ${JSON.stringify(entry.name)} starts at ${entry.begin}; the previous tensor ends at ${expected}.`)
    expected = entry.end
  }
  if (expected !== dataLength) throw new SafetensorsFormatError('trailing-bytes', `The tensors cover ${expected} of ${dataLength} data bytes.`)

  const tensors: Record<string, SafetensorsTensor> = {}
  for (const entry of entries) {
    const spec = safetensorsDtypes[entry.dtype]
    // Copy: the result must not alias the input, and the copy is aligned for the typed array.
    // (Not `bytes.slice`: on a Node Buffer that is a view into a shared pool, not a copy.)
    const copy = new Uint8Array(entry.end - entry.begin)
    copy.set(bytes.subarray(dataStart + entry.begin, dataStart + entry.end))
    const data = new spec.array(copy.buffer, 0, (entry.end - entry.begin) / spec.bytes)
    tensors[entry.name] = { dtype: entry.dtype, shape: entry.shape, data } as SafetensorsTensor
  }
  return { tensors, metadata }
}

function parseMetadata(value: unknown): SafetensorsMetadata {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SafetensorsFormatError('bad-metadata', '__metadata__ is not an object.')
  const metadata: SafetensorsMetadata = {}
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new SafetensorsFormatError('bad-metadata', `Metadata ${JSON.stringify(key)} is not a string.`)
    metadata[key] = item
  }
  return metadata
}

function parseEntry(name: string, value: unknown, dataLength: number) {
  const where = `Tensor ${JSON.stringify(name)}`
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SafetensorsFormatError('bad-tensor-entry', `${where} is not an object.`)
  const keys = Object.keys(value).sort()
  if (keys.length !== 3 || keys[0] !== 'data_offsets' || keys[1] !== 'dtype' || keys[2] !== 'shape')
    throw new SafetensorsFormatError('bad-tensor-entry', `${where} must have exactly dtype, shape and data_offsets.`)
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>
  if (!isSafetensorsDtype(dtype)) throw new SafetensorsFormatError('unknown-dtype', `${where} has an unknown dtype.`)
  if (!Array.isArray(shape) || !shape.every((dim) => typeof dim === 'number')) throw new SafetensorsFormatError('bad-shape', `${where} has no valid shape.`)
  const count = shapeElementCount(shape)
  if (count === undefined) throw new SafetensorsFormatError('bad-shape', `${where} has an invalid shape.`)
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0))
    throw new SafetensorsFormatError('bad-offsets', `${where} has invalid data_offsets.`)
  const [begin, end] = offsets as [number, number]
  if (begin > end || end > dataLength) throw new SafetensorsFormatError('bad-offsets', `${where} has data_offsets [${begin}, ${end}] outside the ${dataLength}-byte data section.`)
  const size = count * safetensorsDtypes[dtype].bytes
  if (!Number.isSafeInteger(size) || size !== end - begin)
    throw new SafetensorsFormatError('size-mismatch', `${where} (${dtype} ${JSON.stringify(shape)}) needs ${size} bytes; its offsets span ${end - begin}.`)
  return { name, dtype, shape: shape as number[], begin, end }
}
