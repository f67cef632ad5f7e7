import { describe, expect, test } from 'vitest'
import { computePolicySchema } from '@datavault/sdk'
import { manifestAllowsProgram } from '../keyholder/key-holder.ts'
import { approvalTerms } from '../db/algorithms.ts'
import { policyAllowsTrainer } from './key-service.ts'

const hash = `0x${'ab'.repeat(32)}` as const
const outputs = { tensors: [{ name: 'w', dtype: 'F32', shape: [1, 4] }], metrics: ['loss'] }
const params = { epochs: 3 }
const terms = approvalTerms({ outputs, params })
// Parsed with the policy schema the node validates with: the pin syntax is accepted there too.
const dataset = (trainers: string[]) => ({ id: '0x00000000000000000000000000000000000000d1' as const, policy: computePolicySchema.parse({ trainers }) })

describe('policyAllowsTrainer', () => {
  test('default: a custom program pinned with its terms runs on exactly those terms', () => {
    const pinned = dataset([`custom@${hash.slice(2)}+${terms.slice(2)}`])
    expect(policyAllowsTrainer(pinned, { id: 'custom', hash, outputs }, undefined, params)).toBe(true)
  })

  test('behavior: a pin binds declared outputs and parameters: other outputs, other parameters, or a bare hash pin wait for approval', () => {
    const pinned = dataset([`custom@${hash.slice(2)}+${terms.slice(2)}`])
    const bigger = { ...outputs, tensors: [{ name: 'w', dtype: 'F32', shape: [1_000_000, 16] }] }
    expect(policyAllowsTrainer(pinned, { id: 'custom', hash, outputs: bigger }, undefined, params)).toBe(false)
    expect(policyAllowsTrainer(pinned, { id: 'custom', hash, outputs }, undefined, { epochs: 1000 })).toBe(false)
    expect(policyAllowsTrainer(dataset([`custom@${hash.slice(2)}`]), { id: 'custom', hash, outputs }, undefined, params)).toBe(false)
  })

  test('behavior: key holders read the same pin from the manifest', () => {
    const trainers = [`custom@${hash.slice(2)}+${terms.slice(2)}`]
    const program = { datasetId: '0xd1', trainerId: 'custom', trainerHash: hash, termsHash: terms }
    expect(manifestAllowsProgram(trainers, program)).toBe(true)
    expect(manifestAllowsProgram(trainers, { ...program, termsHash: approvalTerms({ outputs, params: { epochs: 4 } }) })).toBe(false)
    expect(manifestAllowsProgram([`custom@${hash.slice(2)}`], program)).toBe(false)
  })

  test('args: built-in trainers by id or pinned bundle hash, as before', () => {
    expect(policyAllowsTrainer(dataset(['torch-custom']), { id: 'torch-custom', hash })).toBe(true)
    expect(policyAllowsTrainer(dataset([`torch-custom@${hash.slice(2)}`]), { id: 'torch-custom', hash })).toBe(true)
    expect(policyAllowsTrainer(dataset(['torch-mlp']), { id: 'torch-custom', hash })).toBe(false)
  })
})
