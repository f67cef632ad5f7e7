import { describe, expect, test } from 'vitest'
import type { DatasetSchema } from '../api/schemas.ts'
import { columnBounds } from './dataset-columns.ts'
import { differentialPrivacyMetadata, differentialPrivacyMetrics, planDifferentialPrivacy } from './differential-privacy.ts'

const schema = { format: 'csv', rows: 10_000, columns: [{ name: 'x', type: 'number', min: -1, max: 2 }] } as DatasetSchema
const dp = { noiseMultiplier: 1.2, maxGradNorm: 0.5 }

function failure(fn: () => unknown) {
  try {
    fn()
  } catch (error) {
    const e = error as { name: string; code: string; reason: string }
    return `${e.name}/${e.code}/${e.reason}`
  }
  throw new Error('did not throw')
}

describe('planDifferentialPrivacy', () => {
  test('default: q = batch / rows, steps = epochs × round(1/q), δ = min(1e-5, 1/(10·rows))', () => {
    expect(planDifferentialPrivacy(schema, { dp, batchSize: 100, epochs: 5 })).toEqual({
      noiseMultiplier: 1.2,
      maxGradNorm: 0.5,
      delta: 1e-5,
      rows: 10_000,
      expectedBatchSize: 100,
      sampleRate: 0.01,
      stepsPerEpoch: 100,
      steps: 500,
    })
    expect(planDifferentialPrivacy({ ...schema, rows: 2000 }, { dp, batchSize: 64, epochs: 3 })).toMatchObject({ sampleRate: 0.032, stepsPerEpoch: 31, steps: 93, delta: 1e-5 })
    expect(planDifferentialPrivacy({ ...schema, rows: 50 }, { dp, batchSize: 20, epochs: 1 })).toMatchObject({ stepsPerEpoch: 3, delta: 1e-5 })
    expect(planDifferentialPrivacy({ ...schema, rows: 20_000 }, { dp, batchSize: 20, epochs: 1 })).toMatchObject({ stepsPerEpoch: 1000, delta: 5e-6 })
  })

  test('args: an explicit δ below 1/rows; a batch of all rows', () => {
    expect(planDifferentialPrivacy(schema, { dp: { ...dp, delta: 1e-7 }, batchSize: 10_000, epochs: 2 })).toMatchObject({ delta: 1e-7, sampleRate: 1, stepsPerEpoch: 1, steps: 2 })
  })

  test('error: no declared rows, a batch above the rows, δ ≥ 1/rows', () => {
    const p = 'TrainerParametersError/TRAINER_PARAMETERS_INVALID/'
    const { rows: _, ...noRows } = schema
    expect(failure(() => planDifferentialPrivacy(noRows as DatasetSchema, { dp, batchSize: 10, epochs: 1 }))).toBe(`${p}dp-missing-rows`)
    expect(failure(() => planDifferentialPrivacy({ ...schema, rows: 0 }, { dp, batchSize: 1, epochs: 1 }))).toBe(`${p}dp-batch-too-large`)
    expect(failure(() => planDifferentialPrivacy(schema, { dp, batchSize: 10_001, epochs: 1 }))).toBe(`${p}dp-batch-too-large`)
    expect(failure(() => planDifferentialPrivacy(schema, { dp: { ...dp, delta: 1e-4 }, batchSize: 10, epochs: 1 }))).toBe(`${p}dp-delta-too-large`)
  })
})

describe('differentialPrivacyMetadata / differentialPrivacyMetrics', () => {
  test('default: public values only; no metadata without DP', () => {
    const plan = planDifferentialPrivacy(schema, { dp, batchSize: 100, epochs: 5 })
    expect(differentialPrivacyMetadata(plan)).toEqual({ scaling: 'bounds', privacy: '{"noiseMultiplier":1.2,"maxGradNorm":0.5,"sampleRate":0.01,"steps":500,"delta":0.00001}' })
    expect(differentialPrivacyMetadata(undefined)).toEqual({})
    expect(differentialPrivacyMetrics(plan, 5)).toEqual({ rows: 10_000, epochs: 5, steps: 500, sampleRate: 0.01, noiseMultiplier: 1.2, maxGradNorm: 0.5, delta: 1e-5 })
  })
})

describe('columnBounds', () => {
  test('default: declared bounds of a number column', () => {
    expect(columnBounds(schema, 'x')).toEqual({ min: -1, max: 2 })
  })

  test('behavior: read defensively: missing, half-declared, inverted, non-finite or non-number bounds are none', () => {
    const column = (extra: object) => ({ format: 'csv', columns: [{ name: 'x', type: 'number', ...extra }] }) as DatasetSchema
    expect(columnBounds(column({}), 'x')).toBeUndefined()
    expect(columnBounds(column({ min: 0 }), 'x')).toBeUndefined()
    expect(columnBounds(column({ min: 2, max: 2 }), 'x')).toBeUndefined()
    expect(columnBounds(column({ min: 0, max: Number.POSITIVE_INFINITY }), 'x')).toBeUndefined()
    expect(columnBounds(column({ min: '0', max: '1' }), 'x')).toBeUndefined()
    expect(columnBounds({ format: 'csv', columns: [{ name: 'x', type: 'category', values: ['a', 'b'], min: 0, max: 1 }] } as unknown as DatasetSchema, 'x')).toBeUndefined()
    expect(columnBounds(schema, 'nope')).toBeUndefined()
  })
})
