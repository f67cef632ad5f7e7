import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DatasetSchema, differentialPrivacyMetricNames, evaluateAccuracy, loadLogisticRegression } from '@datavault/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { checkEgress } from '../egress/checkEgress.ts'
import { type BubblewrapRunner, bubblewrapRunner } from '../sandbox/bubblewrapRunner.ts'
import type { RunSpec, SandboxLogger } from '../sandbox/runner.ts'
import type { TrainerEvent } from '../sandbox/protocol.ts'
import { type BuildTrainerBundleReturnType, buildTrainerBundle } from './buildTrainerBundle.ts'
import { logisticRegressionTrainer } from './logistic-regression/definition.ts'

const silent: SandboxLogger = { child: () => silent, info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }

/** Deterministic Gaussian blobs: `k` classes in `d` dimensions, overlapping a little. */
function blobs(rows: number, classes: string[], seed: number) {
  let state = seed
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
  const centers = classes.map((_, k) => [Math.cos((2 * Math.PI * k) / classes.length) * 3, Math.sin((2 * Math.PI * k) / classes.length) * 3, k, -k])
  const features: number[][] = []
  const labels: string[] = []
  let csv = 'id,f1,f2,f3,f4,comment,label\r\n'
  for (let i = 0; i < rows; i++) {
    const k = Math.floor(uniform() * classes.length)
    const x = centers[k]!.map((c) => c + normal())
    features.push(x)
    labels.push(classes[k]!)
    csv += `${i},${x.join(',')},"note, with ""quotes""",${classes[k]}\r\n`
  }
  return { csv, features, labels }
}

function schemaFor(classes: string[]): DatasetSchema {
  return {
    format: 'csv',
    columns: [
      ...['f1', 'f2', 'f3', 'f4'].map((name) => ({ name, type: 'number' as const })),
      { name: 'label', type: 'category', values: classes },
    ],
  }
}

let dir: string
let bundle: BuildTrainerBundleReturnType
let runner: BubblewrapRunner
let count = 0

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trainer-sandbox-'))
  await chmod(dir, 0o711)
  const t0 = performance.now()
  bundle = await buildTrainerBundle(logisticRegressionTrainer, { outDir: join(dir, 'bundles') })
  console.log(`trainer bundle: ${bundle.bytes} bytes, ${bundle.sha256}, built in ${(performance.now() - t0).toFixed(0)} ms`)
  runner = bubblewrapRunner({ workDir: join(dir, 'work') })({ logger: silent })
})
afterAll(async () => {
  await runner?.stop()
  await rm(dir, { recursive: true, force: true })
})

const trainLimits = { wallTimeMs: 60_000, cpuSeconds: 60, memoryBytes: 512 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 }

async function train(classes: string[], params: Record<string, unknown>, programPath = bundle.path, data?: string, schema = schemaFor(classes)) {
  const parsed = logisticRegressionTrainer.parameters.parse(params) as Record<string, unknown>
  const { csv } = blobs(2000, classes, 7)
  const events: TrainerEvent[] = []
  const spec: RunSpec = {
    jobId: `lr-${++count}`,
    program: { path: programPath, ...(programPath === bundle.path ? { sha256: bundle.sha256 } : {}) },
    config: { schema, params: parsed, inputs: ['train.csv'] },
    inputs: [{ name: 'train.csv', source: [new TextEncoder().encode(data ?? csv)] }],
    outputDir: join(dir, `out-${count}`),
    limits: trainLimits,
    onEvent: (event) => events.push(event),
  }
  const result = await runner.run(spec)
  return { result, events, spec, declaration: logisticRegressionTrainer.outputs(schema, parsed), parsed }
}

