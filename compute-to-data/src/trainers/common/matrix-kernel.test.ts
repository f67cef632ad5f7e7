import { describe, expect, test } from 'vitest'
import { matrixKernel } from './matrix-kernel.ts'
import { seededRandom } from './random.ts'

describe('matrixKernel', () => {
  // C (m × n, row stride n + 8) += A · Q, with A read directly (row stride depth) or as the transpose of a stored Aᵀ.
  const check = (precision: 'f32' | 'f64', transposed: boolean) => {
    const [m, n, depth] = [12, 24, 13]
    const kernel = matrixKernel(precision)
    kernel.reserve(4096)
    const random = seededRandom(transposed ? 2 : 1)
    const [a, q, c] = [0, 512, 1024]
    const ldc = n + 8
    const memory = kernel.elements
    for (let i = 0; i < m * depth; i++) memory[a + i] = random.normal()
    for (let i = 0; i < depth * n; i++) memory[q + i] = random.normal()
    for (let i = 0; i < m * ldc; i++) memory[c + i] = random.normal()
    const before = Float64Array.from(memory.subarray(c, c + m * ldc))
    const at = (i: number, k: number) => memory[transposed ? a + k * m + i : a + i * depth + k]!
    transposed ? kernel.product(c, ldc, a, 1, m, q, n, m, n, depth) : kernel.product(c, ldc, a, depth, 1, q, n, m, n, depth)
    let worst = 0
    for (let i = 0; i < m; i++)
      for (let j = 0; j < ldc; j++) {
        let expected = before[i * ldc + j]!
        if (j < n) for (let k = 0; k < depth; k++) expected += at(i, k) * memory[q + k * n + j]!
        worst = Math.max(worst, Math.abs(memory[c + i * ldc + j]! - expected))
      }
    return worst
  }

  test('default: C += A · Q in float32 and float64, only inside the n columns', () => {
    expect(check('f32', false)).toBeLessThan(1e-5)
    expect(check('f64', false)).toBeLessThan(1e-12)
  })

  test('args: A read through its strides (Aᵀ stored)', () => {
    expect(check('f32', true)).toBeLessThan(1e-5)
    expect(check('f64', true)).toBeLessThan(1e-12)
  })

  test('behavior: reserve grows the memory and replaces the view', () => {
    const kernel = matrixKernel('f64')
    const first = kernel.elements
    kernel.reserve(first.length + 1)
    expect(kernel.elements.length).toBeGreaterThan(first.length)
  })

  test('error: sizes that are not whole blocks, operands outside the memory', () => {
    const kernel = matrixKernel('f32')
    expect(() => kernel.product(0, 8, 0, 8, 1, 0, 8, 3, 8, 8)).toThrow(RangeError)
    expect(() => kernel.product(0, 8, 0, 8, 1, 0, 8, 4, 12, 8)).toThrow(RangeError)
    expect(() => kernel.product(kernel.elements.length - 8, 8, 0, 8, 1, 0, 8, 4, 8, 8)).toThrow(/outside/)
  })
})

describe('matrixKernel relu and reluMask', () => {
  test('default: max(x, 0) and the error zeroed where the activation is ≤ 0 (NaN activations keep it), float32 and float64', () => {
    for (const precision of ['f32', 'f64'] as const) {
      const kernel = matrixKernel(precision)
      const values = [1.5, -2, 0, -0, Number.NaN, 3, -Number.MAX_VALUE, 0.25, -1, 7, 2, -3, 4, -5, 6, -7]
      kernel.elements.set(values, 8)
      kernel.relu(8, 16)
      expect(Array.from(kernel.elements.subarray(8, 24))).toEqual(values.map((v) => (Number.isNaN(v) ? Number.NaN : v <= 0 ? 0 : v)))
      expect(kernel.elements[24]).toBe(0)
      kernel.elements.set(values, 40)
      kernel.elements.set(
        values.map((_, i) => i + 1),
        64,
      )
      kernel.reluMask(64, 40, 16)
      expect(Array.from(kernel.elements.subarray(64, 80))).toEqual(values.map((a, i) => (a <= 0 ? 0 : i + 1)))
      expect(() => kernel.relu(0, 12)).toThrow(RangeError)
    }
  })
})

describe('matrixKernel adamStep', () => {
  test('default: the same bits as the JavaScript Adam loop, decaying and non-decaying parameters', () => {
    const kernel = matrixKernel('f64')
    const size = 10
    kernel.reserve(5 * size)
    const random = seededRandom(8)
    const slot = (i: number) => (kernel.elements as Float64Array).subarray(i * size, (i + 1) * size)
    const [p, g, m, v, decayL2] = [0, 1, 2, 3, 4].map(slot) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]
    for (let i = 0; i < size; i++) {
      p[i] = random.normal()
      g[i] = random.normal() * 10
      m[i] = random.normal() * 0.1
      v[i] = Math.abs(random.normal()) * 0.01
      decayL2[i] = i % 3 === 0 ? 0 : 0.05
    }
    const [inverse, stepSize] = [1 / 64, 0.003]
    const expected = { p: Float64Array.from(p), m: Float64Array.from(m), v: Float64Array.from(v) }
    for (let i = 0; i < size; i++) {
      const gi = g[i]! * inverse + (decayL2[i] ? 0.05 * expected.p[i]! : 0)
      const mi = 0.9 * expected.m[i]! + 0.1 * gi
      const vi = 0.999 * expected.v[i]! + 0.001 * gi * gi
      expected.m[i] = mi
      expected.v[i] = vi
      expected.p[i]! -= (stepSize * mi) / (Math.sqrt(vi) + 1e-8)
    }
    kernel.adamStep(0, size, 2 * size, 3 * size, 4 * size, size, inverse, stepSize)
    expect([...p]).toEqual([...expected.p])
    expect([...m]).toEqual([...expected.m])
    expect([...v]).toEqual([...expected.v])
    expect(() => kernel.adamStep(0, size, 2 * size, 3 * size, 4 * size, 3, inverse, stepSize)).toThrow(RangeError)
  })
})
