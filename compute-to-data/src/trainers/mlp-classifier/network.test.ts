import { describe, expect, test } from 'vitest'
import { clipContribution } from '../common/dp-sgd.ts'
import { seededRandom } from '../common/random.ts'
import { mlpNetwork } from './network.ts'

const shapes = [
  [3, 5, 4],
  [3, 6, 9, 3],
]
const setup = (widths: number[], rows: number) => {
  const layers = widths.slice(1).map((outputs, i) => ({ inputs: widths[i]!, outputs }))
  const random = seededRandom(widths.length)
  const size = layers.reduce((total, { inputs, outputs }) => total + outputs * (inputs + 1), 0)
  const params = Float64Array.from({ length: size }, () => random.normal())
  const x = Float64Array.from({ length: rows * widths[0]! }, () => random.normal())
  const labels = Array.from({ length: rows }, (_, i) => i % widths.at(-1)!)
  return { layers, params, x, labels }
}
const worstDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]!)), 0)

describe('mlpNetwork', () => {
  test('behavior: backpropagation matches finite differences (one and two hidden layers, float64)', () => {
    for (const widths of shapes) {
      const { layers, params, x, labels } = setup(widths, 6)
      // Passes of 4 rows: the 5 rows below run as a full pass and a padded one.
      const network = mlpNetwork(layers, { precision: 'f64', passRows: 4 })
      const rows = [5, 0, 3, 1, 2]
      const gradient = new Float64Array(network.size)
      const loss = network.addGradient(params, x, labels, rows, 0, rows.length, gradient)
      const lossAt = (p: Float64Array) => network.addGradient(p, x, labels, rows, 0, rows.length, new Float64Array(network.size))
      expect(lossAt(params)).toBe(loss)
      let worst = 0
      for (let i = 0; i < network.size; i++) {
        const h = 1e-6
        const up = Float64Array.from(params)
        const down = Float64Array.from(params)
        up[i]! += h
        down[i]! -= h
        worst = Math.max(worst, Math.abs((lossAt(up) - lossAt(down)) / (2 * h) - gradient[i]!))
      }
      expect(worst).toBeLessThan(1e-6)
      // The gradient is added, not written: a second call doubles it.
      network.addGradient(params, x, labels, rows, 0, rows.length, gradient)
      const once = new Float64Array(network.size)
      network.addGradient(params, x, labels, rows, 0, rows.length, once)
      expect(worstDifference(gradient, once.map((g) => 2 * g))).toBeLessThan(1e-12)
    }
  })

  test('args: rows start … end of the order; one row at a time sums to the batch', () => {
    const { layers, params, x, labels } = setup(shapes[1]!, 10)
    const network = mlpNetwork(layers, { precision: 'f64' })
    const order = [9, 2, 4, 7, 1, 0]
    const batch = new Float64Array(network.size)
    const batchLoss = network.addGradient(params, x, labels, order, 1, 5, batch)
    const single = new Float64Array(network.size)
    let singleLoss = 0
    for (const row of order.slice(1, 5)) singleLoss += network.addGradient(params, x, labels, [row], 0, 1, single)
    expect(batchLoss).toBeCloseTo(singleLoss, 12)
    expect(worstDifference(batch, single)).toBeLessThan(1e-12)
  })

  test('behavior: float32 products give float64 results to float32 accuracy', () => {
    const { layers, params, x, labels } = setup(shapes[1]!, 40)
    const rows = Array.from({ length: 40 }, (_, i) => i)
    const exact = new Float64Array(params.length)
    const single = new Float64Array(params.length)
    const exactLoss = mlpNetwork(layers, { precision: 'f64' }).addGradient(params, x, labels, rows, 0, 40, exact)
    const singleLoss = mlpNetwork(layers).addGradient(params, x, labels, rows, 0, 40, single)
    expect(Math.abs(singleLoss - exactLoss) / exactLoss).toBeLessThan(1e-5)
    expect(worstDifference(single, exact) / Math.max(...exact.map(Math.abs))).toBeLessThan(1e-5)
    const predictions: number[] = []
    mlpNetwork(layers).predict(params, x, 40, (_, p) => predictions.push(...p))
    const expected: number[] = []
    mlpNetwork(layers, { precision: 'f64' }).predict(params, x, 40, (_, p) => expected.push(...p))
    expect(predictions).toHaveLength(40 * 3)
    expect(worstDifference(predictions, expected)).toBeLessThan(1e-5)
  })

  test('behavior: clipped batch gradient equals clipping each row on its own (clipped, unclipped, non-finite rows)', () => {
    const { layers, params, x, labels } = setup(shapes[1]!, 12)
    // Row 7 overflows: its gradient is not finite and must contribute nothing.
    x[7 * 3] = Number.MAX_VALUE
    const network = mlpNetwork(layers, { precision: 'f64', passRows: 8 })
    const rows = [0, 2, 3, 5, 6, 7, 8, 9, 10, 11]
    for (const maxGradNorm of [0.5, 1e3]) {
      const expected = new Float64Array(network.size)
      let expectedLoss = 0
      for (const row of rows) {
        const own = new Float64Array(network.size)
        const loss = network.addGradient(params, x, labels, [row], 0, 1, own)
        expectedLoss += clipContribution(own, loss, maxGradNorm, 2)
        for (let i = 0; i < own.length; i++) expected[i]! += own[i]!
      }
      const clipped = new Float64Array(network.size)
      const loss = network.addClippedGradients(params, x, labels, rows, maxGradNorm, 2, clipped)
      expect(Number.isFinite(loss)).toBe(true)
      expect(loss).toBeCloseTo(expectedLoss, 10)
      expect(clipped.every(Number.isFinite)).toBe(true)
      expect(worstDifference(clipped, expected)).toBeLessThan(1e-9)
    }
    // The overflowing row left nothing behind: a batch without it gives what a fresh network gives.
    const clean = [0, 1, 2, 3, 4, 5]
    const after = new Float64Array(network.size)
    network.addGradient(params, x, labels, clean, 0, clean.length, after)
    const fresh = new Float64Array(network.size)
    mlpNetwork(layers, { precision: 'f64', passRows: 8 }).addGradient(params, x, labels, clean, 0, clean.length, fresh)
    expect(after).toEqual(fresh)
  })

  test('behavior: under float32, each clipped row stays within the bound', () => {
    const { layers, params, x, labels } = setup(shapes[0]!, 8)
    const network = mlpNetwork(layers)
    for (let row = 0; row < 8; row++) {
      const own = new Float64Array(network.size)
      network.addClippedGradients(params, x, labels, [row], 0.01, 2, own)
      const norm = Math.sqrt(own.reduce((sum, g) => sum + g * g, 0))
      expect(norm).toBeLessThanOrEqual(0.01 * Math.sqrt(1 - 0.01))
      expect(norm).toBeGreaterThan(0.0099 * Math.sqrt(1 - 0.01))
    }
  })
})
