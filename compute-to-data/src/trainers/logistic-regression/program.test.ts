import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DatasetSchema, evaluateAccuracy, loadLogisticRegression, loadModel, predict } from '@datavault/sdk'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { TrainerEvent } from '../../sandbox/protocol.ts'
import { checkEgress } from '../../egress/checkEgress.ts'
import { logisticRegressionTrainer } from './definition.ts'
import { runLogisticRegressionProgram } from './program.ts'
import { runTrainerProgram } from '../common/program.ts'
import { mlpClassifierProgram } from '../mlp-classifier/program.ts'
import { linearRegressionProgram } from '../linear-regression/program.ts'

const schema: DatasetSchema = {
  format: 'csv',
  columns: [
    { name: 'x', type: 'number' },
    { name: 'y', type: 'category', values: ['low', 'high'] },
  ],
}

let root: string
let paths: { jobDir: string; dataDir: string; outDir: string }
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lr-program-'))
  paths = { jobDir: join(root, 'job'), dataDir: join(root, 'data'), outDir: join(root, 'out') }
  for (const dir of Object.values(paths)) await mkdir(dir)
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function run(config: unknown, data: Record<string, string>) {
  await writeFile(join(paths.jobDir, 'config.json'), JSON.stringify(config))
  for (const [name, text] of Object.entries(data)) await writeFile(join(paths.dataDir, name), text)
  const events: TrainerEvent[] = []
  const diagnostics: string[] = []
  const code = await runLogisticRegressionProgram(paths, (event) => events.push(event), (line) => diagnostics.push(line))
  return { code, events, diagnostics }
}

const csv = (n: number) => `x,y\n${Array.from({ length: n }, (_, i) => `${i % 100},${i % 100 < 50 ? 'low' : 'high'}`).join('\n')}\n`

