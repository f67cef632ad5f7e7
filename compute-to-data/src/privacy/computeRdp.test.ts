import { describe, expect, test } from 'vitest'
import { computeRdp } from './computeRdp.ts'
import { logAdd } from './log-space.ts'
import { defaultRdpOrders } from './sampled-gaussian.ts'

/**
 * log A_α from its definition, A_α = E_{z∼N(0,σ²)}[((1 − q) + q·exp((2z − 1)/2σ²))^α], by the
 * trapezoid rule in log space: an independent check of the closed form and of the series, in the
 * manner of TF Privacy's multi-precision `test_compute_log_a_equals_mp`.
 */
function logAByQuadrature(q: number, sigma: number, alpha: number): number {
  const from = -40 * sigma - 2
  const to = alpha + 40 * sigma + 2
  const points = 100_001
  const step = (to - from) / (points - 1)
  const logNormalizer = Math.log(sigma * Math.sqrt(2 * Math.PI))
  let logSum = -Infinity
  for (let k = 0; k < points; k++) {
    const z = from + k * step
    const logMixture = logAdd(Math.log1p(-q), Math.log(q) + (2 * z - 1) / (2 * sigma * sigma))
    const logIntegrand = (-z * z) / (2 * sigma * sigma) - logNormalizer + alpha * logMixture
    // Trapezoid weights: the ends count half.
    logSum = logAdd(logSum, k === 0 || k === points - 1 ? logIntegrand - Math.LN2 : logIntegrand)
  }
  return logSum + Math.log(step)
}

