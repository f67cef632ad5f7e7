import { afterAll, describe, expect, test } from 'vitest'
import { calibrateNoise } from '@datavault/compute-to-data'
import { type NoiseCalibrator, noiseCalibrator } from './noise-calibrator.ts'

// A DP-SGD plan as the built-in trainers derive it: q = batchSize / rows, steps = epochs × round(1 / q).
const plan = (params: Record<string, unknown>) => {
  const dp = params.dp as { noiseMultiplier: number; delta?: number } | undefined
  if (!dp) return undefined
  const sampleRate = ((params.batchSize as number | undefined) ?? 100) / 1000
  return { sampleRate, steps: ((params.epochs as number | undefined) ?? 3) * Math.round(1 / sampleRate), delta: dp.delta ?? 1e-5 }
}
const target = (targetEpsilon: number, extra: Record<string, unknown> = {}) => ({ params: { label: 'y', ...extra, dp: { targetEpsilon, maxGradNorm: 1 } }, plan })
/** Whether `promise` has settled by the time the event loop has turned once (a setImmediate). */
const settledAfterOneTurn = async (promise: Promise<unknown>) => {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await new Promise((resolve) => setImmediate(resolve))
  return settled
}

// One calibrator (one thread to start) for the file; each test asks for targets no other asks for.
const calibrator: NoiseCalibrator = noiseCalibrator({ maxPending: 2 })
afterAll(() => calibrator.close())

describe('noiseCalibrator', () => {
  test('default: the same answer as calibrateNoise, solved while the event loop keeps turning', async () => {
    const solving = calibrator.calibrate(target(0.5))
    // A solve on the event loop would have finished before the loop turned; this one is still under way.
    expect(calibrator.pending).toBe(1)
    expect(await settledAfterOneTurn(solving)).toBe(false)
    expect(calibrator.pending).toBe(1)
    expect(await solving).toEqual(calibrateNoise(target(0.5)))
    expect(calibrator.pending).toBe(0)
    // Parameters without a target come back as they were, without a solve.
    const plain = { params: { label: 'y', dp: { noiseMultiplier: 1.1, maxGradNorm: 1 } }, plan }
    expect(await calibrator.calibrate(plain)).toEqual({ params: plain.params, targetEpsilon: undefined })
  }, 60_000)

  test('behavior: a repeated calibration is answered from the memo; an identical one in flight is shared, not solved twice', async () => {
    const [first, same] = [calibrator.calibrate(target(2)), calibrator.calibrate(target(2))]
    expect(calibrator.pending).toBe(1)
    // With one place left, a second distinct solve still fits: the shared one took a single place.
    const other = calibrator.calibrate(target(2, { epochs: 2 }))
    expect(calibrator.pending).toBe(2)
    await other
    const [a, b] = await Promise.all([first, same])
    expect(b).toEqual(a)
    const again = calibrator.calibrate(target(2, { label: 'other' }))
    expect(calibrator.pending).toBe(0)
    expect(await again).toEqual({ ...a, params: { ...a.params, label: 'other' } })
  }, 60_000)

  test('error: one distinct solve more than maxPending is a 429 CALIBRATION_BUSY; there is room again once one finishes', async () => {
    const first = calibrator.calibrate(target(1))
    const second = calibrator.calibrate(target(1, { epochs: 4 }))
    await expect(calibrator.calibrate(target(1, { epochs: 5 }))).rejects.toMatchObject({ name: 'CalibrationBusyError', code: 'CALIBRATION_BUSY', status: 429 })
    // What calibrateNoise refuses before any solve is refused the same way, busy or not.
    await expect(calibrator.calibrate({ params: { dp: { targetEpsilon: 3, noiseMultiplier: 1, maxGradNorm: 1 } }, plan })).rejects.toMatchObject({
      code: 'PRIVACY_ARGUMENT_INVALID',
    })
    await Promise.all([first, second])
    expect(await calibrator.calibrate(target(1, { epochs: 5 }))).toEqual(calibrateNoise(target(1, { epochs: 5 })))
  }, 60_000)

  test('error: a target no σ reaches fails as calibrateNoise fails, and the failure is remembered', async () => {
    const impossible = { params: { epochs: 100, batchSize: 1000, dp: { targetEpsilon: 1e-7, maxGradNorm: 1 } }, plan }
    let expected: unknown
    try {
      calibrateNoise(impossible)
    } catch (error) {
      expected = error
    }
    expect(expected).toMatchObject({ code: 'PRIVACY_ARGUMENT_INVALID' })
    const { details } = expected as { details: string }
    await expect(calibrator.calibrate(impossible)).rejects.toMatchObject({ name: 'PrivacyArgumentError', code: 'PRIVACY_ARGUMENT_INVALID', details })
    const again = calibrator.calibrate(impossible)
    expect(calibrator.pending).toBe(0)
    await expect(again).rejects.toMatchObject({ code: 'PRIVACY_ARGUMENT_INVALID', details })
  }, 60_000)
})
