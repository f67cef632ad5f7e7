import { describe, expect, test } from 'vitest'
import { epsilonFor } from './epsilonFor.ts'
import { noiseMultiplierFor } from './noiseMultiplierFor.ts'

describe('noiseMultiplierFor', () => {
  // Opacus' accountants_test.py, test_get_noise_multiplier_rdp_epochs / _steps: get_noise_multiplier
  // answers 1.416 (90 epochs at q = 0.04, i.e. 2250 steps) and 1.3562 (2000 steps) for ε = 8,
  // δ = 1e-5. Its bisection stops once ε is within 0.01 below the target, so its σ is a little
  // larger than the smallest one; ours is that smallest one, to 1e-6.
  test.each([
    [2250, 1.416],
    [2000, 1.3562],
  ])('default: ε = 8, δ = 1e-5, q = 0.04, %i steps → σ just under Opacus’ %f', (steps, opacus) => {
    const noiseMultiplier = noiseMultiplierFor({ targetEpsilon: 8, delta: 1e-5, sampleRate: 0.04, steps })
    expect(noiseMultiplier).toBeLessThanOrEqual(opacus)
    expect(noiseMultiplier).toBeGreaterThan(opacus * 0.995)
    const epsilon = epsilonFor({ sampleRate: 0.04, noiseMultiplier, steps, delta: 1e-5 })
    expect(epsilon).toBeLessThanOrEqual(8)
    expect(epsilon).toBeGreaterThan(8 - 1e-4)
  })

  test('behavior: the answer never overspends, and a smaller σ would', () => {
    for (const [targetEpsilon, sampleRate, steps] of [[0.5, 0.001, 5000], [1, 0.01, 1000], [3, 256 / 60_000, 14_063], [50, 0.5, 10]] as const) {
      const noiseMultiplier = noiseMultiplierFor({ targetEpsilon, delta: 1e-6, sampleRate, steps })
      expect(epsilonFor({ sampleRate, noiseMultiplier, steps, delta: 1e-6 })).toBeLessThanOrEqual(targetEpsilon)
      expect(epsilonFor({ sampleRate, noiseMultiplier: noiseMultiplier * (1 - 1e-5), steps, delta: 1e-6 })).toBeGreaterThan(targetEpsilon)
    }
  })

  test('args: nothing sampled or no step taken needs no noise', () => {
    expect(noiseMultiplierFor({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0, steps: 100 })).toBe(0)
    expect(noiseMultiplierFor({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.1, steps: 0 })).toBe(0)
  })

  test('error: a target no σ reaches, and out-of-domain arguments, are refused', () => {
    const error = expect.objectContaining({ name: 'PrivacyArgumentError', code: 'PRIVACY_ARGUMENT_INVALID' })
    expect(() => noiseMultiplierFor({ targetEpsilon: 1e-9, delta: 1e-5, sampleRate: 1, steps: 1000 })).toThrow(error)
    expect(() => noiseMultiplierFor({ targetEpsilon: 0, delta: 1e-5, sampleRate: 0.1, steps: 10 })).toThrow(error)
    expect(() => noiseMultiplierFor({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.1, steps: 10, tolerance: 0 })).toThrow(error)
  })
})
