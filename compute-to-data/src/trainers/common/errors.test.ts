import type { TrainerParametersReason } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { trainerErrorCodes } from '../../sandbox/protocol.ts'
import type { TrainerDataReason } from './errors.ts'

// Every reason a trainer can print, listed so that the compiler checks the list is complete.
const dataReasons = [
  'bad-config',
  'bad-encoding',
  'bad-csv',
  'duplicate-header',
  'missing-column',
  'ragged-row',
  'non-numeric-cell',
  'unknown-label-value',
  'unknown-category-value',
  'no-rows',
  'rows-mismatch',
  'output-failed',
] as const satisfies readonly TrainerDataReason[]
const parameterReasons = [
  'bad-parameters',
  'bad-label',
  'missing-column',
  'bad-feature',
  'duplicate-feature',
  'no-numeric-features',
  'model-too-large',
  'dp-missing-rows',
  'dp-missing-bounds',
  'dp-batch-too-large',
  'dp-delta-too-large',
] as const satisfies readonly TrainerParametersReason[]
const complete: [Exclude<TrainerDataReason, (typeof dataReasons)[number]>, Exclude<TrainerParametersReason, (typeof parameterReasons)[number]>] extends [never, never] ? true : false = true

describe('trainer error reasons', () => {
  test('default: every reason a trainer reports is a code the runner lets through', () => {
    expect(complete).toBe(true)
    for (const reason of [...dataReasons, ...parameterReasons, 'internal-error']) expect(trainerErrorCodes.has(reason), reason).toBe(true)
  })
})