describe('runLogisticRegressionProgram', () => {
  test('default: writes exactly the declared outputs, which the egress guard accepts and the SDK loads', async () => {
    const params = { label: 'y', epochs: 40, learningRate: 0.5 }
    const { code, events } = await run({ schema, params, inputs: ['a.csv', 'b.csv'] }, { 'a.csv': csv(100), 'b.csv': csv(50) })
    expect(code).toBe(0)
    // The full-batch fit reports each of its iterations, numbered from 1.
    const epochs = events.filter((e) => e.event === 'epoch')
    expect(epochs.length).toBeGreaterThan(0)
    expect(epochs.map((e) => e.epoch)).toEqual(epochs.map((_, i) => i + 1))
    expect(events.at(-1)).toEqual({ event: 'done' })
    expect((await readdir(paths.outDir)).sort()).toEqual(['metrics.json', 'model.safetensors'])
    const declaration = logisticRegressionTrainer.outputs(schema, logisticRegressionTrainer.parameters.parse(params))
    const released = await checkEgress({ outputDir: paths.outDir, declaration, maxBytes: 1 << 20 })
    expect(released.metrics.rows).toBe(150)
    expect(released.metrics.accuracy).toBeGreaterThan(0.9)
    const model = loadLogisticRegression(await readFile(join(paths.outDir, 'model.safetensors')))
    expect(model.task).toBe('binary')
    expect(evaluateAccuracy(model, [[5], [95]], ['low', 'high'])).toBe(1)
  })

  test('args: validationFraction holds out seeded rows and releases the model\'s scores on them as declared metrics', async () => {
    // Noisy labels: the validation scores are below 1 and differ from the training ones.
    const noisy = `x,y\n${Array.from({ length: 200 }, (_, i) => `${i % 100},${(i % 100 < 50) !== (i % 7 === 0) ? 'low' : 'high'}`).join('\n')}\n`
    const params = { label: 'y', validationFraction: 0.25, seed: 3 }
    const declaration = logisticRegressionTrainer.outputs(schema, logisticRegressionTrainer.parameters.parse(params))
    expect((declaration.files[1] as { names: string[] }).names).toEqual(['loss', 'accuracy', 'rows', 'epochs', 'validationRows', 'validationLoss', 'validationAccuracy'])
    const first = await run({ schema, params, inputs: ['d'] }, { d: noisy })
    expect(first.code).toBe(0)
    const released = await checkEgress({ outputDir: paths.outDir, declaration, maxBytes: 1 << 20 })
    expect([released.metrics.rows, released.metrics.validationRows]).toEqual([150, 50])
    expect(released.metrics.validationAccuracy).toBeGreaterThan(0.6)
    expect(released.metrics.validationAccuracy).toBeLessThan(1)
    expect(released.metrics.validationLoss).toBeGreaterThan(0)
    // The same seed holds out the same rows; another seed others.
    const again = await run({ schema, params, inputs: ['d'] }, { d: noisy })
    expect(again.code).toBe(0)
    expect((await checkEgress({ outputDir: paths.outDir, declaration, maxBytes: 1 << 20 })).metrics).toEqual(released.metrics)
    await run({ schema, params: { ...params, seed: 4 }, inputs: ['d'] }, { d: noisy })
    const other = await checkEgress({ outputDir: paths.outDir, declaration: logisticRegressionTrainer.outputs(schema, logisticRegressionTrainer.parameters.parse({ ...params, seed: 4 })), maxBytes: 1 << 20 })
    expect(other.metrics).not.toEqual(released.metrics)
  })

  test('args: validationFraction under dp releases noised validation metrics, declared before the run; two runs differ', async () => {
    const rows = 400
    const bounded = { ...schema, rows, columns: [{ name: 'x', type: 'number', min: 0, max: 100 }, schema.columns[1]!] } as DatasetSchema
    const params = { label: 'y', validationFraction: 0.25, epochs: 10, batchSize: 40, learningRate: 0.5, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }
    const declaration = logisticRegressionTrainer.outputs(bounded, logisticRegressionTrainer.parameters.parse(params))
    expect((declaration.files[1] as { names: string[] }).names).toEqual(['rows', 'epochs', 'steps', 'sampleRate', 'noiseMultiplier', 'maxGradNorm', 'delta', 'validationRows', 'validationLoss', 'validationAccuracy'])
    // Parallel composition: the ε the node charges (from privacy()) is the training's alone.
    expect(logisticRegressionTrainer.privacy!(bounded, params)).toEqual(logisticRegressionTrainer.privacy!(bounded, { ...params, validationFraction: 0 }))
    const released: Record<string, number>[] = []
    for (let i = 0; i < 2; i++) {
      expect((await run({ schema: bounded, params, inputs: ['d'] }, { d: csv(rows) })).code).toBe(0)
      released.push((await checkEgress({ outputDir: paths.outDir, declaration, maxBytes: 1 << 20 })).metrics)
    }
    // About 100 rows held out (a seeded hash of each row), scored with noise of sd ≈ σ/√q per sum.
    for (const metrics of released) {
      expect(metrics.rows).toBe(rows)
      expect(metrics.validationRows).toBeGreaterThan(40)
      expect(metrics.validationRows).toBeLessThan(160)
      expect(Number.isFinite(metrics.validationLoss)).toBe(true)
      expect(metrics.validationAccuracy).toBeGreaterThan(0.3)
    }
    // Fresh noise in each run. One metric alone can repeat: a clamp (accuracy at 1, loss at 0) or the rounded count.
    const noisy = (metrics: Record<string, number>) => [metrics.validationRows, metrics.validationLoss, metrics.validationAccuracy]
    expect(noisy(released[0]!)).not.toEqual(noisy(released[1]!))
  })

  test('error: each bad input exits 2 with only a reason code', async () => {
    const cases: [unknown, Record<string, string>, string][] = [
      [{ schema, params: { label: 'x' }, inputs: ['d'] }, { d: csv(4) }, 'bad-label'],
      [{ schema, params: { label: 'nope' }, inputs: ['d'] }, { d: csv(4) }, 'missing-column'],
      [{ schema, params: { label: 'y', epochs: 0 }, inputs: ['d'] }, { d: csv(4) }, 'bad-parameters'],
      [{ schema: { format: 'csv', columns: [{ name: 'y', type: 'category', values: ['low', 'high'] }] }, params: { label: 'y' }, inputs: ['d'] }, { d: 'y\nlow' }, 'no-numeric-features'],
      [{ schema, params: { label: 'y' }, inputs: ['d'] }, { d: 'x,y\nPRIVATE-42,low\n' }, 'non-numeric-cell'],
      [{ schema, params: { label: 'y' }, inputs: ['d'] }, { d: 'x,y\n1,PRIVATE-LABEL\n' }, 'unknown-label-value'],
      [{ schema, params: { label: 'y' }, inputs: ['d'] }, { d: 'y\nlow\n' }, 'missing-column'],
      [{ schema, params: { label: 'y' }, inputs: ['../etc'] }, {}, 'bad-config'],
      [{ schema: { format: 'tsv' }, params: { label: 'y' }, inputs: ['d'] }, { d: csv(4) }, 'bad-config'],
      ['not an object', {}, 'bad-config'],
    ]
    for (const [config, data, reason] of cases) {
      const { code, events, diagnostics } = await run(config, data)
      expect(code, reason).toBe(2)
      expect(events.at(-1), reason).toEqual({ event: 'error', code: reason })
      expect(diagnostics.join('\n')).not.toContain('PRIVATE')
    }
  })

  test('error: invalid UTF-8 input is bad-encoding', async () => {
    await writeFile(join(paths.dataDir, 'd'), Buffer.from([0x78, 0x2c, 0x79, 0x0a, 0xff, 0xfe]))
    await writeFile(join(paths.jobDir, 'config.json'), JSON.stringify({ schema, params: { label: 'y' }, inputs: ['d'] }))
    const events: TrainerEvent[] = []
    expect(await runLogisticRegressionProgram(paths, (e) => events.push(e))).toBe(2)
    expect(events.at(-1)).toEqual({ event: 'error', code: 'bad-encoding' })
  })
})

