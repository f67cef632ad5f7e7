import type { DatasetSchema } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { planTorchCustom } from './plan.ts'

const schema = {
  format: 'csv',
  rows: 60,
  columns: [
    { name: 'f1', type: 'number', min: -1, max: 1 },
    { name: 'y', type: 'number', min: 0, max: 10 },
    { name: 'label', type: 'category', values: ['a', 'b'] },
  ],
} as DatasetSchema
const model = { source: 'def build(i, o):\n  pass\n', parameters: [{ name: 'w', shape: [2, 1] }] }
const params = { label: 'label', features: ['f1'], model, epochs: 2, batchSize: 20, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }

describe('planTorchCustom', () => {
  test('default: no validation split, no validation metrics, epochs × round(1/q) steps', () => {
    const plan = planTorchCustom(schema, params)
    expect(plan.privacy.steps).toBe(6)
    expect(plan.metrics).toEqual(['rows', 'epochs', 'steps', 'sampleRate', 'noiseMultiplier', 'maxGradNorm', 'delta'])
  })

  test('args: validationFraction adds the node\'s validation metrics and one epoch of accounted steps', () => {
    const classification = planTorchCustom(schema, { ...params, validationFraction: 0.2 })
    expect(classification.privacy.steps).toBe(9)
    expect(classification.metrics.slice(-2)).toEqual(['validationLoss', 'validationAccuracy'])
    const regression = planTorchCustom(schema, { ...params, label: 'y', validationFraction: 0.2 })
    expect(regression.metrics.slice(-2)).toEqual(['validationLoss', 'validationR2'])
  })

  test('error: a validationFraction over 0.5 is refused', () => {
    expect(() => planTorchCustom(schema, { ...params, validationFraction: 0.6 })).toThrow(/validationFraction/)
  })
})
