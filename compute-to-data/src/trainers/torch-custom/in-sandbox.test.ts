import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { type DatasetSchema, decodeSafetensors } from '@datavault/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type TrainerSandbox, createTrainerSandbox } from '../testing/sandbox.ts'
import { torchCustomTrainer } from './definition.ts'

// Real torch in the real bubblewrap sandbox, with the buyer's model as hostile as it gets. Jobs
// are tiny (20 or 60 rows, one or two epochs): each example's gradient is a fresh process.

const source = (path: string) => readFile(fileURLToPath(new URL(path, import.meta.url)), 'utf8')

const schema = (rows: number) =>
  ({
    format: 'csv',
    rows,
    columns: [
      { name: 'f1', type: 'number', min: -1, max: 1 },
      { name: 'f2', type: 'number', min: -1, max: 1 },
      { name: 'label', type: 'category', values: ['a', 'b'] },
    ],
  }) as DatasetSchema

/** Rows with both features in [0.5, 1] (so every scaled value is positive), labels alternating; a canary digit run in f1. */
function positiveRows(rows: number): string {
  const lines = ['f1,f2,label']
  for (let i = 0; i < rows; i++) lines.push(`0.${5123 + i * 7},0.${6 + (i % 3)},${i % 2 ? 'a' : 'b'}`)
  return `${lines.join('\n')}\n`
}

/** A separable task: label b when f1 + f2 > 0. */
function separableRows(rows: number): { csv: string; points: [number, number, number][] } {
  const points: [number, number, number][] = []
  let state = 7
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return (state / 2 ** 31) * 2 - 1
  }
  for (let i = 0; i < rows; i++) {
    const a = Number(next().toFixed(3))
    const b = Number(next().toFixed(3))
    points.push([a, b, a + b > 0 ? 1 : 0])
  }
  return { csv: `f1,f2,label\n${points.map(([a, b, k]) => `${a},${b},${k ? 'b' : 'a'}`).join('\n')}\n`, points }
}

function tensors(bytes: Uint8Array): Record<string, number[]> {
  const decoded = decodeSafetensors(bytes)
  return Object.fromEntries(Object.entries(decoded.tensors).map(([name, tensor]) => [name, [...(tensor.data as Float32Array)]]))
}

let sandbox: TrainerSandbox