describe('logistic-regression trainer in the sandbox', () => {
  test('default: binary, 2,000 rows: trains, the guard accepts, the buyer evaluates the weights', async () => {
    const { result, events, spec, declaration } = await train(['no', 'yes'], { label: 'label', epochs: 30, seed: 1, solver: 'sgd' })
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0, protocolViolations: 0 })
    expect(events[0]).toEqual({ event: 'started' })
    expect(events.filter((e) => e.event === 'epoch')).toHaveLength(30)
    expect(events.at(-1)).toEqual({ event: 'done' })
    console.log(`binary: start ${result.startLatencyMs!.toFixed(0)} ms, total ${result.durationMs.toFixed(0)} ms, training ${(result.durationMs - result.startLatencyMs!).toFixed(0)} ms, cpu ${result.cpuMs} ms, peak memory ${result.peakMemoryBytes} B`)

    const released = await checkEgress({ outputDir: spec.outputDir, declaration, maxBytes: 1024 ** 2 })
    expect(released.metrics.rows).toBe(2000)
    expect(released.metrics.epochs).toBe(30)
    expect(released.metrics.accuracy).toBeGreaterThan(0.9)
    const model = loadLogisticRegression(released.files.find((f) => f.name === 'model.safetensors')!.bytes)
    expect(model).toMatchObject({ task: 'binary', classes: ['no', 'yes'], features: ['f1', 'f2', 'f3', 'f4'], outputs: 1 })
    const heldOut = blobs(1000, ['no', 'yes'], 99)
    expect(evaluateAccuracy(model, heldOut.features, heldOut.labels)).toBeGreaterThan(0.9)
  })

  test('behavior: three classes, softmax, explicit features', async () => {
    const { result, spec, declaration } = await train(['red', 'green', 'blue'], { label: 'label', features: ['f1', 'f2', 'f3'], epochs: 40, learningRate: 0.2, batchSize: 32, l2: 0.001 })
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
    console.log(`multiclass: start ${result.startLatencyMs!.toFixed(0)} ms, total ${result.durationMs.toFixed(0)} ms, training ${(result.durationMs - result.startLatencyMs!).toFixed(0)} ms`)
    const released = await checkEgress({ outputDir: spec.outputDir, declaration, maxBytes: 1024 ** 2 })
    const model = loadLogisticRegression(released.files[0]!.bytes)
    expect(model).toMatchObject({ task: 'multiclass', outputs: 3, features: ['f1', 'f2', 'f3'] })
    const heldOut = blobs(1000, ['red', 'green', 'blue'], 1234)
    expect(evaluateAccuracy(model, heldOut.features.map((x) => x.slice(0, 3)), heldOut.labels)).toBeGreaterThan(0.85)
    expect(released.metrics.accuracy).toBeGreaterThan(0.85)
  })

  test('error: a label value outside the schema stops the trainer with a code, no data in stderr', async () => {
    const { csv } = blobs(50, ['no', 'yes'], 3)
    const { result } = await train(['no', 'yes'], { label: 'label' }, bundle.path, `${csv}51,1,2,3,4,x,PRIVATE-VALUE\r\n`)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 2, errorCode: 'unknown-label-value' })
    expect(result.stderrTail).not.toContain('PRIVATE')
  })

  test('error: a tampered trainer that writes an extra file is refused by the egress guard', async () => {
    const original = await readFile(bundle.path, 'utf8')
    const tampered = join(dir, 'tampered.mjs')
    await writeFile(tampered, `import * as leakFs from 'node:fs'\n${original}\nleakFs.writeFileSync('/out/notes.txt', leakFs.readFileSync('/data/train.csv'))\n`)
    const { result, spec, declaration } = await train(['no', 'yes'], { label: 'label', epochs: 5 }, tampered)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
    expect(existsSync(join(spec.outputDir, 'notes.txt'))).toBe(true)
    await expect(checkEgress({ outputDir: spec.outputDir, declaration, maxBytes: 1024 ** 2 })).rejects.toMatchObject({
      name: 'EgressViolationError',
      code: 'EGRESS_VIOLATION',
      reason: 'undeclared-file',
    })
  })

  test('behavior: in a pre-started sandbox (its job on its descriptor) the trainer releases the same bytes and events as in a cold one; a data error gives the same code', async () => {
    const params = { label: 'label', epochs: 5, seed: 3 }
    const cold = await train(['no', 'yes'], params)
    runner.prestart({ kind: 'test/logistic-regression', program: { path: bundle.path, sha256: bundle.sha256 }, limits: trainLimits })
    const warm = await train(['no', 'yes'], params)
    expect(cold.result).toMatchObject({ outcome: 'exited', exitCode: 0, prestarted: false })
    expect(warm.result).toMatchObject({ outcome: 'exited', exitCode: 0, prestarted: true, protocolViolations: 0 })
    expect(typeof warm.result.prestartedBooted).toBe('boolean')
    expect(warm.events).toEqual(cold.events)
    for (const name of ['model.safetensors', 'metrics.json'])
      expect(Buffer.compare(await readFile(join(warm.spec.outputDir, name)), await readFile(join(cold.spec.outputDir, name)))).toBe(0)

    // The refill started as the first was taken; it serves the next job, whose data is bad.
    const { csv } = blobs(50, ['no', 'yes'], 3)
    const bad = await train(['no', 'yes'], { label: 'label' }, bundle.path, `${csv}51,1,2,3,4,x,PRIVATE-VALUE\r\n`)
    expect(bad.result).toMatchObject({ outcome: 'exited', exitCode: 2, errorCode: 'unknown-label-value', prestarted: true })
    expect(bad.result.stderrTail).not.toContain('PRIVATE')
  })

  test('behavior: the bundle is deterministic (same sources, same hash)', async () => {
    const again = await buildTrainerBundle(logisticRegressionTrainer, { outDir: join(dir, 'bundles-again') })
    expect(again.sha256).toBe(bundle.sha256)
  })
})

