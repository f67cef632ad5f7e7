import { type DatasetSchema, differentialPrivacyMetricNames, evaluateRegression, loadLinearRegression } from '@datavault/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { linear } from '../testing/datasets.ts'
import { type TrainerSandbox, createTrainerSandbox } from '../testing/sandbox.ts'
import { linearRegressionTrainer } from './definition.ts'

const schema = (rows?: number) =>
  ({
    format: 'csv',
    ...(rows === undefined ? {} : { rows }),
    columns: [
      { name: 'f1', type: 'number', min: -4, max: 4 },
      { name: 'f2', type: 'number', min: -20, max: 20 },
      { name: 'f3', type: 'number', min: 96, max: 104 },
      { name: 'label', type: 'number', min: -40, max: 60 },
    ],
  }) as DatasetSchema

const data = linear(2000, 1)
const heldOut = linear(1000, 2)
let sandbox: TrainerSandbox

describe('linear-regression trainer in the sandbox', () => {
  beforeAll(async () => {
    sandbox = await createTrainerSandbox(linearRegressionTrainer)
  })
  afterAll(async () => {
    await sandbox?.dispose()
  })

  test('default: 2,000 rows: trains, the guard accepts, the buyer predicts held-out rows', async () => {
    const run = await sandbox.train(schema(), { label: 'label', epochs: 20 }, data.csv)
    expect(run.result).toMatchObject({ outcome: 'exited', exitCode: 0, protocolViolations: 0 })
    expect(run.events.filter((e) => e.event === 'epoch')).toHaveLength(1) // the exact solve: one step
    expect(run.events.at(-1)).toEqual({ event: 'done' })
    console.log(`linear-regression: total ${run.result.durationMs.toFixed(0)} ms, start ${run.result.startLatencyMs?.toFixed(0)} ms`)
    const released = await sandbox.release(run)
    expect(Object.keys(released.metrics).sort()).toEqual(['epochs', 'loss', 'r2', 'rows'])
    expect(released.metrics.r2).toBeGreaterThan(0.99)
    const model = loadLinearRegression(released.files[0]!.bytes)
    expect(model).toMatchObject({ label: 'label', features: ['f1', 'f2', 'f3'], scaling: 'standardize', privacy: undefined })
    const quality = evaluateRegression(model, heldOut.features, heldOut.targets)
    console.log(`linear-regression held-out: R² ${quality.r2.toFixed(4)}, MSE ${quality.mse.toFixed(3)}`)
    expect(quality.r2).toBeGreaterThan(0.99)
  })

  test('behavior: DP-SGD (σ = 1, C = 1): the guard accepts, only public metrics, the model still fits', async () => {
    const params = { label: 'label', epochs: 20, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }
    const run = await sandbox.train(schema(2000), params, data.csv)
    expect(run.result).toMatchObject({ outcome: 'exited', exitCode: 0 })
    const released = await sandbox.release(run)
    // 2,000 declared rows: 20% held out by default, scored with noise at no extra ε (the regression's R² from noisy sums).
    expect(Object.keys(released.metrics).sort()).toEqual([...differentialPrivacyMetricNames, 'validationRows', 'validationLoss', 'validationR2'].sort())
    expect(released.metrics).toMatchObject({ rows: 2000, steps: 20 * 31, sampleRate: 0.032, noiseMultiplier: 1 })
    // The noisy R² is a ratio of noisy sums (one epoch of sampling at q = 0.032, σ = 1): it can land
    // anywhere below 1, and at 0 when the noisy variance is not positive, so only its range and the
    // noisy count (about 400 held-out rows; binomial split, Poisson sampling and noise give ~30 rows
    // of spread) are checked here; the noisy sums behind it average to the true ones (private-validation.test.ts).
    expect(released.metrics.validationR2).toBeLessThanOrEqual(1)
    expect(Math.abs(released.metrics.validationRows! - 400)).toBeLessThan(150)
    expect(linearRegressionTrainer.privacy!(schema(2000), params)).toEqual({ sampleRate: 0.032, noiseMultiplier: 1, steps: 620, delta: 1e-5 })
    const model = loadLinearRegression(released.files[0]!.bytes)
    expect(model).toMatchObject({ scaling: 'bounds', privacy: { noiseMultiplier: 1, maxGradNorm: 1, sampleRate: 0.032, steps: 620, delta: 1e-5 } })
    const quality = evaluateRegression(model, heldOut.features, heldOut.targets)
    console.log(`linear-regression DP σ=1 held-out: R² ${quality.r2.toFixed(4)}`)
    expect(quality.r2).toBeGreaterThan(0.9)
  })

  test('error: a DP run on data whose row count differs from the schema fails with rows-mismatch', async () => {
    const run = await sandbox.train(schema(2001), { label: 'label', epochs: 1, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }, data.csv)
    expect(run.result).toMatchObject({ outcome: 'exited', exitCode: 2, errorCode: 'rows-mismatch' })
  })
})
