import { describe, expect, test } from 'vitest'
import { computeRdp } from './computeRdp.ts'
import { rdpToEpsilon } from './rdpToEpsilon.ts'
import { defaultRdpOrders } from './sampled-gaussian.ts'

// The orders TF Privacy's `compute_dp_sgd_privacy` used (2019–2023).
const tfPrivacyOrders = [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...Array.from({ length: 59 }, (_, i) => 5 + i), 128, 256, 512]

// TF Privacy's compute_dp_sgd_privacy: q = batch / N, steps = ceil(epochs · N / batch).
function dpSgd(n: number, batchSize: number, noiseMultiplier: number, epochs: number, orders: readonly number[]) {
  return computeRdp({ sampleRate: batchSize / n, noiseMultiplier, steps: Math.ceil((epochs * n) / batchSize), orders })
}

describe('rdpToEpsilon', () => {
  // opacus/tests/accountants_test.py, test_rdp_accountant: RDPAccountant with its DEFAULT_ALPHAS
  // and get_privacy_spent (the Balle et al. 2020 conversion) → 7.32911117143 (assertAlmostEqual, 7 places).
  test('default: Opacus’ RDP accountant test, σ = 1.5, q = 0.04, 2250 steps, δ = 1e-5 → ε = 7.32911117143 at α = 3.9', () => {
    const rdp = computeRdp({ sampleRate: 0.04, noiseMultiplier: 1.5, steps: Math.trunc(90 / 0.04) })
    const { epsilon, order } = rdpToEpsilon({ rdp, orders: defaultRdpOrders, delta: 1e-5 })
    expect(Math.abs(epsilon - 7.32911117143)).toBeLessThan(5e-8)
    expect(order).toBe(3.9)
  })

  // tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py: before commit be8175b
  // (Dec 2020) with the classic conversion, after it with the improved one (same formula as
  // Opacus'). Both asserted with assertAlmostEqual (7 places) and the exact optimal order.
  test.each([
    [60_000, 150, 1.3, 15, 1e-5, 0.941870567, 0.7242234026109595, 19],
    [100_000, 100, 1.0, 30, 1e-7, 1.70928734, 1.4154988495444842, 13],
  ])('behavior: TF Privacy compute_dp_sgd_privacy N=%i batch=%i σ=%f epochs=%i δ=%f → classic ε=%f, improved ε=%f', (n, batch, sigma, epochs, delta, classic, improved, order) => {
    const rdp = dpSgd(n, batch, sigma, epochs, tfPrivacyOrders)
    const old = rdpToEpsilon({ rdp, orders: tfPrivacyOrders, delta, conversion: 'classic' })
    expect(Math.abs(old.epsilon - classic)).toBeLessThan(5e-8)
    expect(old.order).toBe(order)
    const current = rdpToEpsilon({ rdp, orders: tfPrivacyOrders, delta })
    expect(Math.abs(current.epsilon - improved)).toBeLessThan(5e-8)
    expect(current.order).toBe(order)
  })

  test('behavior: TF Privacy’s almost-no-noise case (σ = 0.1, 976,563 steps) stays finite and exact', () => {
    const rdp = dpSgd(100_000_000, 1024, 0.1, 10, tfPrivacyOrders)
    const old = rdpToEpsilon({ rdp, orders: tfPrivacyOrders, delta: 1e-7, conversion: 'classic' })
    expect(Math.abs(old.epsilon / 5907984.81339406 - 1)).toBeLessThan(1e-12)
    const current = rdpToEpsilon({ rdp, orders: tfPrivacyOrders, delta: 1e-7 })
    expect(Math.abs(current.epsilon / 5907982.31138195 - 1)).toBeLessThan(1e-12)
    expect(current.order).toBe(1.25)
  })

  // TF Privacy's MNIST tutorial (tutorials/README.md), ε at δ = 1e-5 for N = 60,000, batch 256, as
  // printed with two decimals by its compute_epsilon (classic conversion, Opacus' default orders).
  test.each([
    [1.1, 60, 3.01],
    [1.3, 15, 1.19],
    [0.7, 45, 7.1],
  ])('behavior: TF Privacy MNIST tutorial σ=%f, %i epochs → ε = %f (classic)', (sigma, epochs, published) => {
    const rdp = dpSgd(60_000, 256, sigma, epochs, defaultRdpOrders)
    const { epsilon } = rdpToEpsilon({ rdp, orders: defaultRdpOrders, delta: 1e-5, conversion: 'classic' })
    expect(Math.abs(epsilon - published)).toBeLessThanOrEqual(0.005)
  })

  // TF Privacy rdp_accountant_test.py (before 2021): test_get_privacy_spent_check_target_delta and
  // test_check_composition (heterogeneous runs composed by adding their RDP), classic conversion, 5 places.
  test('behavior: TF Privacy’s conversion and composition tests (classic)', () => {
    const orders = Array.from({ length: 31 }, (_, i) => 2 + i)
    const single = rdpToEpsilon({ rdp: computeRdp({ sampleRate: 0.01, noiseMultiplier: 4, steps: 10_000, orders }), orders, delta: 1e-5, conversion: 'classic' })
    expect(single.epsilon).toBeCloseTo(1.258575, 5)
    expect(single.order).toBe(20)

    const mixed = [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 64, 256]
    const first = computeRdp({ sampleRate: 1e-4, noiseMultiplier: 0.4, steps: 40_000, orders: mixed })
    const second = computeRdp({ sampleRate: 0.1, noiseMultiplier: 2, steps: 100, orders: mixed })
    const composed = rdpToEpsilon({ rdp: first.map((value, k) => value + second[k]!), orders: mixed, delta: 1e-5, conversion: 'classic' })
    expect(composed.epsilon).toBeCloseTo(8.509656, 5)
    expect(composed.order).toBe(2.5)
    // The improved conversion is never worse.
    expect(rdpToEpsilon({ rdp: first.map((value, k) => value + second[k]!), orders: mixed, delta: 1e-5 }).epsilon).toBeLessThanOrEqual(8.509656)
  })

  // TF Privacy rdp_accountant_test.py (since 2021): a constant RDP curve (pure DP) picks the largest
  // order, ε computed by hand; and the Gaussian mechanism scaled to be exactly (1, 1e-6)-DP.
  test('behavior: TF Privacy’s improved-conversion tests', () => {
    const orders = Array.from({ length: 31 }, (_, i) => 2 + i)
    const constant = rdpToEpsilon({ rdp: orders.map(() => 1.1), orders, delta: 1e-5 })
    expect(constant.order).toBe(32)
    expect(constant.epsilon).toBeCloseTo(1.32783806176, 10)

    const fine = Array.from({ length: 98_999 }, (_, i) => 0.001 * (1001 + i))
    const gaussian = computeRdp({ sampleRate: 1, noiseMultiplier: 4.530877117, steps: 1, orders: fine })
    expect(rdpToEpsilon({ rdp: gaussian, orders: fine, delta: 1e-6 }).epsilon).toBeCloseTo(1, 7)
  })

  test('args: no RDP is ε = 0; unbounded RDP is ε = ∞', () => {
    expect(rdpToEpsilon({ rdp: [0, 0, 0], orders: [2, 8, 32], delta: 1e-5 }).epsilon).toBe(0)
    expect(rdpToEpsilon({ rdp: [Infinity, Infinity], orders: [2, 8], delta: 1e-5 }).epsilon).toBe(Infinity)
    // One unbounded order does not matter when another bounds ε.
    expect(rdpToEpsilon({ rdp: [Infinity, 1], orders: [2, 8], delta: 1e-5 })).toMatchObject({ order: 8 })
    // Below δ² the KL bound alone gives (0, δ)-DP.
    expect(rdpToEpsilon({ rdp: [1e-12], orders: [2], delta: 1e-5 }).epsilon).toBe(0)
    expect(rdpToEpsilon({ rdp: [1e-8], orders: [2], delta: 1e-5 }).epsilon).toBeGreaterThan(0)
  })

  test('error: mismatched lengths and out-of-domain values are refused', () => {
    const error = expect.objectContaining({ name: 'PrivacyArgumentError', code: 'PRIVACY_ARGUMENT_INVALID' })
    expect(() => rdpToEpsilon({ rdp: [1, 2], orders: [2], delta: 1e-5 })).toThrow(error)
    expect(() => rdpToEpsilon({ rdp: [1], orders: [2], delta: 0 })).toThrow(error)
    expect(() => rdpToEpsilon({ rdp: [1], orders: [2], delta: 1 })).toThrow(error)
    expect(() => rdpToEpsilon({ rdp: [Number.NaN], orders: [2], delta: 1e-5 })).toThrow(error)
    expect(() => rdpToEpsilon({ rdp: [-1], orders: [2], delta: 1e-5 })).toThrow(error)
    expect(() => rdpToEpsilon({ rdp: [1], orders: [1], delta: 1e-5 })).toThrow(error)
    expect(() => rdpToEpsilon({ rdp: [1], orders: [2], delta: 1e-5, conversion: 'zcdp' as never })).toThrow(error)
  })
})
