import { describe, expect, test } from 'vitest'
import { epsilonFor } from './epsilonFor.ts'

const base = { sampleRate: 0.01, noiseMultiplier: 1.0, steps: 1000, delta: 1e-5 }

describe('epsilonFor', () => {
  // Opacus' accountants_test.py, test_rdp_accountant.
  test('default: Opacus’ RDPAccountant.get_epsilon for σ = 1.5, q = 0.04, 2250 steps, δ = 1e-5', () => {
    expect(Math.abs(epsilonFor({ sampleRate: 0.04, noiseMultiplier: 1.5, steps: 2250, delta: 1e-5 }) - 7.32911117143)).toBeLessThan(5e-8)
  })

  test('behavior: more steps spend more ε', () => {
    const values = [1, 10, 100, 1000, 10_000].map((steps) => epsilonFor({ ...base, steps }))
    for (let k = 1; k < values.length; k++) expect(values[k]).toBeGreaterThan(values[k - 1]!)
  })

  test('behavior: more noise spends less ε', () => {
    const values = [0.5, 0.8, 1, 1.5, 3, 10].map((noiseMultiplier) => epsilonFor({ ...base, noiseMultiplier }))
    for (let k = 1; k < values.length; k++) expect(values[k]).toBeLessThan(values[k - 1]!)
  })

  test('behavior: a higher sampling rate spends more ε; a looser δ, less', () => {
    const byRate = [0.001, 0.01, 0.1, 0.5, 1].map((sampleRate) => epsilonFor({ ...base, sampleRate }))
    for (let k = 1; k < byRate.length; k++) expect(byRate[k]).toBeGreaterThan(byRate[k - 1]!)
    const byDelta = [1e-9, 1e-7, 1e-5, 1e-3].map((delta) => epsilonFor({ ...base, delta }))
    for (let k = 1; k < byDelta.length; k++) expect(byDelta[k]).toBeLessThan(byDelta[k - 1]!)
  })

  test('behavior: the improved conversion is never looser than the classic one', () => {
    for (const noiseMultiplier of [0.6, 1, 2, 5])
      for (const steps of [1, 100, 10_000])
        expect(epsilonFor({ ...base, noiseMultiplier, steps })).toBeLessThan(epsilonFor({ ...base, noiseMultiplier, steps, conversion: 'classic' }))
  })

  test('behavior: subsampling amplifies privacy (q < 1 spends less than the full-batch Gaussian)', () => {
    expect(epsilonFor({ ...base, sampleRate: 0.01 })).toBeLessThan(epsilonFor({ ...base, sampleRate: 1 }))
  })

  test('args: nothing sampled, or no step taken, spends 0; no noise spends ∞', () => {
    expect(epsilonFor({ ...base, sampleRate: 0 })).toBe(0)
    expect(epsilonFor({ ...base, steps: 0 })).toBe(0)
    expect(epsilonFor({ ...base, steps: 0, noiseMultiplier: 0 })).toBe(0)
    expect(epsilonFor({ ...base, noiseMultiplier: 0 })).toBe(Infinity)
  })

  test('error: out-of-domain arguments are refused', () => {
    for (const bad of [{ delta: 0 }, { delta: 1.5 }, { steps: -3 }, { sampleRate: 2 }, { noiseMultiplier: Number.NaN }, { orders: [0.5] }])
      expect(() => epsilonFor({ ...base, ...bad }), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'PRIVACY_ARGUMENT_INVALID' }))
  })
})
