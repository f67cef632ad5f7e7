import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { JobTicket } from '../keyshares/format.ts'
import { decodeHeReleaseRequest, encodeHeReleaseRequest, heReleaseResultCount, heReleaseSensitivity, heReleaseTermsHash } from './heReleaseRequest.ts'

const ticket: JobTicket = {
  holder: '0x00000000000000000000000000000000000000a1',
  dataset: '0x00000000000000000000000000000000000000d1',
  pool: '0x0000000000000000000000000000000000000000',
  jobId: 'job-1',
  orderTx: `0x${'11'.repeat(32)}`,
  buyer: '0x00000000000000000000000000000000000000b1',
  trainerId: 'he-stats',
  trainerHash: `0x${'ab'.repeat(32)}`,
  termsHash: `0x${'cd'.repeat(32)}`,
  jobKey: `0x${'ef'.repeat(32)}`,
  expiry: 1_900_000_000n,
  nonce: `0x${'01'.repeat(16)}`,
}
const request = {
  dataset: '0x00000000000000000000000000000000000000d1' as Address,
  columns: ['a'],
  manifestBytes: new TextEncoder().encode('{"version":1}'),
  manifestSignature: `0x${'22'.repeat(65)}` as Hex,
  sealedSecretKey: Uint8Array.of(1, 2, 3),
  results: [Uint8Array.of(4, 5), Uint8Array.of(6)],
  tickets: [{ ticket, signature: `0x${'33'.repeat(65)}` as Hex }],
}

describe('HE release requests', () => {
  test('default: a request survives encoding byte for byte, tickets included', () => {
    const decoded = decodeHeReleaseRequest(encodeHeReleaseRequest({ ...request, dp: { noiseMultiplier: 2, delta: 1e-6 } }))
    expect(decoded).toMatchObject({ dataset: request.dataset, columns: ['a'], dp: { noiseMultiplier: 2, delta: 1e-6 }, manifestSignature: request.manifestSignature })
    expect(decoded.results).toEqual(request.results)
    expect(decoded.sealedSecretKey).toEqual(request.sealedSecretKey)
    expect(decoded.tickets[0]?.ticket).toEqual(ticket)
  })

  test('error: as many results as the columns need, and sections that add up', () => {
    expect(() => decodeHeReleaseRequest(encodeHeReleaseRequest({ ...request, results: [Uint8Array.of(1)] }))).toThrow(expect.objectContaining({ code: 'HE_RESULTS_MISMATCH' }))
    const body = encodeHeReleaseRequest(request)
    expect(() => decodeHeReleaseRequest(body.subarray(0, body.byteLength - 1))).toThrow(expect.objectContaining({ code: 'HE_OBJECT_REFUSED' }))
    expect(heReleaseResultCount(11)).toBe(77)
  })

  test('behavior: the terms hash changes with any result byte, the columns or the noise', () => {
    const base = { manifestHash: 'aa', columns: ['a'], results: request.results }
    const hash = heReleaseTermsHash(base)
    expect(heReleaseTermsHash({ ...base, results: [Uint8Array.of(4, 6), Uint8Array.of(6)] })).not.toBe(hash)
    expect(heReleaseTermsHash({ ...base, columns: ['b'] })).not.toBe(hash)
    expect(heReleaseTermsHash({ ...base, dp: { noiseMultiplier: 1, delta: 1e-6 } })).not.toBe(hash)
    expect(heReleaseTermsHash(base)).toBe(hash)
  })

  test('args: the sensitivity is the L2 norm of each statistic\'s range over the bounds', () => {
    // a ∈ [0, 1], b ∈ [-1, 1]: sums 1 and 2; a² 1, ab 2 (corners −1…1), b² 1 (0…1).
    expect(heReleaseSensitivity([{ min: 0, max: 1 }, { min: -1, max: 1 }])).toBeCloseTo(Math.sqrt(11), 12)
    // [2, 3]: sum 1, square 4…9 → 5.
    expect(heReleaseSensitivity([{ min: 2, max: 3 }])).toBeCloseTo(Math.sqrt(26), 12)
  })
})
