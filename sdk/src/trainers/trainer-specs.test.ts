import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { linearRegressionParametersSchema } from './linear-regression-plan.ts'
import { logisticRegressionParametersSchema } from './logistic-regression-plan.ts'
import { mlpClassifierParametersSchema } from './mlp-classifier-plan.ts'
import { torchMlpParametersSchema } from './torch-mlp-plan.ts'
import { type TrainerParameterSpec, formatParameterRange, trainerMetricDescriptions, trainerParameterSpecs, trainerSpec, trainerSpecs } from './trainer-specs.ts'

const schemas: Record<string, z.ZodType> = {
  'logistic-regression': logisticRegressionParametersSchema,
  'linear-regression': linearRegressionParametersSchema,
  'mlp-classifier': mlpClassifierParametersSchema,
  'torch-mlp': torchMlpParametersSchema,
}

// A valid job for each trainer, to which one parameter at a time is changed.
const base = (id: string): Record<string, unknown> => ({ label: 'y', ...(id === 'logistic-regression' || id === 'linear-regression' ? { solver: 'sgd' } : {}) })
const withValue = (id: string, name: string, value: unknown): Record<string, unknown> => {
  if (name.startsWith('dp.')) return { ...base(id), dp: { noiseMultiplier: 1, maxGradNorm: 1, [name.slice(3)]: value } }
  return { ...base(id), [name]: value }
}
const sample = (spec: TrainerParameterSpec, value: number) => (spec.type.endsWith('[]') ? [value] : value)

