import { describe, expect, test } from 'vitest'
import { calibrateNoise } from './calibrateNoise.ts'
import { epsilonFor } from './epsilonFor.ts'

// A DP-SGD plan as the built-in trainers derive it: q = batchSize / rows, steps = epochs × round(1 / q).
const rows = 1000
const plan = (params: Record<string, unknown>) => {
  const dp = params.dp as { noiseMultiplier: number; delta?: number } | undefined
  if (!dp) return undefined
  const batchSize = (params.batchSize as number | undefined) ?? 50
  const sampleRate = batchSize / rows
  return { sampleRate, steps: ((params.epochs as number | undefined) ?? 5) * Math.round(1 / sampleRate), delta: dp.delta ?? 1e-4 }
}

describe('calibrateNoise', () => {
  test('default: a target ε becomes the σ whose run spends at most it, and just under it', () => {
    const { params, targetEpsilon } = calibrateNoise({ params: { label: 'y', epochs: 5, dp: { targetEpsilon: 3, maxGradNorm: 1 } }, plan })
    expect(targetEpsilon).toBe(3)
    const dp = params.dp as { noiseMultiplier: number; maxGradNorm: number }
    expect(Object.keys(dp).sort()).toEqual(['maxGradNorm', 'noiseMultiplier'])
    expect(params).toMatchObject({ label: 'y', epochs: 5, dp: { maxGradNorm: 1 } })
    const spent = epsilonFor({ sampleRate: 0.05, noiseMultiplier: dp.noiseMultiplier, steps: 100, delta: 1e-4 })
    expect(spent).toBeLessThanOrEqual(3)
    expect(spent).toBeGreaterThan(3 - 1e-3)
  })

  test('args: the run’s epochs and δ decide σ; without a target the parameters come back as they were', () => {
    const sigma = (extra: Record<string, unknown>) =>
      (calibrateNoise({ params: { epochs: 5, ...extra, dp: { targetEpsilon: 3, maxGradNorm: 1, ...(extra.dp as object) } }, plan }).params.dp as { noiseMultiplier: number }).noiseMultiplier
    expect(sigma({ epochs: 20 })).toBeGreaterThan(sigma({}))
    expect(sigma({ dp: { delta: 1e-6 } })).toBeGreaterThan(sigma({}))
    const plain = { label: 'y', dp: { noiseMultiplier: 1.1, maxGradNorm: 1 } }
    expect(calibrateNoise({ params: plain, plan })).toEqual({ params: plain, targetEpsilon: undefined })
    expect(calibrateNoise({ params: { label: 'y' }, plan }).params).toEqual({ label: 'y' })
  })

  test('args: a given solver is asked with the run\'s q, steps and δ', () => {
    const asked: unknown[] = []
    const { params } = calibrateNoise({ params: { epochs: 2, dp: { targetEpsilon: 3, maxGradNorm: 1 } }, plan, solve: (args) => (asked.push(args), 2.5) })
    expect(asked).toEqual([{ targetEpsilon: 3, delta: 1e-4, sampleRate: 0.05, steps: 40 }])
    expect(params.dp).toEqual({ maxGradNorm: 1, noiseMultiplier: 2.5 })
  })

  test('error: both σ and a target, a trainer without DP, and a target no allowed σ reaches', () => {
    const error = (details: string) => expect.objectContaining({ code: 'PRIVACY_ARGUMENT_INVALID', details: expect.stringContaining(details) })
    expect(() => calibrateNoise({ params: { dp: { targetEpsilon: 3, noiseMultiplier: 1, maxGradNorm: 1 } }, plan })).toThrow(error('not both'))
    expect(() => calibrateNoise({ params: { dp: { targetEpsilon: 3, maxGradNorm: 1 } }, plan: () => undefined })).toThrow(error('no DP-SGD'))
    expect(() => calibrateNoise({ params: { epochs: 100, dp: { targetEpsilon: 0.001, maxGradNorm: 1 } }, plan, maxNoiseMultiplier: 10 })).toThrow(error('above the 10'))
    expect(() => calibrateNoise({ params: { dp: { targetEpsilon: -1, maxGradNorm: 1 } }, plan })).toThrow(error('targetEpsilon'))
  })
})