describe('torch-custom trainer in the sandbox (Debian python3-torch, CPU)', () => {
  beforeAll(async () => {
    sandbox = await createTrainerSandbox(torchCustomTrainer)
  }, 60_000)
  afterAll(async () => {
    await sandbox?.dispose()
  })

  test('default: a two-layer model learns a separable task; only the declared parameters and public metrics leave', async () => {
    const { csv, points } = separableRows(60)
    const model = {
      source: await source('./examples/two-layer.py'),
      parameters: [
        { name: 'hidden.weight', shape: [8, 2] },
        { name: 'hidden.bias', shape: [8] },
        { name: 'out.weight', shape: [2, 8] },
        { name: 'out.bias', shape: [2] },
      ],
    }
    const params = { label: 'label', model, epochs: 2, batchSize: 20, learningRate: 2, dp: { noiseMultiplier: 0.5, maxGradNorm: 1 } }
    const run = await sandbox.train(schema(60), params, csv)
    expect(run.result, run.result.errorCode ?? run.result.stderrTail).toMatchObject({ outcome: 'exited', exitCode: 0, protocolViolations: 0 })
    expect(run.events.filter((event) => event.event === 'epoch')).toHaveLength(2)
    const released = await sandbox.release(run)
    expect(released.metrics).toEqual({ rows: 60, epochs: 2, steps: 6, sampleRate: 1 / 3, noiseMultiplier: 0.5, maxGradNorm: 1, delta: 1e-5 })
    const model0 = released.files.find((file) => file.name === 'model.safetensors')!
    const decoded = decodeSafetensors(model0.bytes)
    expect(Object.keys(decoded.tensors).sort()).toEqual(['feature_mean', 'feature_std', 'hidden.bias', 'hidden.weight', 'out.bias', 'out.weight'])
    expect(decoded.metadata).toMatchObject({ trainer: 'torch-custom', model: expect.stringMatching(/^0x[0-9a-f]{64}$/), scaling: 'bounds' })
    // The released network, evaluated here, beats chance clearly on its own training rows.
    const t = tensors(model0.bytes)
    const predict = ([a, b]: [number, number, number]) => {
      const h = Array.from({ length: 8 }, (_, j) => Math.tanh(t['hidden.weight']![j * 2]! * a + t['hidden.weight']![j * 2 + 1]! * b + t['hidden.bias']![j]!))
      const out = [0, 1].map((k) => h.reduce((sum, v, j) => sum + v * t['out.weight']![k * 8 + j]!, t['out.bias']![k]!))
      return out[1]! > out[0]! ? 1 : 0
    }
    const accuracy = points.filter((point) => predict(point) === point[2]).length / points.length
    expect(accuracy).toBeGreaterThan(0.75)
  }, 180_000)

  test('behavior: state between examples (globals, attributes, closures, class and builtins, files, fork, sockets), reading /data, writing /out and in-place writes carry nothing', async () => {
    const model = { source: await source('./hostile/stash.py'), parameters: [{ name: 'control', shape: [1] }, { name: 'leak', shape: [10] }] }
    const params = { label: 'label', model, epochs: 1, batchSize: 10, learningRate: 1, dp: { noiseMultiplier: 1e-6, maxGradNorm: 100 } }
    const run = await sandbox.train(schema(20), params, positiveRows(20))
    expect(run.result, run.result.errorCode ?? run.result.stderrTail).toMatchObject({ outcome: 'exited', exitCode: 0, protocolViolations: 0 })
    const released = await sandbox.release(run)
    expect(released.files.map((file) => file.name).sort()).toEqual(['metrics.json', 'model.safetensors'])
    const t = tensors(released.files.find((file) => file.name === 'model.safetensors')!.bytes)
    // Every example's gradient reached the node (control moved by about -1 per ten examples)…
    expect(t.control![0]).toBeLessThan(-0.5)
    // …and no channel recovered anything of an earlier example (noise is 1e-6 · C / L per step).
    for (const [channel, value] of t.leak!.entries()) expect(Math.abs(value), `channel ${channel}`).toBeLessThan(1e-3)
  }, 120_000)

  test('behavior: printing, raw writes to fds 1 and 2, exceptions carrying rows, and replacing torch\'s RNG reach neither logs nor events, nor the noise', async () => {
    const model = { source: await source('./hostile/loud.py'), parameters: [{ name: 'w', shape: [4] }] }
    const params = { label: 'label', model, epochs: 1, batchSize: 10, learningRate: 1, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }
    const run = await sandbox.train(schema(20), params, positiveRows(20))
    expect(run.result, run.result.errorCode ?? run.result.stderrTail).toMatchObject({ outcome: 'exited', exitCode: 0, protocolViolations: 0 })
    expect(run.result.stderrTail).not.toMatch(/row|0\.51/)
    expect(run.events.map((event) => event.event)).toEqual(['started', 'epoch', 'done'])
    const released = await sandbox.release(run)
    const t = tensors(released.files.find((file) => file.name === 'model.safetensors')!.bytes)
    // Zero gradients everywhere, yet the parameters moved: the node's noise, drawn in the node's process.
    expect(Math.max(...t.w!.map(Math.abs))).toBeGreaterThan(1e-3)
  }, 120_000)

  test('behavior: validation metrics are the node\'s: a model whose loss lies (always 0) and answers right gets high accuracy, one that answers wrong gets low; validationFraction 0 releases none', async () => {
    const { csv } = separableRows(60)
    // The module answers from the features (class b when f1 + f2 > 0, or the opposite); its loss reports 0 whatever happens.
    const oracle = (sign: number) => ({
      source: [
        'import torch',
        'class M(torch.nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.w = torch.nn.Parameter(torch.zeros(1))',
        '    def forward(self, x):',
        `        s = ${sign} * (x[:, 0] + x[:, 1]) * 100 + self.w * 0`,
        '        return torch.stack([-s, s], dim=1)',
        'def build(inputs, outputs):',
        '    return M()',
        'def loss(output, target):',
        '    return output.sum() * 0',
      ].join('\n'),
      parameters: [{ name: 'w', shape: [1] }],
    })
    const params = (sign: number, validation?: number) => ({
      label: 'label',
      model: oracle(sign),
      epochs: 1,
      batchSize: 30,
      learningRate: 0.1,
      validationFraction: validation ?? 0.5,
      dp: { noiseMultiplier: 0.2, maxGradNorm: 1 },
    })
    const right = await sandbox.release(await sandbox.train(schema(60), params(1), csv))
    const wrong = await sandbox.release(await sandbox.train(schema(60), params(-1), csv))
    console.log(`torch-custom validation (σ 0.2, 60 rows, half held out): right ${right.metrics.validationAccuracy}, wrong ${wrong.metrics.validationAccuracy}`)
    expect(right.metrics.validationAccuracy).toBeGreaterThan(0.7)
    expect(wrong.metrics.validationAccuracy).toBeLessThan(0.3)
    // The program's loss said 0; the node's clipped loss is what it is (0 too here, plus noise, clamped at 0).
    expect(right.metrics.validationLoss).toBeGreaterThanOrEqual(0)
    const none = await sandbox.release(await sandbox.train(schema(60), params(1, 0), csv))
    expect(Object.keys(none.metrics).sort()).toEqual(['delta', 'epochs', 'maxGradNorm', 'noiseMultiplier', 'rows', 'sampleRate', 'steps'])
    expect(none.metrics.steps).toBe(2)
    expect(right.metrics.steps).toBe(4)
  }, 300_000)

  test('error: a module with buffers, or whose parameters differ from the declared ones, fails before any data is read', async () => {
    const buffers = {
      source: await source('./hostile/buffers.py'),
      parameters: [
        { name: '0.weight', shape: [2, 2] },
        { name: '0.bias', shape: [2] },
        { name: '1.weight', shape: [2] },
        { name: '1.bias', shape: [2] },
      ],
    }
    const dp = { noiseMultiplier: 1, maxGradNorm: 1 }
    const withBuffers = await sandbox.train(schema(20), { label: 'label', model: buffers, batchSize: 10, dp }, positiveRows(20))
    expect(withBuffers.result).toMatchObject({ outcome: 'exited', exitCode: 2, errorCode: 'model-has-buffers' })
    const mismatch = { source: await source('./examples/two-layer.py'), parameters: [{ name: 'hidden.weight', shape: [4, 2] }] }
    const wrong = await sandbox.train(schema(20), { label: 'label', model: mismatch, batchSize: 10, dp }, positiveRows(20))
    expect(wrong.result).toMatchObject({ outcome: 'exited', exitCode: 2, errorCode: 'model-mismatch' })
  }, 120_000)
})
