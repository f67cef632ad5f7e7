// A matrix–matrix product in WebAssembly SIMD, assembled here from named instructions (no binary
// blob, no toolchain): the trainer bundle stays one readable file. JavaScript cannot use the CPU's
// vector units; 128-bit WebAssembly SIMD can (4 float32 or 2 float64 lanes), which is what makes a
// dense layer of 256 × 256 run at PyTorch's pace on one core. Only the standard, deterministic
// SIMD instructions are used (no relaxed SIMD, no fused multiply–add): the same inputs give the
// same bits on every machine.

/** Element type of a kernel's matrices: float32 (PyTorch's default, twice the lanes) or float64. */
export type MatrixPrecision = 'f32' | 'f64'

/**
 * `C += A · Q` over matrices in the kernel's memory (offsets and strides in elements):
 * `C[i, j] += Σₖ A[i·rowStrideA + k·colStrideA] · Q[k·rowStrideQ + j]` for i < m, j < n, k < depth.
 * A is read through two strides, so `A` or `Aᵀ` serve alike; Q's and C's rows are contiguous.
 * Requires `m` a multiple of {@link matrixRowBlock} and `n` a multiple of {@link matrixColumnBlock}.
 */
export type MatrixProduct = (
  c: number,
  rowStrideC: number,
  a: number,
  rowStrideA: number,
  colStrideA: number,
  q: number,
  rowStrideQ: number,
  m: number,
  n: number,
  depth: number,
) => void

/** Rows of C one kernel step computes. */
export const matrixRowBlock = 4
/** Columns of C one kernel step computes (two 128-bit vectors of float32; four vectors' worth of float64 in two steps). */
export const matrixColumnBlock = 8

/** A kernel bound to its own memory: typed views on it, and the product. */
export type MatrixKernel = {
  precision: MatrixPrecision
  /** The memory as elements; read and write matrices here (re-read after {@link MatrixKernel.reserve}). */
  elements: Float32Array | Float64Array
  /** Makes the memory hold at least `count` elements; the views are replaced when it grows. */
  reserve(count: number): void
  product: MatrixProduct
  /** `x ← max(x, 0)` over `count` elements from `at` (a multiple of 8); NaN stays NaN. */
  relu(at: number, count: number): void
  /** `error ← 0` where `activation ≤ 0`, over `count` elements (a multiple of 8): the ReLU's derivative. */
  reluMask(error: number, activation: number, count: number): void
  /**
   * One Adam step (β₁ 0.9, β₂ 0.999, ε 1e-8) over `count` float64 elements (even), two at a time,
   * with exactly the arithmetic of the JavaScript loop it replaces: g = gradient·inverse + decayL2·p;
   * m = 0.9m + 0.1g; v = 0.999v + (0.001g)g; p −= stepSize·m / (√v + 1e-8). Offsets in float64 elements.
   */
  adamStep(params: number, gradient: number, m: number, v: number, decayL2: number, count: number, inverse: number, stepSize: number): void
}

/**
 * Builds a matrix kernel of `precision` with its own WebAssembly memory (instantiated
 * synchronously: the module is a few hundred bytes).
 *
 * @example
 * const kernel = matrixKernel('f32')
 * kernel.reserve(3 * 64)
 * // C (rows 0–7 of width 8, at 128) += A (8 × 8, at 0) · Q (8 × 8, at 64)
 * kernel.product(128, 8, 0, 8, 1, 64, 8, 8, 8, 8)
 */