describe('computeRdp', () => {
  test('default: one value per default order (Opacus’ DEFAULT_ALPHAS)', () => {
    const rdp = computeRdp({ sampleRate: 0.04, noiseMultiplier: 1.5, steps: 1 })
    expect(rdp).toBeInstanceOf(Float64Array)
    expect(rdp).toHaveLength(151)
    expect(defaultRdpOrders.slice(0, 3)).toEqual([1.1, 1.2, 1.3])
    expect(defaultRdpOrders.slice(97, 101)).toEqual([10.8, 10.9, 12, 13])
    expect(defaultRdpOrders.at(-1)).toBe(63)
  })

  // TF Privacy, rdp_accountant_test.py (before 2021): test_compute_rdp_scalar and
  // test_compute_rdp_sequence (tolerance 1e-5 there and here).
  test('behavior: TF Privacy’s RDP test values, integer and fractional orders', () => {
    expect(computeRdp({ sampleRate: 0.1, noiseMultiplier: 2, steps: 10, orders: [5] })[0]).toBeCloseTo(0.07737, 5)
    const rdp = computeRdp({ sampleRate: 0.01, noiseMultiplier: 2.5, steps: 50, orders: [1.5, 2.5, 5, 50, 100] })
    const expected = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307]
    expected.forEach((value, k) => expect(Math.abs(rdp[k]! - value)).toBeLessThan(1e-5))
  })

  // One step's RDP from Opacus' own code (opacus/accountants/analysis/rdp.py, `_compute_rdp`,
  // run with numpy/scipy), at fractional and integer orders: agreement to 1e-9 relative.
  test('behavior: matches Opacus’ _compute_rdp to 1e-9', () => {
    const orders = [1.1, 1.5, 2.3, 3.9, 7.7, 10.9, 12, 32, 63]
    const opacus: [number, number, number[]][] = [
      [1e-4, 0.5, [2.809851588694507e-7, 3.9061487563068965e-7, 6.295210880870945e-7, 1.8008537947604675e-6, 4.814981986945137, 11.659322216713162, 13.952355957844164, 54.4925518740891, 116.64110575105646]],
      [0.01, 0.8, [0.00019548422061597633, 0.0002733106999012212, 0.0004432785790897623, 0.000883200525481795, 0.7276379914399732, 3.4453069812871475, 4.351181685876288, 20.246275937044548, 44.53930287552822]],
      [0.3, 2, [0.013188642592707732, 0.018391319219010244, 0.029550965026073413, 0.055547884135579394, 0.15022087787472635, 0.30576931669859786, 0.3858138683364409, 2.7582309544510144, 6.651608719384147]],
      [0.9, 4, [0.02786810585519104, 0.0380865064607363, 0.058655616399360726, 0.10030814238132225, 0.20179722777469214, 0.2897740966027962, 0.32048943214362485, 0.9078976546229591, 1.864041509557633]],
    ]
    for (const [sampleRate, noiseMultiplier, expected] of opacus) {
      const rdp = computeRdp({ sampleRate, noiseMultiplier, steps: 1, orders })
      expected.forEach((value, k) => expect(Math.abs(rdp[k]! - value) / value, `q=${sampleRate} σ=${noiseMultiplier} α=${orders[k]}`).toBeLessThan(1e-9))
    }
  })

  test('behavior: agrees with the definition integrated numerically', () => {
    // TF Privacy's multi-precision cases that a double-precision quadrature resolves, and a few DP-SGD-like ones.
    const cases: [number, number, number][] = [
      [1e-3, 1, 2],
      [0.01, 10, 20],
      [0.1, 100, 20.5],
      [1e-6, 1, 27],
      [0.04, 1.5, 3.9],
      [0.3, 0.8, 7.3],
      [0.9, 4, 1.7],
      [0.5, 0.5, 12],
    ]
    for (const [q, sigma, alpha] of cases) {
      const [rdp] = computeRdp({ sampleRate: q, noiseMultiplier: sigma, steps: 1, orders: [alpha] })
      const expected = logAByQuadrature(q, sigma, alpha) / (alpha - 1)
      expect(Math.abs(rdp! - expected), `q=${q} σ=${sigma} α=${alpha}`).toBeLessThanOrEqual(1e-9 * expected + 1e-12)
    }
  })

  test('behavior: at order 2, A₂ = 1 + q²(e^(1/σ²) − 1) exactly', () => {
    for (const [q, sigma] of [[1e-3, 1], [0.04, 1.5], [0.5, 0.7], [0.9, 3]] as const) {
      const [rdp] = computeRdp({ sampleRate: q, noiseMultiplier: sigma, steps: 1, orders: [2] })
      const expected = Math.log1p(q * q * Math.expm1(1 / (sigma * sigma)))
      expect(Math.abs(rdp! - expected) / expected).toBeLessThan(1e-10)
    }
  })

  test('behavior: composes by steps', () => {
    const one = computeRdp({ sampleRate: 0.02, noiseMultiplier: 1.1, steps: 1 })
    const many = computeRdp({ sampleRate: 0.02, noiseMultiplier: 1.1, steps: 1000 })
    one.forEach((value, k) => expect(many[k]).toBeCloseTo(value * 1000, 9))
  })

  test('args: q = 0 spends nothing; q = 1 is the Gaussian mechanism; σ = 0 is unbounded; 0 steps spend nothing', () => {
    expect([...computeRdp({ sampleRate: 0, noiseMultiplier: 10, steps: 7 })].every((value) => value === 0)).toBe(true)
    expect([...computeRdp({ sampleRate: 0, noiseMultiplier: 0, steps: 7 })].every((value) => value === 0)).toBe(true)
    // TF Privacy's test_compute_rdp_no_sampling: α/(2σ²) = 20/200.
    expect(computeRdp({ sampleRate: 1, noiseMultiplier: 10, steps: 1, orders: [20] })[0]).toBe(0.1)
    expect(computeRdp({ sampleRate: 1, noiseMultiplier: 2, steps: 3, orders: [2.5, 8] })).toEqual(new Float64Array([(3 * 2.5) / 8, 3]))
    expect([...computeRdp({ sampleRate: 0.1, noiseMultiplier: 0, steps: 1 })].every((value) => value === Infinity)).toBe(true)
    expect([...computeRdp({ sampleRate: 0.1, noiseMultiplier: 0, steps: 0 })].every((value) => value === 0)).toBe(true)
  })

  test('args: orders may be a typed array', () => {
    const orders = new Float64Array([2, 4.5])
    expect(computeRdp({ sampleRate: 0.01, noiseMultiplier: 1, steps: 5, orders })).toEqual(computeRdp({ sampleRate: 0.01, noiseMultiplier: 1, steps: 5, orders: [2, 4.5] }))
  })

  test('error: out-of-domain arguments are refused', () => {
    const valid = { sampleRate: 0.01, noiseMultiplier: 1, steps: 10 }
    for (const bad of [
      { sampleRate: 1.5 },
      { sampleRate: -0.1 },
      { sampleRate: Number.NaN },
      { noiseMultiplier: -1 },
      { noiseMultiplier: Infinity },
      { steps: 1.5 },
      { steps: -1 },
      { orders: [] },
      { orders: [1] },
      { orders: [2, 0.5] },
    ])
      expect(() => computeRdp({ ...valid, ...bad }), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ name: 'PrivacyArgumentError', code: 'PRIVACY_ARGUMENT_INVALID', status: 400 }),
      )
  })
})