describe('category features (one-hot)', () => {
  // The label follows the region (90% of rows); x is noise. Without the region no model beats chance by much.
  const regions = ['north', 'south', 'east', 'west']
  const regionSchema: DatasetSchema = {
    format: 'csv',
    rows: 800,
    columns: [
      { name: 'x', type: 'number', min: 0, max: 1 },
      { name: 'region', type: 'category', values: regions },
      { name: 'y', type: 'category', values: ['low', 'high'] },
      { name: 'score', type: 'number', min: 0, max: 10 },
    ],
  }
  const regionCsv = () => {
    let state = 7
    const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32
    const rows = Array.from({ length: 800 }, () => {
      const r = Math.floor(uniform() * 4)
      const high = uniform() < 0.9 ? r % 2 === 1 : r % 2 === 0
      return `${uniform().toFixed(3)},${regions[r]},${high ? 'high' : 'low'},${high ? 7 : 3}`
    })
    return `x,region,y,score\n${rows.join('\n')}\n`
  }

  test('behavior: a category that carries the signal trains to a better held-out accuracy with it than without; predict takes its values', async () => {
    const data = { 'd.csv': regionCsv() }
    const withRegion = { label: 'y', features: ['x', 'region'], validationFraction: 0.25 }
    expect((await run({ schema: regionSchema, params: withRegion, inputs: ['d.csv'] }, data)).code).toBe(0)
    const declaration = logisticRegressionTrainer.outputs(regionSchema, logisticRegressionTrainer.parameters.parse(withRegion))
    const released = await checkEgress({ outputDir: paths.outDir, declaration, maxBytes: 1 << 20 })
    expect(declaration.files[0]).toMatchObject({ tensors: expect.arrayContaining([{ name: 'weights', dtype: 'F32', shape: [1, 5] }]), metadataValues: { categories: '{"region":["north","south","east","west"]}' } })
    const bytes = await readFile(join(paths.outDir, 'model.safetensors'))
    const model = loadModel(bytes)
    expect(model.features).toEqual(['x', 'region=north', 'region=south', 'region=east', 'region=west'])
    expect(model.categories).toEqual({ region: regions })

    const withoutRegion = { label: 'y', features: ['x'], validationFraction: 0.25 }
    expect((await run({ schema: regionSchema, params: withoutRegion, inputs: ['d.csv'] }, data)).code).toBe(0)
    const baseline = JSON.parse(await readFile(join(paths.outDir, 'metrics.json'), 'utf8')) as Record<string, number>
    expect(released.metrics.validationAccuracy).toBeGreaterThan(0.85)
    expect(baseline.validationAccuracy).toBeLessThan(0.65)

    // predict round-trips: the column's value, the 0/1 features themselves, or an array in feature order.
    const byValue = predict(model, [{ x: 0.5, region: 'south' }, { x: 0.5, region: 'east' }])
    expect(byValue.map((p) => (p as { label: string }).label)).toEqual(['high', 'low'])
    const byFeatures = predict(model, [{ x: 0.5, 'region=north': 0, 'region=south': 1, 'region=east': 0, 'region=west': 0 }, [0.5, 0, 0, 1, 0]])
    expect(byFeatures).toEqual(byValue)
    expect(() => predict(model, [{ x: 0.5, region: 'mars' }])).toThrow(expect.objectContaining({ reason: 'bad-input', details: expect.stringContaining('not one of its published values') }))
  })

  test('args: the MLP, linear regression and DP-SGD read category features too', async () => {
    const data = { 'd.csv': regionCsv() }
    await writeFile(join(paths.jobDir, 'config.json'), JSON.stringify({ schema: regionSchema, params: { label: 'y', epochs: 20, validationFraction: 0.25 }, inputs: ['d.csv'] }))
    await writeFile(join(paths.dataDir, 'd.csv'), data['d.csv'])
    expect(await runTrainerProgram(mlpClassifierProgram, paths, () => {})).toBe(0)
    const mlpMetrics = JSON.parse(await readFile(join(paths.outDir, 'metrics.json'), 'utf8')) as Record<string, number>
    expect(mlpMetrics.validationAccuracy).toBeGreaterThan(0.85)
    expect(loadModel(await readFile(join(paths.outDir, 'model.safetensors'))).features).toHaveLength(6)

    await writeFile(join(paths.jobDir, 'config.json'), JSON.stringify({ schema: regionSchema, params: { label: 'score', features: ['region'], validationFraction: 0.25 }, inputs: ['d.csv'] }))
    expect(await runTrainerProgram(linearRegressionProgram, paths, () => {})).toBe(0)
    const linear = loadModel(await readFile(join(paths.outDir, 'model.safetensors')))
    expect(JSON.parse(await readFile(join(paths.outDir, 'metrics.json'), 'utf8')).validationR2).toBeGreaterThan(0.5)
    expect((predict(linear, [{ region: 'south' }])[0] as number) > (predict(linear, [{ region: 'north' }])[0] as number)).toBe(true)

    const dpParams = { label: 'y', features: ['region'], epochs: 5, batchSize: 80, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }
    expect((await run({ schema: regionSchema, params: dpParams, inputs: ['d.csv'] }, data)).code).toBe(0)
    const dpModel = loadLogisticRegression(await readFile(join(paths.outDir, 'model.safetensors')))
    // One-hot features are scaled by [0, 1]: center 0.5, half-range 0.5, so 0/1 become -1/+1.
    expect([[...dpModel.featureMean], [...dpModel.featureStd]]).toEqual([[0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5]])
  })
})