export function matrixKernel(precision: MatrixPrecision): MatrixKernel {
  const memory = new WebAssembly.Memory({ initial: 1 })
  const instance = new WebAssembly.Instance(new WebAssembly.Module(assembleProduct(precision)), { env: { memory } })
  const exported = instance.exports.product as (...args: number[]) => void
  const relu = instance.exports.relu as (at: number, bytes: number) => void
  const reluMask = instance.exports.reluMask as (error: number, activation: number, bytes: number) => void
  const adamStep = instance.exports.adamStep as (...args: number[]) => void
  const bytes = precision === 'f32' ? 4 : 8
  const view = () => (precision === 'f32' ? new Float32Array(memory.buffer) : new Float64Array(memory.buffer))
  const kernel: MatrixKernel = {
    precision,
    elements: view(),
    reserve(count) {
      const needed = Math.ceil((count * bytes) / 65536) - memory.buffer.byteLength / 65536
      if (needed <= 0) return
      memory.grow(needed)
      kernel.elements = view()
    },
    product(c, rowStrideC, a, rowStrideA, colStrideA, q, rowStrideQ, m, n, depth) {
      if (m % matrixRowBlock !== 0 || n % matrixColumnBlock !== 0) throw new RangeError(`matrix product: m ${m} and n ${n} must be multiples of ${matrixRowBlock} and ${matrixColumnBlock}`)
      if (m === 0 || n === 0) return
      const end = Math.max(c + (m - 1) * rowStrideC + n, a + (m - 1) * rowStrideA + Math.max(0, depth - 1) * colStrideA + 1, q + Math.max(0, depth - 1) * rowStrideQ + n)
      if (end > kernel.elements.length) throw new RangeError('matrix product: operands outside the kernel memory')
      exported(c * bytes, rowStrideC * bytes, a * bytes, rowStrideA * bytes, colStrideA * bytes, q * bytes, rowStrideQ * bytes, m, n, depth)
    },
    relu(at, count) {
      if (count % matrixColumnBlock !== 0 || at + count > kernel.elements.length) throw new RangeError('relu: count must be a multiple of 8, inside the memory')
      relu(at * bytes, count * bytes)
    },
    reluMask(error, activation, count) {
      if (count % matrixColumnBlock !== 0 || Math.max(error, activation) + count > kernel.elements.length) throw new RangeError('reluMask: count must be a multiple of 8, inside the memory')
      reluMask(error * bytes, activation * bytes, count * bytes)
    },
    adamStep(params, gradient, m, v, decayL2, count, inverse, stepSize) {
      if (count % 2 !== 0 || (Math.max(params, gradient, m, v, decayL2) + count) * 8 > memory.buffer.byteLength) throw new RangeError('adamStep: count must be even, inside the memory')
      adamStep(params * 8, gradient * 8, m * 8, v * 8, decayL2 * 8, count * 8, inverse, stepSize)
    },
  }
  return kernel
}

// --- The assembler: just what the one function needs. ---

const unsignedLeb = (value: number): number[] => {
  const out: number[] = []
  do {
    let byte = value & 0x7f
    value >>>= 7
    if (value !== 0) byte |= 0x80
    out.push(byte)
  } while (value !== 0)
  return out
}
const signedLeb = (value: number): number[] => {
  const out: number[] = []
  for (;;) {
    const byte = value & 0x7f
    value >>= 7
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) return [...out, byte]
    out.push(byte | 0x80)
  }
}
const vector = (items: number[][]): number[] => [...unsignedLeb(items.length), ...items.flat()]
const section = (id: number, body: number[]): number[] => [id, ...unsignedLeb(body.length), ...body]
const name = (text: string): number[] => vector([...new TextEncoder().encode(text)].map((byte) => [byte]))

const i32 = 0x7f
const f64 = 0x7c
const v128 = 0x7b
const localGet = (index: number) => [0x20, ...unsignedLeb(index)]
const localSet = (index: number) => [0x21, ...unsignedLeb(index)]
const i32Const = (value: number) => [0x41, ...signedLeb(value)]
const i32Add = [0x6a]
const i32Sub = [0x6b]
const i32Mul = [0x6c]
const i32LtU = [0x49]
const i32Eqz = [0x45]
const block = [0x02, 0x40]
const loop = [0x03, 0x40]
const end = [0x0b]
const br = (depth: number) => [0x0c, ...unsignedLeb(depth)]
const brIf = (depth: number) => [0x0d, ...unsignedLeb(depth)]
const simd = (opcode: number, ...immediates: number[]) => [0xfd, ...unsignedLeb(opcode), ...immediates]
// memarg: log2 alignment, then offset in bytes.
const v128Load = (offset: number) => simd(0x00, 4, ...unsignedLeb(offset))
const v128Store = (offset: number) => simd(0x0b, 4, ...unsignedLeb(offset))

/**
 * The module: imports `env.memory`, exports `product(c, ldc, a, sai, sak, q, ldq, m, n, depth)`
 * (addresses and strides in bytes). For each block of 4 rows × 8 columns (f32: 2 vectors; f64: 4
 * columns per vector pair, so two passes per 8) it keeps the block of C in 8 vector registers, and
 * for each k multiplies one row of Q (2 vectors) by each row's A[i, k] splatted over the lanes.
 */