/** The blobs' schema with owner-declared bounds and row count, as DP needs. */
function boundedSchema(classes: string[], rows: number): DatasetSchema {
  const schema = schemaFor(classes)
  return { ...schema, rows, columns: schema.columns.map((column) => (column.type === 'number' ? { ...column, min: -8, max: 8 } : column)) } as DatasetSchema
}

describe('logistic-regression with DP-SGD in the sandbox', () => {
  test('default: σ = 1, C = 1 still learns; the guard accepts; metrics and metadata are public values only', async () => {
    const params = { label: 'label', epochs: 10, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }
    const schema = boundedSchema(['no', 'yes'], 2000)
    const { result, events, spec, declaration } = await train(['no', 'yes'], params, bundle.path, undefined, schema)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0, protocolViolations: 0 })
    expect(events.filter((e) => e.event === 'epoch')).toHaveLength(10)
    const released = await checkEgress({ outputDir: spec.outputDir, declaration, maxBytes: 1024 ** 2 })
    // 2,000 declared rows: a validation split by default, its scores noised at no extra ε.
    expect(Object.keys(released.metrics).sort()).toEqual([...differentialPrivacyMetricNames, 'validationRows', 'validationLoss', 'validationAccuracy'].sort())
    expect(released.metrics).toMatchObject({ steps: 310, sampleRate: 0.032, noiseMultiplier: 1 })
    expect(logisticRegressionTrainer.privacy!(schema, params)).toEqual({ sampleRate: 0.032, noiseMultiplier: 1, steps: 310, delta: 1e-5 })
    const model = loadLogisticRegression(released.files[0]!.bytes)
    expect(model).toMatchObject({ scaling: 'bounds', privacy: { steps: 310, sampleRate: 0.032 } })
    expect([...model.featureMean]).toEqual([0, 0, 0, 0])
    expect([...model.featureStd]).toEqual([8, 8, 8, 8])
    const heldOut = blobs(1000, ['no', 'yes'], 99)
    const accuracy = evaluateAccuracy(model, heldOut.features, heldOut.labels)
    console.log(`logistic regression DP σ=1 held-out accuracy: ${accuracy}`)
    expect(accuracy).toBeGreaterThan(0.9)
  })

  test('behavior: two DP runs with the same seed release different weights (the buyer cannot replay the noise)', async () => {
    const params = { label: 'label', epochs: 2, seed: 5, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }
    const schema = boundedSchema(['no', 'yes'], 2000)
    const weights = []
    for (let i = 0; i < 2; i++) {
      const { spec, declaration } = await train(['no', 'yes'], params, bundle.path, undefined, schema)
      const released = await checkEgress({ outputDir: spec.outputDir, declaration, maxBytes: 1024 ** 2 })
      weights.push([...loadLogisticRegression(released.files[0]!.bytes).weights])
    }
    expect(weights[0]).not.toEqual(weights[1])
  })

  test('error: DP with a declared row count that the data does not have fails with rows-mismatch', async () => {
    const { result } = await train(['no', 'yes'], { label: 'label', dp: { noiseMultiplier: 1, maxGradNorm: 1 } }, bundle.path, undefined, boundedSchema(['no', 'yes'], 1999))
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 2, errorCode: 'rows-mismatch' })
  })
})
