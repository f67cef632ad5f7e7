import { describe, expect, test } from 'vitest'
import { generateDataKey } from '../envelope/generateDataKey.ts'
import { combineKeyShares } from './combineKeyShares.ts'
import { keyEscrowManifestSchema } from './format.ts'
import { splitDataKey } from './splitDataKey.ts'

const dataset = '0x1111111111111111111111111111111111111111' as const

const errorOf = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: { name: string; code: string }) => ({ name: error.name, code: error.code }))

describe('splitDataKey / combineKeyShares', () => {
  test('default: any 2 of 3 shares rebuild the key', async () => {
    const key = generateDataKey()
    const { shares, shareCommitments, keyCommitment } = await splitDataKey({ dataset, key, threshold: 2, holders: 3 })
    const manifest = { dataset, threshold: 2, shareCommitments, keyCommitment }
    for (const pair of [[0, 1], [0, 2], [1, 2]] as const) {
      const combined = await combineKeyShares({ manifest, shares: pair.map((index) => ({ index, share: shares[index]! })) })
      expect(combined.key).toEqual(key)
      expect(combined.rejected).toEqual([])
    }
  })

  test('behavior: with a threshold of 1 each share is the key and one is enough', async () => {
    const key = generateDataKey()
    const { shares, shareCommitments, keyCommitment } = await splitDataKey({ dataset, key, threshold: 1, holders: 1 })
    expect(shares[0]).toEqual(key)
    expect((await combineKeyShares({ manifest: { dataset, threshold: 1, shareCommitments, keyCommitment }, shares: [{ index: 0, share: shares[0]! }] })).key).toEqual(key)
  })

  test('behavior: one share reveals nothing a second split of the same key repeats', async () => {
    const key = generateDataKey()
    const first = await splitDataKey({ dataset, key, threshold: 2, holders: 3 })
    const second = await splitDataKey({ dataset, key, threshold: 2, holders: 3 })
    expect(first.shares[0]).not.toEqual(second.shares[0])
    expect(first.keyCommitment).toBe(second.keyCommitment)
  })

  test('behavior: a lying holder is named and skipped when enough honest shares remain', async () => {
    const key = generateDataKey()
    const { shares, shareCommitments, keyCommitment } = await splitDataKey({ dataset, key, threshold: 2, holders: 3 })
    const lie = shares[0]!.slice()
    lie[0] = lie[0]! ^ 1
    const combined = await combineKeyShares({
      manifest: { dataset, threshold: 2, shareCommitments, keyCommitment },
      shares: [{ index: 0, share: lie }, { index: 1, share: shares[1]! }, { index: 2, share: shares[2]! }],
    })
    expect(combined.key).toEqual(key)
    expect(combined.rejected).toEqual([0])
  })

  test('error: too few valid shares, a share under another index, a wrong key commitment', async () => {
    const key = generateDataKey()
    const { shares, shareCommitments, keyCommitment } = await splitDataKey({ dataset, key, threshold: 2, holders: 3 })
    const manifest = { dataset, threshold: 2, shareCommitments, keyCommitment }
    expect(await errorOf(combineKeyShares({ manifest, shares: [{ index: 0, share: shares[0]! }] }))).toEqual({ name: 'KeyShareCombineError', code: 'KEY_SHARES_INVALID' })
    expect(await errorOf(combineKeyShares({ manifest, shares: [{ index: 1, share: shares[0]! }, { index: 2, share: shares[2]! }] }))).toEqual({
      name: 'KeyShareCombineError',
      code: 'KEY_SHARES_INVALID',
    })
    const other = await splitDataKey({ dataset, key: generateDataKey(), threshold: 2, holders: 3 })
    expect(
      await errorOf(combineKeyShares({ manifest: { ...manifest, shareCommitments: other.shareCommitments }, shares: other.shares.map((share, index) => ({ index, share })) })),
    ).toEqual({ name: 'KeyShareCombineError', code: 'KEY_SHARES_INVALID' })
  })

  test('error: bad thresholds and keys', async () => {
    const key = generateDataKey()
    for (const [threshold, holders] of [[0, 3], [4, 3], [2, 0], [2, 17], [1.5, 3]] as const)
      expect(await errorOf(splitDataKey({ dataset, key, threshold, holders }))).toEqual({ name: 'KeyShareArgumentError', code: 'KEY_SHARE_INVALID_ARGUMENT' })
    expect(await errorOf(splitDataKey({ dataset, key: new Uint8Array(16), threshold: 1, holders: 1 }))).toEqual({ name: 'KeyShareArgumentError', code: 'KEY_SHARE_INVALID_ARGUMENT' })
  })

  test('error: a manifest whose threshold, holders or commitments do not add up', () => {
    const base = {
      dataset,
      cid: 'bafy',
      threshold: 2,
      holders: [dataset, '0x2222222222222222222222222222222222222222'],
      shareCommitments: [`0x${'aa'.repeat(32)}`, `0x${'bb'.repeat(32)}`],
      keyCommitment: `0x${'cc'.repeat(32)}`,
      computeNodes: [dataset],
      trainers: ['logistic-regression'],
      issuedAt: '1',
    }
    expect(keyEscrowManifestSchema.safeParse(base).success).toBe(true)
    expect(keyEscrowManifestSchema.safeParse({ ...base, threshold: 3 }).success).toBe(false)
    expect(keyEscrowManifestSchema.safeParse({ ...base, shareCommitments: base.shareCommitments.slice(1) }).success).toBe(false)
    expect(keyEscrowManifestSchema.safeParse({ ...base, holders: [dataset, dataset] }).success).toBe(false)
  })
})
