import { type DatasetSchema, evaluateAccuracy, loadLogisticRegression, loadMlpClassifier } from '@datavault/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { logisticRegressionTrainer } from '../logistic-regression/definition.ts'
import { type ClassificationData, rings, xor } from '../testing/datasets.ts'
import { type TrainerSandbox, createTrainerSandbox } from '../testing/sandbox.ts'
import { mlpClassifierTrainer } from './definition.ts'

const schema = (classes: string[], bound: number | undefined, rows?: number) =>
  ({
    format: 'csv',
    ...(rows === undefined ? {} : { rows }),
    columns: [
      ...['f1', 'f2'].map((name) => ({ name, type: 'number', ...(bound === undefined ? {} : { min: -bound, max: bound }) })),
      { name: 'label', type: 'category', values: classes },
    ],
  }) as DatasetSchema

let mlp: TrainerSandbox
let logistic: TrainerSandbox

async function heldOutAccuracy(sandbox: TrainerSandbox, load: typeof loadMlpClassifier | typeof loadLogisticRegression, s: DatasetSchema, params: Record<string, unknown>, train: ClassificationData, test: ClassificationData) {
  const run = await sandbox.train(s, params, train.csv)
  expect(run.result, run.result.errorCode).toMatchObject({ outcome: 'exited', exitCode: 0, protocolViolations: 0 })
  const released = await sandbox.release(run)
  const model = load(released.files.find((file) => file.name === 'model.safetensors')!.bytes)
  return { accuracy: evaluateAccuracy(model, test.features, test.labels), released, model, run }
}

describe('mlp-classifier trainer in the sandbox', () => {
  beforeAll(async () => {
    ;[mlp, logistic] = await Promise.all([createTrainerSandbox(mlpClassifierTrainer), createTrainerSandbox(logisticRegressionTrainer)])
  })
  afterAll(async () => {
    await Promise.all([mlp?.dispose(), logistic?.dispose()])
  })

  test('default: XOR, one hidden layer: the guard accepts, held-out accuracy far above logistic regression', async () => {
    const s = schema(['same', 'diff'], undefined)
    const train = xor(2000, 1)
    const test = xor(1000, 2)
    const net = await heldOutAccuracy(mlp, loadMlpClassifier, s, { label: 'label', hidden: [16], epochs: 30 }, train, test)
    const linear = await heldOutAccuracy(logistic, loadLogisticRegression, s, { label: 'label', epochs: 30 }, train, test)
    console.log(`XOR held-out accuracy: mlp ${net.accuracy}, logistic regression ${linear.accuracy}; mlp total ${net.run.result.durationMs.toFixed(0)} ms`)
    expect(net.run.events.filter((e) => e.event === 'epoch')).toHaveLength(30)
    expect(Object.keys(net.released.metrics).sort()).toEqual(['accuracy', 'epochs', 'loss', 'rows'])
    expect(net.released.metrics.accuracy).toBeGreaterThan(0.95)
    expect(net.model).toMatchObject({ hidden: [16], classes: ['same', 'diff'], features: ['f1', 'f2'], scaling: 'standardize' })
    expect(net.accuracy).toBeGreaterThan(0.95)
    expect(linear.accuracy).toBeLessThan(0.65)
  })

  test('behavior: concentric rings, two hidden layers', async () => {
    const s = schema(['inner', 'outer'], undefined)
    const train = rings(2000, 3)
    const test = rings(1000, 4)
    const net = await heldOutAccuracy(mlp, loadMlpClassifier, s, { label: 'label', hidden: [16, 8], epochs: 30 }, train, test)
    const linear = await heldOutAccuracy(logistic, loadLogisticRegression, s, { label: 'label', epochs: 30 }, train, test)
    console.log(`rings held-out accuracy: mlp ${net.accuracy}, logistic regression ${linear.accuracy}`)
    expect(net.released.files[0]!.bytes.length).toBeGreaterThan(4 * (16 * 2 + 16 + 8 * 16 + 8 + 2 * 8 + 2))
    expect(net.accuracy).toBeGreaterThan(0.95)
    expect(linear.accuracy).toBeLessThan(0.65)
  })

  test('behavior: DP-SGD (σ = 1, C = 1) on XOR: the guard accepts; only public metrics; still learns', async () => {
    const s = schema(['same', 'diff'], 1, 2000)
    const params = { label: 'label', hidden: [16], epochs: 20, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }
    const net = await heldOutAccuracy(mlp, loadMlpClassifier, s, params, xor(2000, 1), xor(1000, 2))
    console.log(`XOR DP σ=1 held-out accuracy: mlp ${net.accuracy}`)
    // 2,000 declared rows: 20% held out by default, scored with noise (parallel composition: the same ε).
    expect(net.released.metrics).toEqual({ rows: 2000, epochs: 20, steps: 620, sampleRate: 0.032, noiseMultiplier: 1, maxGradNorm: 1, delta: 1e-5, validationRows: expect.any(Number), validationLoss: expect.any(Number), validationAccuracy: expect.any(Number) })
    expect(net.released.metrics.validationAccuracy).toBeGreaterThan(0.6)
    expect(net.model.privacy).toEqual({ noiseMultiplier: 1, maxGradNorm: 1, sampleRate: 0.032, steps: 620, delta: 1e-5 })
    expect(mlpClassifierTrainer.privacy!(s, params)).toEqual({ sampleRate: 0.032, noiseMultiplier: 1, steps: 620, delta: 1e-5 })
    // Epoch events carry the privatized loss, one per epoch.
    expect(net.run.events.filter((e) => e.event === 'epoch')).toHaveLength(20)
    expect(net.accuracy).toBeGreaterThan(0.9)
  })

  test('error: DP on a schema without bounds stops with dp-missing-bounds before reading data', async () => {
    const run = await mlp.train(schema(['same', 'diff'], undefined, 2000), { label: 'label', dp: { noiseMultiplier: 1, maxGradNorm: 1 } }, xor(2000, 1).csv)
    expect(run.result).toMatchObject({ outcome: 'exited', exitCode: 2, errorCode: 'dp-missing-bounds' })
  })
})
