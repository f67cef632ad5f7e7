import { type SafetensorsDtype, type SafetensorsTensor, isLittleEndianPlatform, isSafetensorsDtype, safetensorsDtypes, shapeElementCount } from './dtypes.ts'
import { SafetensorsFormatError } from './errors.ts'

/** Tensors to encode, by name. */
export type EncodeSafetensorsTensors = Record<string, SafetensorsTensor>

/** String-to-string metadata stored under `__metadata__`. */
export type SafetensorsMetadata = Record<string, string>

/**
 * Encodes tensors as a safetensors file: an 8-byte little-endian header length, a JSON header
 * padded with spaces to a multiple of 8 bytes, then the tensors' bytes back to back.
 *
 * The output is canonical: tensors are laid out by element size (largest first, so every tensor
 * is aligned to its element size) then by name, and header keys come in that order, so equal
 * inputs always give equal bytes.
 *
 * @example
 * const bytes = encodeSafetensors({ bias: { dtype: 'F32', shape: [2], data: new Float32Array([0.5, -1]) } }, { trainer: 'x' })
 */
export function encodeSafetensors(tensors: EncodeSafetensorsTensors, metadata?: SafetensorsMetadata): Uint8Array {
  if (!isLittleEndianPlatform()) throw new SafetensorsFormatError('unsupported-platform', 'Big-endian platforms are not supported.')
  const names = Object.keys(tensors)
  const entries = names.map((name) => {
    const tensor = tensors[name]!
    if (name === '__metadata__') throw new SafetensorsFormatError('reserved-name', 'A tensor may not be named __metadata__.')
    if (!isSafetensorsDtype(tensor.dtype)) throw new SafetensorsFormatError('unknown-dtype', `Tensor ${JSON.stringify(name)} has an unknown dtype.`)
    if (!Array.isArray(tensor.shape)) throw new SafetensorsFormatError('bad-shape', `Tensor ${JSON.stringify(name)} has no shape array.`)
    const count = shapeElementCount(tensor.shape)
    if (count === undefined) throw new SafetensorsFormatError('bad-shape', `Tensor ${JSON.stringify(name)} has an invalid shape.`)
    const spec = safetensorsDtypes[tensor.dtype]
    if (!(tensor.data instanceof spec.array))
      throw new SafetensorsFormatError('data-mismatch', `Tensor ${JSON.stringify(name)} (${tensor.dtype}) needs a ${spec.array.name}.`)
    if (tensor.data.length !== count)
      throw new SafetensorsFormatError('data-mismatch', `Tensor ${JSON.stringify(name)} has ${tensor.data.length} elements; its shape needs ${count}.`)
    return { name, dtype: tensor.dtype as SafetensorsDtype, shape: [...tensor.shape], data: tensor.data, bytes: count * spec.bytes }
  })
  entries.sort((a, b) => safetensorsDtypes[b.dtype].bytes - safetensorsDtypes[a.dtype].bytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

  const header: Record<string, unknown> = {}
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata))
      if (typeof value !== 'string') throw new SafetensorsFormatError('bad-metadata', `Metadata ${JSON.stringify(key)} is not a string.`)
    header.__metadata__ = { ...metadata }
  }
  let offset = 0
  for (const entry of entries) {
    header[entry.name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + entry.bytes] }
    offset += entry.bytes
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const headerLength = Math.ceil(json.length / 8) * 8

  const out = new Uint8Array(8 + headerLength + offset)
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true)
  out.set(json, 8)
  out.fill(0x20, 8 + json.length, 8 + headerLength)
  let position = 8 + headerLength
  for (const entry of entries) {
    out.set(new Uint8Array(entry.data.buffer, entry.data.byteOffset, entry.bytes), position)
    position += entry.bytes
  }
  return out
}
