import { type SignedReceipt, ciphertextLength } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { extensionChunkSize } from '../data/encrypt.ts'
import { maxPlaintextBytes, plaintextLimit, privacySpent } from './vault-actions.ts'

const receipt = (epsilon: string, delta: string) => ({ message: { epsilon, delta } }) as unknown as SignedReceipt

describe('plaintextLimit', () => {
  test("default: the largest plaintext whose envelope (the extension's chunk size) fits the node's upload limit", () => {
    for (const max of [256 * 1024, 1024 ** 2, 10 * 1024 ** 2 + 7, 100]) {
      const limit = plaintextLimit(max)
      expect(ciphertextLength(limit, extensionChunkSize)).toBeLessThanOrEqual(max)
      if (limit > 0) expect(ciphertextLength(limit + 1, extensionChunkSize)).toBeGreaterThan(max)
    }
  })

  test("behavior: never more than the extension's own 1 GiB", () => {
    expect(plaintextLimit(4 * 1024 ** 3)).toBe(maxPlaintextBytes)
  })
})

describe('privacySpent', () => {
  test('default: ε from the receipt, in plain words; δ = 1 means the job ran without differential privacy', () => {
    expect(privacySpent(receipt('1.2345678', '0.00001'))).toBe('1.23 of the privacy budget')
    expect(privacySpent(receipt('0', '1'))).toBe('None: not private training')
    expect(privacySpent(undefined)).toBe('—')
  })
})
