import { describe, expect, test } from 'vitest'
import { computePolicySchema } from '../api/schemas.ts'
import { computePolicyFromPoolLimits, poolComputeLimitsFromPolicy } from './poolPolicy.ts'

describe('poolComputeLimitsFromPolicy', () => {
  test('default: a policy’s defaults become the pool’s limits', () => {
    expect(poolComputeLimitsFromPolicy(computePolicySchema.parse({ trainers: ['logistic-regression'] }))).toEqual({
      maxEpochs: 200,
      maxWallTimeSeconds: 600,
      maxMemoryMb: 1024,
      maxOutputBytes: 64n * 1024n * 1024n,
      minRows: 0n,
      maxHiddenUnits: 0,
      epsilonMicros: 0n,
      deltaPicos: 0n,
      forfeitOrderOnViolation: false,
    })
  })

  test('behavior: every field survives the round trip through the chain’s units', () => {
    const { trainers: _trainers, ...policy } = computePolicySchema.parse({
      trainers: ['mlp-classifier'],
      maxEpochs: 50,
      maxWallTimeSeconds: 120,
      maxMemoryMb: 512,
      maxOutputBytes: 2048,
      onViolation: 'forfeit-order',
      minRows: 1000,
      maxHiddenUnits: 64,
      privacyBudget: { epsilon: 2.5, delta: 1e-6 },
    })
    const limits = poolComputeLimitsFromPolicy(policy)
    expect(limits).toMatchObject({ epsilonMicros: 2_500_000n, deltaPicos: 1_000_000n, forfeitOrderOnViolation: true, minRows: 1000n })
    expect(computePolicyFromPoolLimits(limits)).toEqual(policy)
  })
})
