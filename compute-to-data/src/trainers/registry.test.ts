import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DatasetSchema, differentialPrivacyMetricNames, encodeSafetensors, trainerParameterSpecs, trainerSpecs } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { checkEgress } from '../egress/checkEgress.ts'
import type { TrainerOutputDeclaration } from './definition.ts'
import { builtinTrainers } from './registry.ts'

const schema = {
  format: 'csv',
  rows: 1000,
  columns: [
    { name: 'a', type: 'number', min: 0, max: 10 },
    { name: 'b', type: 'number', min: -1, max: 1 },
    { name: 'y', type: 'number', min: 0, max: 100 },
    { name: 'k', type: 'category', values: ['p', 'q', 'r'] },
  ],
} as DatasetSchema
const label = { 'logistic-regression': 'k', 'linear-regression': 'y', 'mlp-classifier': 'k', 'torch-mlp': 'y' } as Record<string, string>
const dp = { noiseMultiplier: 1.1, maxGradNorm: 2 }
// torch-custom trains only under DP and needs a model: its own tests are in torch-custom/.
const dpOptional = builtinTrainers.filter((trainer) => trainer.id !== 'torch-custom')

function failure(fn: () => unknown) {
  try {
    fn()
  } catch (error) {
    const e = error as { name: string; code: string; reason: string }
    return `${e.name}/${e.code}/${e.reason}`
  }
  throw new Error('did not throw')
}

/** Writes exactly what `declaration` declares (zero tensors, metrics of 1), plus `extraMetrics`. */
async function writeDeclared(dir: string, declaration: TrainerOutputDeclaration, extraMetrics: Record<string, number> = {}) {
  for (const file of declaration.files) {
    if (file.kind === 'safetensors') {
      const tensors = Object.fromEntries(
        file.tensors.map((t) => [t.name, { dtype: 'F32' as const, shape: t.shape, data: new Float32Array(t.shape.reduce((a, b) => a * b, 1)) }]),
      )
      await writeFile(join(dir, file.name), encodeSafetensors(tensors, file.metadataValues))
    } else await writeFile(join(dir, file.name), JSON.stringify({ ...Object.fromEntries(file.names.map((name) => [name, 1])), ...extraMetrics }))
  }
}

