import { describe, expect, test } from 'vitest'
import type { DatasetSchema } from '@datavault/sdk'
import { applicableTrainers, describeApplicable, describeTrainer, parameterLine, trainerParametersHelp } from './trainer-help.ts'

const schema: DatasetSchema = {
  format: 'csv',
  rows: 500,
  columns: [
    { name: 'age', type: 'number', min: 18, max: 90 },
    { name: 'bmi', type: 'number', min: 12, max: 60 },
    { name: 'risk', type: 'category', values: ['low', 'high'] },
    { name: 'visit', type: 'date' },
  ],
} as DatasetSchema

describe('trainer help', () => {
  test('default: a trainer in full names every parameter with its range, default and description, the target ε, and the outputs', () => {
    const lines = describeTrainer({
      id: 'x',
      version: '1.0.0',
      description: 'A trainer.',
      labels: ['category'],
      parameters: [
        { name: 'epochs', type: 'integer', required: false, default: 50, minimum: 1, maximum: 1000, description: 'Passes over the rows.' },
        { name: 'dp.noiseMultiplier', type: 'number', required: true, exclusiveMinimum: 0, maximum: 1000, description: 'σ.', dp: true },
      ],
      outputs: { tensors: [{ name: 'weights', shape: 'K × D', description: 'The weights.' }], metrics: [{ task: 'classification', dp: false, names: ['loss'] }] },
    })
    expect(lines).toContain('    epochs              integer 1 to 1000; default 50')
    expect(lines).toContain('      Passes over the rows.')
    expect(lines.some((line) => line.includes('dp.targetEpsilon') && line.includes('--dp epsilon=E'))).toBe(true)
    expect(lines.some((line) => /weights\s+K × D\s+The weights\./.test(line))).toBe(true)
    expect(parameterLine({ name: 'label', type: 'string', required: true, description: '' })).toBe('label               text; required')
  })

  test('behavior: train --help lists every built-in trainer with its parameters', () => {
    const help = trainerParametersHelp()
    for (const id of ['logistic-regression', 'linear-regression', 'mlp-classifier', 'torch-mlp']) expect(help).toContain(`  ${id} (label: `)
    expect(help).toMatch(/^ {4}hidden\s+.+$/m)
    expect(help).toMatch(/^ {4}learningRate\s+number > 0 and ≤ 100; default 0\.1$/m)
  })

  test('args: under a policy, the allowed trainers with the columns each predicts, the policy\'s caps, and DP', () => {
    const applicable = applicableTrainers(schema, { trainers: ['logistic-regression', 'mlp-classifier', 'linear-regression', 'custom@' + 'ab'.repeat(32)], maxEpochs: 10, maxHiddenUnits: 32, privacyBudget: { epsilon: 8, delta: 1e-4 } }, { epsilon: 5.5, delta: 1e-4 })
    expect(applicable.trainers.map((trainer) => [trainer.id, trainer.labels])).toEqual([
      ['logistic-regression', ['risk']],
      ['mlp-classifier', ['risk']],
      ['linear-regression', ['age', 'bmi']],
      [`custom@${'ab'.repeat(32)}`, []],
    ])
    expect(applicable.trainers[0]).toMatchObject({ known: true, features: ['age', 'bmi', 'risk'], limits: [{ name: 'epochs', maximum: 10, default: 50 }] })
    expect(applicable.trainers[1]!.limits).toEqual(expect.arrayContaining([{ name: 'hidden', maximum: 32, default: expect.anything() }]))
    expect(applicable.dp).toEqual({ required: true, remaining: { epsilon: 5.5, delta: 1e-4 } })
    const lines = describeApplicable(applicable, { epsilon: 8, delta: 1e-4 })
    expect(lines).toContain('      policy: epochs ≤ 10 (its default 50 is above: pass --param epochs=N)')
    expect(lines.at(-1)).toMatch(/^ {2}dp: required \(--dp epsilon=E or --dp sigma=S\); budget ε = 8, δ = 0\.0001; left ε = 5\.5;/)
    expect(lines).toContain(`  custom@${'ab'.repeat(32)}: not a built-in trainer (its parameters are its author's)`)
  })

  test('args: without a budget DP is optional, and a policy above the trainer\'s own maximum is capped by the trainer', () => {
    const applicable = applicableTrainers(schema, { trainers: ['logistic-regression'], maxEpochs: 5000 }, undefined)
    expect(applicable.trainers[0]!.limits).toEqual([{ name: 'epochs', maximum: 1000, default: 50 }])
    expect(applicable.dp).toEqual({ required: false, remaining: null })
    expect(describeApplicable(applicable, undefined).at(-1)).toMatch(/dp: optional/)
  })
})
