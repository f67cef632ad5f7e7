import { type DatasetSchema, type TorchMlpClassifierModel, type TorchMlpRegressionModel, evaluateAccuracy, loadMlpClassifier, loadModel, loadTorchMlp, predict } from '@datavault/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { epsilonFor } from '../../privacy/epsilonFor.ts'
import { mlpClassifierTrainer } from '../mlp-classifier/definition.ts'
import { type ClassificationData, linear, rings, xor } from '../testing/datasets.ts'
import { type TrainerSandbox, createTrainerSandbox } from '../testing/sandbox.ts'
import { torchMlpTrainer } from './definition.ts'

// Real torch in the real sandbox: skipped only where Debian's python3-torch is not installed.

const classSchema = (classes: string[], bound: number | undefined, rows?: number) =>
  ({
    format: 'csv',
    ...(rows === undefined ? {} : { rows }),
    columns: [
      ...['f1', 'f2'].map((name) => ({ name, type: 'number', ...(bound === undefined ? {} : { min: -bound, max: bound }) })),
      { name: 'label', type: 'category', values: classes },
    ],
  }) as DatasetSchema

const regressionSchema = {
  format: 'csv',
  columns: [
    { name: 'f1', type: 'number' },
    { name: 'f2', type: 'number' },
    { name: 'f3', type: 'number' },
    { name: 'label', type: 'number' },
  ],
} as DatasetSchema

let torch: TrainerSandbox
let mlp: TrainerSandbox

async function trainAndRelease(sandbox: TrainerSandbox, s: DatasetSchema, params: Record<string, unknown>, csv: string) {
  const run = await sandbox.train(s, params, csv)
  expect(run.result, run.result.errorCode ?? run.result.stderrTail).toMatchObject({ outcome: 'exited', exitCode: 0, protocolViolations: 0 })
  const released = await sandbox.release(run)
  const bytes = released.files.find((file) => file.name === 'model.safetensors')!.bytes
  return { run, released, bytes }
}

