import { describe, expect, test } from 'vitest'
import { backgroundRequestSchema, decodeJson, encodeJson } from './messages.ts'

describe('messages', () => {
  test('default: bigints survive the trip as tagged JSON, nested and negative', () => {
    const value = { gas: 21_000n, list: [1n, -2n], nested: { expiry: 1_900_000_000n }, text: 'x', n: 1 }
    expect(decodeJson(encodeJson(value))).toEqual(value)
  })

  test('behavior: only a lone, well-formed $bigint tag is read as a bigint', () => {
    expect(decodeJson('{"a":{"$bigint":"12","b":1},"c":{"$bigint":"1e5"}}')).toEqual({ a: { $bigint: '12', b: 1 }, c: { $bigint: '1e5' } })
  })

  test('error: requests outside the schema are refused (unknown type, missing or oversized fields)', () => {
    expect(backgroundRequestSchema.safeParse({ type: 'wallet.export' }).success).toBe(false)
    expect(backgroundRequestSchema.safeParse({ type: 'wallet.unlock', password: '' }).success).toBe(false)
    expect(backgroundRequestSchema.safeParse({ type: 'library.dataKey', id: 'not-a-uuid' }).success).toBe(false)
    expect(backgroundRequestSchema.safeParse({ type: 'wallet.signTypedData', typedData: 'x'.repeat(1024 ** 2 + 1) }).success).toBe(false)
    expect(backgroundRequestSchema.safeParse({ type: 'library.add', item: {}, dataKey: '00' }).success).toBe(false)
  })
})
