import { describe, expect, test } from 'vitest'
import { decodeSafetensors } from './decodeSafetensors.ts'
import { encodeSafetensors } from './encodeSafetensors.ts'

/** Builds a safetensors buffer from a raw header object and data bytes, as another writer might. */
function raw(header: unknown, data: Uint8Array = new Uint8Array(), { pad = true, headerText }: { pad?: boolean; headerText?: string } = {}) {
  let json = new TextEncoder().encode(headerText ?? JSON.stringify(header))
  if (pad && json.length % 8 !== 0) {
    const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20)
    padded.set(json)
    json = padded
  }
  const out = new Uint8Array(8 + json.length + data.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true)
  out.set(json, 8)
  out.set(data, 8 + json.length)
  return out
}

function reason(fn: () => unknown) {
  try {
    fn()
  } catch (error) {
    const e = error as { name: string; code: string; reason: string }
    return `${e.name}/${e.code}/${e.reason}`
  }
  throw new Error('did not throw')
}

describe('encodeSafetensors', () => {
  test('default: layout matches the format (LE length, JSON header, space padding, data)', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) } })
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true))
    expect(length % 8).toBe(0)
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + length))
    expect(header.trimEnd()).toBe('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}')
    expect(header.slice(header.trimEnd().length)).toMatch(/^ *$/)
    expect([...new Float32Array(bytes.slice(8 + length).buffer)]).toEqual([1, -2])
  })

  test('behavior: round-trips every dtype, scalars and empty tensors, with metadata', () => {
    const tensors = {
      f64: { dtype: 'F64', shape: [3], data: new Float64Array([1.5, -0, Number.MAX_VALUE]) },
      f32: { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
      bf16: { dtype: 'BF16', shape: [1], data: new Uint16Array([0x3f80]) },
      i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-1n, 2n ** 62n]) },
      u64: { dtype: 'U64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
      i32: { dtype: 'I32', shape: [], data: new Int32Array([-7]) },
      i16: { dtype: 'I16', shape: [1], data: new Int16Array([-3]) },
      i8: { dtype: 'I8', shape: [3], data: new Int8Array([-1, 0, 1]) },
      u8: { dtype: 'U8', shape: [0, 5], data: new Uint8Array(0) },
      bool: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    } as const
    const bytes = encodeSafetensors(tensors, { trainer: 'x', note: 'ünïcode' })
    const decoded = decodeSafetensors(bytes)
    expect(decoded.metadata).toEqual({ trainer: 'x', note: 'ünïcode' })
    expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(tensors).sort())
    for (const [name, tensor] of Object.entries(tensors)) {
      const got = decoded.tensors[name]!
      expect(got.dtype).toBe(tensor.dtype)
      expect(got.shape).toEqual(tensor.shape)
      expect(got.data.constructor).toBe(tensor.data.constructor)
      expect([...got.data]).toEqual([...tensor.data])
    }
    // Larger elements first keeps each tensor aligned to its element size.
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))))
    for (const [name, entry] of Object.entries<{ data_offsets: [number, number]; dtype: string }>(header)) {
      if (name === '__metadata__') continue
      const size = { F64: 8, I64: 8, U64: 8, F32: 4, I32: 4 }[entry.dtype as 'F64'] ?? 1
      expect(entry.data_offsets[0] % size).toBe(0)
    }
  })

  test('behavior: output is canonical (key order of the input does not matter)', () => {
    const a = { dtype: 'F32', shape: [1], data: new Float32Array([1]) } as const
    const b = { dtype: 'F32', shape: [1], data: new Float32Array([2]) } as const
    expect(encodeSafetensors({ a, b })).toEqual(encodeSafetensors({ b, a }))
  })

  test('behavior: encodes a view into a larger buffer correctly', () => {
    const backing = new Float32Array([9, 1, 2, 9])
    const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [2], data: backing.subarray(1, 3) } })
    expect([...decodeSafetensors(bytes).tensors.x!.data]).toEqual([1, 2])
  })

  test('error: data length does not match the shape', () => {
    expect(reason(() => encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }))).toBe(
      'SafetensorsFormatError/SAFETENSORS_FORMAT/data-mismatch',
    )
  })

  test('error: typed array does not match the dtype', () => {
    expect(reason(() => encodeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float64Array(2) as never } }))).toBe(
      'SafetensorsFormatError/SAFETENSORS_FORMAT/data-mismatch',
    )
  })

  test('error: unknown dtype, bad shape, reserved name, non-string metadata', () => {
    expect(reason(() => encodeSafetensors({ x: { dtype: 'F128' as never, shape: [1], data: new Float32Array(1) } }))).toMatch(/unknown-dtype$/)
    expect(reason(() => encodeSafetensors({ x: { dtype: 'F32', shape: [-1], data: new Float32Array(1) } }))).toMatch(/bad-shape$/)
    expect(reason(() => encodeSafetensors({ x: { dtype: 'F32', shape: [1.5], data: new Float32Array(1) } }))).toMatch(/bad-shape$/)
    expect(reason(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }))).toMatch(/reserved-name$/)
    expect(reason(() => encodeSafetensors({}, { a: 1 as never }))).toMatch(/bad-metadata$/)
  })
})