describe('torch-mlp trainer in the sandbox (Debian python3-torch, CPU)', () => {
  beforeAll(async () => {
    ;[torch, mlp] = await Promise.all([createTrainerSandbox(torchMlpTrainer), createTrainerSandbox(mlpClassifierTrainer)])
  }, 60_000)
  afterAll(async () => {
    await Promise.all([torch?.dispose(), mlp?.dispose()])
  })

  test('default: the bundle is train.py byte for byte, run by Python', async () => {
    const { readFile } = await import('node:fs/promises')
    const { createHash } = await import('node:crypto')
    const source = await readFile(torchMlpTrainer.entry)
    expect(torch.bundle.sha256).toBe(`0x${createHash('sha256').update(source).digest('hex')}`)
    expect(torch.bundle).toMatchObject({ runtime: 'pytorch', program: 'python', bytes: source.byteLength })
    expect(torch.bundle.path.endsWith('.py')).toBe(true)
  })

  test('behavior: XOR and rings, same data and split: held-out accuracy within 1 point of mlp-classifier; the SDK predicts what the trainer measured', async () => {
    const cases: [string, DatasetSchema, Record<string, unknown>, ClassificationData, ClassificationData][] = [
      ['xor', classSchema(['same', 'diff'], undefined), { label: 'label', hidden: [16], epochs: 30 }, xor(2000, 1), xor(1000, 2)],
      ['rings', classSchema(['inner', 'outer'], undefined), { label: 'label', hidden: [16, 8], epochs: 30 }, rings(2000, 3), rings(1000, 4)],
    ]
    for (const [name, s, params, train, held] of cases) {
      const t = await trainAndRelease(torch, s, params, train.csv)
      const m = await trainAndRelease(mlp, s, params, train.csv)
      const torchModel = loadTorchMlp(t.bytes)
      if (torchModel.task !== 'classification') throw new Error('expected a classifier')
      const torchAccuracy = evaluateAccuracy(torchModel, held.features, held.labels)
      const mlpAccuracy = evaluateAccuracy(loadMlpClassifier(m.bytes), held.features, held.labels)
      console.log(`${name} held-out accuracy: torch-mlp ${torchAccuracy}, mlp-classifier ${mlpAccuracy}; torch run ${t.run.result.durationMs.toFixed(0)} ms, mlp run ${m.run.result.durationMs.toFixed(0)} ms`)
      expect(Math.abs(torchAccuracy - mlpAccuracy)).toBeLessThanOrEqual(0.01)
      expect(torchAccuracy).toBeGreaterThan(0.95)
      expect(t.run.events.filter((e) => e.event === 'epoch')).toHaveLength(30)
      expect(Object.keys(t.released.metrics).sort()).toEqual(['accuracy', 'epochs', 'loss', 'rows'])
      // The SDK, on the training rows, reproduces the trainer's own training accuracy.
      expect(evaluateAccuracy(torchModel, train.features, train.labels)).toBeCloseTo(t.released.metrics.accuracy!, 3)
      expect(loadModel(t.bytes)).toMatchObject({ trainer: 'torch-mlp', task: 'classification', hidden: params.hidden, features: ['f1', 'f2'] })
    }
  }, 240_000)

  test('behavior: regression: the guard accepts, R² high, the SDK predicts in the label units with the trainer MSE', async () => {
    const train = linear(2000, 5)
    const held = linear(500, 6)
    const { released, bytes, run } = await trainAndRelease(torch, regressionSchema, { label: 'label', hidden: [32], epochs: 20 }, train.csv)
    expect(Object.keys(released.metrics).sort()).toEqual(['epochs', 'loss', 'r2', 'rows'])
    expect(released.metrics.r2).toBeGreaterThan(0.98)
    const model = loadTorchMlp(bytes)
    expect(model).toMatchObject({ task: 'regression', label: 'label', features: ['f1', 'f2', 'f3'] })
    const fitted = predict(model as TorchMlpRegressionModel, train.features)
    const mse = fitted.reduce((sum, y, i) => sum + (y - train.targets[i]!) ** 2, 0) / fitted.length
    expect(mse).toBeCloseTo(released.metrics.loss!, 2)
    const heldOut = predict(bytes, held.features) as number[]
    const heldMse = heldOut.reduce((sum, y, i) => sum + (y - held.targets[i]!) ** 2, 0) / heldOut.length
    console.log(`regression: train MSE ${released.metrics.loss}, held-out MSE ${heldMse}, R² ${released.metrics.r2}; ${run.result.durationMs.toFixed(0)} ms`)
    expect(heldMse).toBeLessThan(1) // noise variance is 0.25
  }, 120_000)

  test('behavior: deterministic: the same seed gives the same weights', async () => {
    const s = classSchema(['same', 'diff'], undefined)
    const params = { label: 'label', hidden: [8], epochs: 3, seed: 7 }
    const a = await trainAndRelease(torch, s, params, xor(500, 9).csv)
    const b = await trainAndRelease(torch, s, params, xor(500, 9).csv)
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true)
  }, 120_000)

  test('behavior: DP-SGD (σ = 1, C = 1) on XOR: declared steps, ε as the accountant computes it for the plan, only public metrics, still learns', async () => {
    const s = classSchema(['same', 'diff'], 1, 2000)
    const params = { label: 'label', hidden: [16], epochs: 20, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }
    const { released, bytes, run } = await trainAndRelease(torch, s, params, xor(2000, 1).csv)
    const privacy = torchMlpTrainer.privacy!(s, torchMlpTrainer.parameters.parse(params))!
    expect(privacy).toEqual({ sampleRate: 0.032, noiseMultiplier: 1, steps: 620, delta: 1e-5 })
    // The same plan as mlp-classifier's for the same parameters, so the same ε from the accountant.
    expect(privacy).toEqual(mlpClassifierTrainer.privacy!(s, mlpClassifierTrainer.parameters.parse(params)))
    expect(epsilonFor(privacy)).toBeCloseTo(epsilonFor(mlpClassifierTrainer.privacy!(s, mlpClassifierTrainer.parameters.parse(params))!), 12)
    // 2,000 declared rows: 20% held out by default, scored with noise (parallel composition: the same ε).
    expect(released.metrics).toEqual({ rows: 2000, epochs: 20, steps: 620, sampleRate: 0.032, noiseMultiplier: 1, maxGradNorm: 1, delta: 1e-5, validationRows: expect.any(Number), validationLoss: expect.any(Number), validationAccuracy: expect.any(Number) })
    const model = loadTorchMlp(bytes)
    expect(model.privacy).toEqual({ noiseMultiplier: 1, maxGradNorm: 1, sampleRate: 0.032, steps: 620, delta: 1e-5 })
    expect(model.scaling).toBe('bounds')
    expect(run.events.filter((e) => e.event === 'epoch')).toHaveLength(20)
    const held = xor(1000, 2)
    const accuracy = evaluateAccuracy(model as TorchMlpClassifierModel, held.features, held.labels)
    console.log(`XOR DP σ=1 held-out accuracy: torch-mlp ${accuracy}`)
    expect(accuracy).toBeGreaterThan(0.85)
  }, 120_000)

  test('error: bad CSV, a missing column, a non-numeric cell, an unknown class, a ragged row, no rows, DP without bounds, DP rows mismatch: the right code', async () => {
    const s = classSchema(['same', 'diff'], undefined)
    const cases: [string, DatasetSchema, Record<string, unknown>, string][] = [
      ['bad-csv', s, { label: 'label' }, 'f1,f2,label\n0.1,"0.2,same\n'],
      ['missing-column', s, { label: 'label' }, 'f1,label\n0.1,same\n'],
      ['non-numeric-cell', s, { label: 'label' }, 'f1,f2,label\n0.1,abc,same\n'],
      ['unknown-label-value', s, { label: 'label' }, 'f1,f2,label\n0.1,0.2,other\n'],
      ['ragged-row', s, { label: 'label' }, 'f1,f2,label\n0.1,0.2\n'],
      ['no-rows', s, { label: 'label' }, 'f1,f2,label\n'],
      ['dp-missing-bounds', classSchema(['same', 'diff'], undefined, 2000), { label: 'label', dp: { noiseMultiplier: 1, maxGradNorm: 1 } }, xor(2000, 1).csv],
      ['rows-mismatch', classSchema(['same', 'diff'], 1, 2000), { label: 'label', dp: { noiseMultiplier: 1, maxGradNorm: 1 } }, xor(1999, 1).csv],
    ]
    for (const [code, schema, params, csv] of cases) {
      const run = await torch.train(schema, params, csv)
      expect(run.result, code).toMatchObject({ outcome: 'exited', exitCode: 2, errorCode: code, protocolViolations: 0 })
      expect(run.events.some((e) => e.event === 'done')).toBe(false)
    }
  }, 240_000)
})
