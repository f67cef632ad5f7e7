import { describe, expect, test } from 'vitest'
import { torchMlpParametersSchema } from '@datavault/sdk'
import { parseDp, parseParams } from './job-params.ts'

describe('parseParams', () => {
  test('default: typed values', () => {
    expect(
      parseParams(['epochs=20', 'learningRate=0.05', 'l2=1e-4', 'shuffle=true', 'verbose=false', 'hidden=[16,8]', 'features=["age","bmi"]', 'label=risk', 'x=null']),
    ).toEqual({ epochs: 20, learningRate: 0.05, l2: 1e-4, shuffle: true, verbose: false, hidden: [16, 8], features: ['age', 'bmi'], label: 'risk', x: null })
  })

  test('behavior: dotted keys nest; a value may hold "="', () => {
    expect(parseParams(['dp.noiseMultiplier=1.1', 'dp.maxGradNorm=1', 'note=a=b'])).toEqual({ dp: { noiseMultiplier: 1.1, maxGradNorm: 1 }, note: 'a=b' })
  })

  test('behavior: torch-mlp parameters from flags (`datavault train --trainer torch-mlp`)', () => {
    const params = { ...parseParams(['hidden=[64,32,16]', 'optimizer=sgd', 'learningRate=0.05', 'epochs=10']), label: 'bmi', dp: parseDp('sigma=1.1,clip=1') }
    expect(torchMlpParametersSchema.parse(params)).toEqual({
      label: 'bmi',
      hidden: [64, 32, 16],
      optimizer: 'sgd',
      learningRate: 0.05,
      epochs: 10,
      l2: 0,
      batchSize: 64,
      seed: 0,
      dp: { noiseMultiplier: 1.1, maxGradNorm: 1 },
    })
    expect(torchMlpParametersSchema.safeParse({ ...parseParams(['optimizer=rmsprop']), label: 'bmi' }).success).toBe(false)
  })

  test('behavior: a number-like word stays text unless it is a plain decimal', () => {
    expect(parseParams(['a=0x10', 'b=1_000', 'c=-3', 'd=.5'])).toEqual({ a: '0x10', b: '1_000', c: -3, d: 0.5 })
  })

  test('error: not key=value, a bad key, a repeated key, broken JSON', () => {
    expect(() => parseParams(['epochs'])).toThrow(/expected key=value/)
    expect(() => parseParams(['=3'])).toThrow(/expected key=value/)
    expect(() => parseParams(['a-b=3'])).toThrow(/not a parameter name/)
    expect(() => parseParams(['epochs=1', 'epochs=2'])).toThrow(/given twice/)
    expect(() => parseParams(['dp=1', 'dp.x=2'])).toThrow(/already a value/)
    expect(() => parseParams(['hidden=[16,'])).toThrow(/does not parse/)
    try {
      parseParams(['epochs'])
    } catch (error) {
      expect(error).toMatchObject({ name: 'CliUsageError', code: 'PARAM_INVALID', exitCode: 2 })
    }
  })
})

describe('parseDp', () => {
  test('default: sigma and clip, with an optional delta', () => {
    expect(parseDp('sigma=1.1,clip=1')).toEqual({ noiseMultiplier: 1.1, maxGradNorm: 1 })
    expect(parseDp('noiseMultiplier=2,maxGradNorm=0.5,delta=1e-6')).toEqual({ noiseMultiplier: 2, maxGradNorm: 0.5, delta: 1e-6 })
  })

  test('args: a target ε instead of sigma; clip defaults to 1', () => {
    expect(parseDp('epsilon=3')).toEqual({ targetEpsilon: 3, maxGradNorm: 1 })
    expect(parseDp('epsilon=0.5,clip=2,delta=1e-6')).toEqual({ targetEpsilon: 0.5, maxGradNorm: 2, delta: 1e-6 })
    expect(parseDp('sigma=1')).toEqual({ noiseMultiplier: 1, maxGradNorm: 1 })
  })

  test('error: missing, unknown, repeated or out-of-range values', () => {
    expect(() => parseDp('clip=1')).toThrow(/either sigma=<noise multiplier> or epsilon=<target ε> .*not neither/)
    expect(() => parseDp('sigma=1,epsilon=3')).toThrow(/not both/)
    expect(() => parseDp('epsilon=0')).toThrow(/--dp/)
    expect(() => parseDp('sigma=1,clip=1,eps=3')).toThrow(/expected sigma/)
    expect(() => parseDp('sigma=1,sigma=2,clip=1')).toThrow(/given twice/)
    expect(() => parseDp('sigma=x,clip=1')).toThrow(/not a number/)
    expect(() => parseDp('sigma=-1,clip=1')).toThrow(/--dp/)
    expect(() => parseDp('sigma=1,clip=1,delta=2')).toThrow(/--dp/)
  })
})
