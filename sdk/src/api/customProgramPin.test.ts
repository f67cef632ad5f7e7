import { describe, expect, test } from 'vitest'
import { customProgramPin } from './customProgramPin.ts'
import { approvalTermsHash } from './receipt.ts'
import { computePolicySchema } from './schemas.ts'

const hash = `0x${'ab'.repeat(32)}` as const
const outputs = { tensors: [{ name: 'means', dtype: 'F32' as const, shape: [7] }] }

describe('customProgramPin', () => {
  test('default: custom@<sha256>+<terms>, the terms of the declared outputs (defaults filled in as the node does) and parameters', () => {
    const pin = customProgramPin({ hash, outputs })
    const terms = approvalTermsHash({ outputs: { ...outputs, metrics: [] }, params: {} })
    expect(pin).toBe(`custom@${'ab'.repeat(32)}+${terms.slice(2)}`)
    // A policy accepts it as an entry.
    expect(computePolicySchema.parse({ trainers: ['logistic-regression', pin] }).trainers).toContain(pin)
  })

  test('behavior: other parameters or outputs are other terms', () => {
    const pin = customProgramPin({ hash, outputs })
    expect(customProgramPin({ hash, outputs, params: { epochs: 2 } })).not.toBe(pin)
    expect(customProgramPin({ hash, outputs: { tensors: [{ name: 'means', dtype: 'F32', shape: [8] }] } })).not.toBe(pin)
  })

  test('error: a malformed hash or outputs are refused', () => {
    expect(() => customProgramPin({ hash: '0x12', outputs })).toThrow()
    expect(() => customProgramPin({ hash, outputs: { tensors: [] } })).toThrow()
  })
})