describe('builtinTrainers', () => {
  test('default: five trainers, unique ids, each with parameters, outputs, privacy and a runtime', () => {
    expect(builtinTrainers.map((t) => `${t.id}@${t.version}`)).toEqual([
      'logistic-regression@1.2.0',
      'linear-regression@1.1.0',
      'mlp-classifier@1.1.0',
      'torch-mlp@1.1.0',
      'torch-custom@1.1.0',
    ])
    expect(builtinTrainers.map((t) => t.runtime ?? 'node')).toEqual(['node', 'node', 'node', 'pytorch', 'pytorch'])
    for (const trainer of dpOptional) {
      expect(trainer.parameters.safeParse({ label: label[trainer.id] }).success).toBe(true)
      expect(trainer.privacy).toBeTypeOf('function')
    }
  })

  test('behavior: the SDK\'s trainer specs list exactly these trainers (not torch-custom), their versions and their parameters', () => {
    expect(trainerSpecs.map((spec) => `${spec.id}@${spec.version}`)).toEqual(dpOptional.map((t) => `${t.id}@${t.version}`))
    for (const trainer of dpOptional) {
      const spec = trainerSpecs.find((candidate) => candidate.id === trainer.id)!
      expect(spec.parameters).toEqual(trainerParameterSpecs(trainer.parameters as never))
      // Every metric name a run may declare is listed in the spec.
      const declared = [trainer.outputs(schema, { label: label[trainer.id] }), trainer.outputs(schema, { label: label[trainer.id], dp })].flatMap(
        (declaration) => (declaration.files[1] as { names: string[] }).names,
      )
      expect(spec.outputs.metrics.flatMap((m) => m.names)).toEqual(expect.arrayContaining(declared))
      const tensors = (trainer.outputs(schema, { label: label[trainer.id] }).files[0] as { tensors: { name: string }[] }).tensors.map((t) => t.name.replace(/^layer\d+\./, 'layer{i}.'))
      expect(spec.outputs.tensors.map((t) => t.name)).toEqual(expect.arrayContaining(tensors))
    }
  })

  test('behavior: privacy() is undefined without dp and states the DP-SGD run with it', () => {
    for (const trainer of dpOptional) {
      expect(trainer.privacy!(schema, { label: label[trainer.id] })).toBeUndefined()
      // q = 50 / 1000; round(1 / q) = 20 steps per epoch; δ = min(1e-5, 1 / (10 · 1000)).
      expect(trainer.privacy!(schema, { label: label[trainer.id], epochs: 3, batchSize: 50, dp })).toEqual({ sampleRate: 0.05, noiseMultiplier: 1.1, steps: 60, delta: 1e-5 })
      expect(trainer.privacy!(schema, { label: label[trainer.id], epochs: 1, batchSize: 300, dp: { ...dp, delta: 1e-6 } })).toEqual({
        sampleRate: 0.3,
        noiseMultiplier: 1.1,
        steps: 3,
        delta: 1e-6,
      })
    }
  })

  test('behavior: under DP only public metrics are declared, and the guard refuses a data-derived one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registry-'))
    try {
      for (const trainer of dpOptional) {
        const plain = trainer.outputs(schema, { label: label[trainer.id] })
        const privateRun = trainer.outputs(schema, { label: label[trainer.id], dp })
        const [model, metrics] = privateRun.files
        expect(metrics).toEqual({ name: 'metrics.json', kind: 'metrics', names: [...differentialPrivacyMetricNames, 'validationRows', 'validationLoss', expect.stringMatching(/^validation(Accuracy|R2)$/)] })
        expect(model).toMatchObject({ kind: 'safetensors', tensors: (plain.files[0] as { tensors: unknown }).tensors })
        expect((model as { metadataValues: Record<string, string> }).metadataValues).toMatchObject({ scaling: 'bounds', privacy: expect.stringContaining('"noiseMultiplier":1.1') })

        const ok = join(dir, `${trainer.id}-ok`)
        const leaky = join(dir, `${trainer.id}-leaky`)
        await Promise.all([mkdir(ok), mkdir(leaky)])
        await writeDeclared(ok, privateRun)
        await expect(checkEgress({ outputDir: ok, declaration: privateRun, maxBytes: 1 << 20 })).resolves.toMatchObject({ metrics: { steps: 1 } })
        await writeDeclared(leaky, privateRun, { accuracy: 0.97 })
        await expect(checkEgress({ outputDir: leaky, declaration: privateRun, maxBytes: 1 << 20 })).rejects.toMatchObject({ code: 'EGRESS_VIOLATION', reason: 'bad-metrics' })
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('error: DP without declared rows, without bounds, with a batch above the rows or a δ ≥ 1/rows', () => {
    const p = 'TrainerParametersError/TRAINER_PARAMETERS_INVALID/'
    const { rows: _, ...noRows } = schema
    const noBounds = { ...schema, columns: schema.columns.map((c) => ({ name: c.name, type: c.type, ...(c.type === 'category' ? { values: c.values } : {}) })) } as DatasetSchema
    for (const trainer of dpOptional) {
      const params = { label: label[trainer.id], dp }
      expect(failure(() => trainer.privacy!(noRows as DatasetSchema, params))).toBe(`${p}dp-missing-rows`)
      expect(failure(() => trainer.outputs(noBounds, params))).toBe(`${p}dp-missing-bounds`)
      expect(failure(() => trainer.privacy!(schema, { ...params, batchSize: 1001 }))).toBe(`${p}dp-batch-too-large`)
      expect(failure(() => trainer.privacy!(schema, { ...params, dp: { ...dp, delta: 1e-3 } }))).toBe(`${p}dp-delta-too-large`)
      expect(failure(() => trainer.privacy!(schema, { ...params, dp: { ...dp, noiseMultiplier: 0 } }))).toBe(`${p}bad-parameters`)
      expect(failure(() => trainer.privacy!(schema, { ...params, dp: { ...dp, maxGradNorm: -1 } }))).toBe(`${p}bad-parameters`)
      // Without DP, neither rows nor bounds are needed.
      expect(trainer.outputs(noBounds, { label: label[trainer.id] }).files).toHaveLength(2)
    }
  })
})