describe('trainerSpecs', () => {
  test('default: the four built-in trainers, each parameter with a description', () => {
    expect(trainerSpecs.map((spec) => spec.id)).toEqual(['logistic-regression', 'linear-regression', 'mlp-classifier', 'torch-mlp'])
    for (const spec of trainerSpecs) {
      expect(spec.parameters.length).toBeGreaterThan(5)
      for (const parameter of spec.parameters) expect(parameter.description.length, parameter.name).toBeGreaterThan(10)
      expect(spec.parameters.find((p) => p.name === 'label')).toMatchObject({ type: 'string', required: true })
    }
    expect(trainerSpec('mlp-classifier')?.parameters.map((p) => p.name)).toEqual([
      'label', 'features', 'hidden', 'epochs', 'learningRate', 'l2', 'batchSize', 'seed', 'dp', 'dp.noiseMultiplier', 'dp.maxGradNorm', 'dp.delta', 'validationFraction',
    ])
    expect(trainerSpec('torch-custom')).toBeUndefined()
  })

  test('behavior: every top-level field of each zod schema is listed, and only those', () => {
    for (const spec of trainerSpecs) {
      const shape = (schemas[spec.id] as unknown as { shape: Record<string, unknown> }).shape
      expect(spec.parameters.filter((p) => !p.name.includes('.')).map((p) => p.name)).toEqual(Object.keys(shape))
      expect(spec.parameters.filter((p) => p.dp).map((p) => p.name)).toEqual(['dp', 'dp.noiseMultiplier', 'dp.maxGradNorm', 'dp.delta'])
    }
  })

  test('behavior: the listed defaults are what the schema fills in', () => {
    for (const spec of trainerSpecs) {
      const parsed = schemas[spec.id]!.parse(base(spec.id)) as Record<string, unknown>
      for (const parameter of spec.parameters.filter((p) => p.default !== undefined)) expect(parsed[parameter.name], `${spec.id} ${parameter.name}`).toEqual(parameter.default)
    }
  })

  test('behavior: the listed bounds are the ones the schema enforces, at and past each edge', () => {
    let checked = 0
    for (const spec of trainerSpecs) {
      const schema = schemas[spec.id]!
      const accepts = (name: string, value: unknown) => schema.safeParse(withValue(spec.id, name, value)).success
      for (const p of spec.parameters) {
        const step = p.type.startsWith('integer') ? 1 : Math.max(1e-9, Math.abs(p.maximum ?? p.minimum ?? 1) * 1e-6)
        if (p.minimum !== undefined) expect([accepts(p.name, sample(p, p.minimum)), accepts(p.name, sample(p, p.minimum - step))], `${spec.id} ${p.name} min`).toEqual([true, false])
        if (p.maximum !== undefined) expect([accepts(p.name, sample(p, p.maximum)), accepts(p.name, sample(p, p.maximum + step))], `${spec.id} ${p.name} max`).toEqual([true, false])
        if (p.exclusiveMinimum !== undefined) expect(accepts(p.name, sample(p, p.exclusiveMinimum)), `${spec.id} ${p.name} > min`).toBe(false)
        if (p.exclusiveMaximum !== undefined) expect(accepts(p.name, sample(p, p.exclusiveMaximum)), `${spec.id} ${p.name} < max`).toBe(false)
        if (p.type === 'integer') expect(accepts(p.name, (p.minimum ?? 0) + 0.5), `${spec.id} ${p.name} integer`).toBe(false)
        for (const value of p.values ?? []) expect(accepts(p.name, value), `${spec.id} ${p.name}=${value}`).toBe(true)
        if (p.values !== undefined) expect(accepts(p.name, 'no-such-value')).toBe(false)
        if (p.maxItems !== undefined) expect(accepts(p.name, Array.from({ length: p.maxItems + 1 }, () => (p.type === 'string[]' ? 'c' : 1)))).toBe(false)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(40)
  })

  test('behavior: every metric a trainer declares has a description', () => {
    for (const spec of trainerSpecs)
      for (const metrics of spec.outputs.metrics) for (const name of metrics.names) expect(trainerMetricDescriptions[name], `${spec.id} ${name}`).toBeDefined()
    expect(trainerSpec('torch-mlp')?.outputs.metrics.map((m) => `${m.task}${m.validation ? '+validation' : ''}${m.dp ? '+dp' : ''}`)).toEqual([
      'classification',
      'regression',
      'classification+validation',
      'regression+validation',
      'classification+dp',
      'regression+dp',
      'classification+validation+dp',
      'regression+validation+dp',
    ])
  })
})

describe('trainerParameterSpecs', () => {
  test('args: nested objects, lists, enums and defaults', () => {
    const schema = z
      .object({
        n: z.number().int().min(1).max(9).default(3).describe('a count'),
        widths: z.array(z.number().int().min(1).max(8)).min(1).max(2).default([4]).describe('widths'),
        mode: z.enum(['a', 'b']).optional().describe('a mode'),
        dp: z.object({ sigma: z.number().positive().describe('noise') }).optional().describe('privacy'),
      })
      .strict()
    expect(trainerParameterSpecs(schema)).toEqual([
      { name: 'n', type: 'integer', required: false, default: 3, minimum: 1, maximum: 9, description: 'a count' },
      { name: 'widths', type: 'integer[]', required: false, default: [4], minimum: 1, maximum: 8, minItems: 1, maxItems: 2, description: 'widths' },
      { name: 'mode', type: 'enum', required: false, values: ['a', 'b'], description: 'a mode' },
      { name: 'dp', type: 'object', required: false, description: 'privacy', dp: true },
      { name: 'dp.sigma', type: 'number', required: true, exclusiveMinimum: 0, description: 'noise', dp: true },
    ])
  })

  test('error: a parameter without a description', () => {
    expect(() => trainerParameterSpecs(z.object({ epochs: z.number() }))).toThrow('The trainer parameter epochs has no description.')
  })
})

describe('formatParameterRange', () => {
  test('args: each kind of parameter', () => {
    const [lr, linear] = [trainerSpec('logistic-regression')!, trainerSpec('torch-mlp')!]
    const format = (spec: { parameters: readonly TrainerParameterSpec[] }, name: string) => formatParameterRange(spec.parameters.find((p) => p.name === name)!)
    expect(format(lr, 'epochs')).toBe('integer 1 to 1000')
    expect(format(lr, 'learningRate')).toBe('number > 0 and ≤ 100')
    expect(format(lr, 'dp.delta')).toBe('number > 0 and < 1')
    expect(format(lr, 'solver')).toBe('one of: full-batch, sgd')
    expect(format(lr, 'features')).toBe('1 to 10000 column names')
    expect(format(lr, 'label')).toBe('text')
    expect(format(linear, 'hidden')).toBe('1 to 4 integers, each 1 to 1024')
    expect(format(linear, 'dp')).toBe('object')
  })
})