function assembleProduct(precision: MatrixPrecision): Uint8Array<ArrayBuffer> {
  const f32 = precision === 'f32'
  const bytes = f32 ? 4 : 8
  const columnsPerStep = 32 / bytes // two vectors
  const multiply = simd(f32 ? 0xe6 : 0xf2)
  const add = simd(f32 ? 0xe4 : 0xf0)
  const loadSplat = simd(f32 ? 0x09 : 0x0a, f32 ? 2 : 3, 0)

  // Parameters 0–9, then locals.
  const [c, ldc, a, sai, sak, q, ldq, m, n, depth] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  const [i, j, k, pa, pq, pc] = [10, 11, 12, 13, 14, 15]
  const accumulator = (row: number, half: number) => 16 + row * 2 + half
  const [splat, q0, q1] = [24, 25, 26]
  const locals = vector([
    [6, i32],
    [11, v128],
  ])
  const rowAddress = (base: number, stride: number, row: number) => (row === 0 ? localGet(base) : [...localGet(base), ...localGet(stride), ...i32Const(row), ...i32Mul, ...i32Add])
  const code: number[] = []
  const emit = (...parts: number[][]) => {
    for (const part of parts) code.push(...part)
  }
  // for (i = 0; i < m; i += 4)
  emit(i32Const(0), localSet(i), block, loop, localGet(i), localGet(m), i32LtU, i32Eqz, brIf(1))
  //   for (j = 0; j < n; j += columnsPerStep)
  emit(i32Const(0), localSet(j), block, loop, localGet(j), localGet(n), i32LtU, i32Eqz, brIf(1))
  //     pc = c + i·ldc + j·bytes; load the C block
  emit(localGet(c), localGet(i), localGet(ldc), i32Mul, i32Add, localGet(j), i32Const(bytes), i32Mul, i32Add, localSet(pc))
  for (let row = 0; row < 4; row++) for (let half = 0; half < 2; half++) emit(rowAddress(pc, ldc, row), v128Load(16 * half), localSet(accumulator(row, half)))
  //     pa = a + i·sai; pq = q + j·bytes; for (k = depth; k > 0; k--)
  emit(localGet(a), localGet(i), localGet(sai), i32Mul, i32Add, localSet(pa))
  emit(localGet(q), localGet(j), i32Const(bytes), i32Mul, i32Add, localSet(pq))
  emit(localGet(depth), localSet(k), block, loop, localGet(k), i32Eqz, brIf(1))
  emit(localGet(pq), v128Load(0), localSet(q0), localGet(pq), v128Load(16), localSet(q1))
  for (let row = 0; row < 4; row++) {
    emit(rowAddress(pa, sai, row), loadSplat, localSet(splat))
    for (let half = 0; half < 2; half++) emit(localGet(accumulator(row, half)), localGet(splat), localGet(half === 0 ? q0 : q1), multiply, add, localSet(accumulator(row, half)))
  }
  emit(localGet(pa), localGet(sak), i32Add, localSet(pa), localGet(pq), localGet(ldq), i32Add, localSet(pq))
  emit(localGet(k), i32Const(1), i32Sub, localSet(k), br(0), end, end)
  //     store the C block
  for (let row = 0; row < 4; row++) for (let half = 0; half < 2; half++) emit(rowAddress(pc, ldc, row), localGet(accumulator(row, half)), v128Store(16 * half))
  emit(localGet(j), i32Const(columnsPerStep), i32Add, localSet(j), br(0), end, end)
  emit(localGet(i), i32Const(4), i32Add, localSet(i), br(0), end, end)
  const body = [...locals, ...code, ...end]

  // relu(at, size): for (i = 0; i < size; i += 16) x[at + i] = max(x[at + i], 0), a vector at a time.
  const zero = simd(0x0c, ...Array.from({ length: 16 }, () => 0))
  const reluBody = (() => {
    const [at, size, offset] = [0, 1, 2]
    return [
      ...vector([[1, i32]]),
      ...i32Const(0), ...localSet(offset), ...block, ...loop, ...localGet(offset), ...localGet(size), ...i32LtU, ...i32Eqz, ...brIf(1),
      ...localGet(at), ...localGet(offset), ...i32Add,
      ...localGet(at), ...localGet(offset), ...i32Add, ...v128Load(0), ...zero, ...simd(f32 ? 0xe9 : 0xf5),
      ...v128Store(0),
      ...localGet(offset), ...i32Const(16), ...i32Add, ...localSet(offset), ...br(0), ...end, ...end, ...end,
    ]
  })()
  // reluMask(error, activation, size): error ← error AND NOT (activation ≤ 0), a vector at a time (NaN activations keep their error, as `if (a <= 0)` would).
  const maskBody = (() => {
    const [error, activation, size, offset] = [0, 1, 2, 3]
    return [
      ...vector([[1, i32]]),
      ...i32Const(0), ...localSet(offset), ...block, ...loop, ...localGet(offset), ...localGet(size), ...i32LtU, ...i32Eqz, ...brIf(1),
      ...localGet(error), ...localGet(offset), ...i32Add,
      ...localGet(error), ...localGet(offset), ...i32Add, ...v128Load(0),
      ...localGet(activation), ...localGet(offset), ...i32Add, ...v128Load(0), ...zero, ...simd(f32 ? 0x45 : 0x4b),
      ...simd(0x4f),
      ...v128Store(0),
      ...localGet(offset), ...i32Const(16), ...i32Add, ...localSet(offset), ...br(0), ...end, ...end, ...end,
    ]
  })()

  // adamStep(p, g, m, v, decay, size, inverse, stepSize), float64 × 2 a vector.
  const adamBody = (() => {
    const [p, g, m, v, decay, size, inverse, stepSize, offset, gradient, first, second] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    const f64Const = (value: number) => [0x44, ...new Uint8Array(Float64Array.of(value).buffer)]
    const splat = (value: number) => [...f64Const(value), ...simd(0x14)]
    const load = (base: number) => [...localGet(base), ...localGet(offset), ...i32Add, ...v128Load(0)]
    const address = (base: number) => [...localGet(base), ...localGet(offset), ...i32Add]
    const [add, sub, mul, div, sqrt] = [simd(0xf0), simd(0xf1), simd(0xf2), simd(0xf3), simd(0xef)]
    return [
      ...vector([
        [1, i32],
        [3, v128],
      ]),
      ...i32Const(0), ...localSet(offset), ...block, ...loop, ...localGet(offset), ...localGet(size), ...i32LtU, ...i32Eqz, ...brIf(1),
      // g = gradient · inverse + decay · p
      ...load(g), ...localGet(inverse), ...simd(0x14), ...mul, ...load(decay), ...load(p), ...mul, ...add, ...localSet(gradient),
      // m = 0.9 m + 0.1 g
      ...address(m), ...splat(0.9), ...load(m), ...mul, ...splat(0.1), ...localGet(gradient), ...mul, ...add, ...localSet(first), ...localGet(first), ...v128Store(0),
      // v = 0.999 v + (0.001 g) g
      ...address(v), ...splat(0.999), ...load(v), ...mul, ...splat(0.001), ...localGet(gradient), ...mul, ...localGet(gradient), ...mul, ...add, ...localSet(second), ...localGet(second), ...v128Store(0),
      // p = p − (stepSize · m) / (√v + 1e-8)
      ...address(p), ...load(p), ...localGet(stepSize), ...simd(0x14), ...localGet(first), ...mul, ...localGet(second), ...sqrt, ...splat(1e-8), ...add, ...div, ...sub, ...v128Store(0),
      ...localGet(offset), ...i32Const(16), ...i32Add, ...localSet(offset), ...br(0), ...end, ...end, ...end,
    ]
  })()

  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([...[2, 3, 10].map((params) => [0x60, ...vector(Array.from({ length: params }, () => [i32])), 0]), [0x60, ...vector([...Array.from({ length: 6 }, () => [i32]), [f64], [f64]]), 0]])),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    // Functions: product (type 2), relu (type 0), reluMask (type 1), adamStep (type 3).
    ...section(3, vector([[2], [0], [1], [3]])),
    ...section(7, vector([[...name('product'), 0x00, 0], [...name('relu'), 0x00, 1], [...name('reluMask'), 0x00, 2], [...name('adamStep'), 0x00, 3]])),
    ...section(10, vector([body, reluBody, maskBody, adamBody].map((code) => [...unsignedLeb(code.length), ...code]))),
  ])
}