describe('decodeSafetensors', () => {
  const f32 = (...values: number[]) => new Uint8Array(new Float32Array(values).buffer)

  test('default: reads a file written by another encoder (unpadded header, any key order)', () => {
    const bytes = raw(
      { b: { shape: [1], data_offsets: [8, 12], dtype: 'F32' }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } },
      f32(1, 2, 3),
      { pad: false },
    )
    const { tensors, metadata } = decodeSafetensors(bytes)
    expect(metadata).toBeUndefined()
    expect([...tensors.a!.data]).toEqual([1, 2])
    expect([...tensors.b!.data]).toEqual([3])
  })

  test('behavior: decoded data does not alias the input', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } })
    const { tensors } = decodeSafetensors(bytes)
    bytes.fill(0, bytes.length - 4)
    expect(tensors.a!.data[0]).toBe(1)
  })

  test('behavior: works on a Uint8Array view with a non-zero offset', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F64', shape: [1], data: new Float64Array([3.25]) } })
    const backing = new Uint8Array(bytes.length + 3)
    backing.set(bytes, 3)
    expect(decodeSafetensors(backing.subarray(3)).tensors.a!.data[0]).toBe(3.25)
  })

  test('behavior: works on a Node Buffer from the shared pool (slice would alias the pool)', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1.5, -2]) } })
    const pooled = Buffer.from(bytes)
    expect(pooled.byteOffset).toBeGreaterThan(0)
    expect([...decodeSafetensors(pooled).tensors.a!.data]).toEqual([1.5, -2])
  })

  test('args: maxHeaderBytes bounds the header', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } })
    expect(reason(() => decodeSafetensors(bytes, { maxHeaderBytes: 16 }))).toMatch(/header-too-large$/)
  })

  const cases: [string, () => Uint8Array, string][] = [
    ['too short', () => new Uint8Array(7), 'too-short'],
    ['huge declared header length', () => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true); return b }, 'header-too-large'],
    ['header longer than the buffer', () => { const b = raw({}); new DataView(b.buffer).setBigUint64(0, 1000n, true); return b }, 'header-out-of-bounds'],
    ['header not starting with {', () => raw(null, undefined, { headerText: ' {}' }), 'header-not-json'],
    ['invalid JSON', () => raw(null, undefined, { headerText: '{"a":' }), 'header-not-json'],
    ['empty header', () => raw(null, undefined, { headerText: '' }), 'header-not-json'],
    ['invalid UTF-8', () => { const b = raw(null, undefined, { headerText: '{"a":"xx"}' }); b[14] = 0xff; return b }, 'header-not-utf8'],
    ['metadata not an object', () => raw({ __metadata__: ['x'] }), 'bad-metadata'],
    ['metadata value not a string', () => raw({ __metadata__: { a: 1 } }), 'bad-metadata'],
    ['entry not an object', () => raw({ a: 5 }), 'bad-tensor-entry'],
    ['entry with an extra key', () => raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], extra: 'x' } }, f32(1)), 'bad-tensor-entry'],
    ['entry missing a key', () => raw({ a: { dtype: 'F32', shape: [1] } }, f32(1)), 'bad-tensor-entry'],
    ['unknown dtype', () => raw({ a: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, f32(1)), 'unknown-dtype'],
    ['negative dim', () => raw({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), 'bad-shape'],
    ['fractional dim', () => raw({ a: { dtype: 'F32', shape: [0.5], data_offsets: [0, 4] } }, f32(1)), 'bad-shape'],
    ['string dim', () => raw({ a: { dtype: 'F32', shape: ['1'], data_offsets: [0, 4] } }, f32(1)), 'bad-shape'],
    ['overflowing shape', () => raw({ a: { dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 4] } }, f32(1)), 'bad-shape'],
    ['offsets reversed', () => raw({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32(1)), 'bad-offsets'],
    ['offsets past the end', () => raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)), 'bad-offsets'],
    ['offsets not integers', () => raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4.0001] } }, f32(1, 2)), 'bad-offsets'],
    ['three offsets', () => raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] } }, f32(1)), 'bad-offsets'],
    ['size does not match the shape', () => raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 8] } }, f32(1, 2)), 'size-mismatch'],
    ['gap between tensors', () => raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(1, 2, 3)), 'offsets-not-contiguous'],
    ['overlapping tensors', () => raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(1, 2)), 'offsets-not-contiguous'],
    ['first tensor not at 0', () => raw({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(1, 2)), 'offsets-not-contiguous'],
    ['trailing bytes after the last tensor', () => raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(1, 2)), 'trailing-bytes'],
    ['data but no tensors', () => raw({}, f32(1)), 'trailing-bytes'],
  ]
  for (const [name, make, expected] of cases) {
    test(`error: ${name}`, () => {
      expect(reason(() => decodeSafetensors(make()))).toBe(`SafetensorsFormatError/SAFETENSORS_FORMAT/${expected}`)
    })
  }

  test('error: messages do not contain tensor data', () => {
    const secret = 'SECRET-VALUE'
    const bytes = raw({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 12] } }, new TextEncoder().encode(secret))
    try {
      decodeSafetensors(bytes)
      expect.unreachable()
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(secret)
    }
  })
})
