import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { generateKeyPair } from '../keywrap/index.ts'
import { deriveOwnerLogKey, maxOwnerLogBytes, openOwnerLog, ownerLogOverhead, sealOwnerLog } from './index.ts'

const owner = generateKeyPair()
const log = 'step 1: loss 0.69\nrow 17: age=54 chol=233\n'
const sealed = sealOwnerLog(owner.publicKey, log, { jobId: 'job-1' })

function failure(fn: () => unknown): { name: string; code: string } {
  try {
    fn()
  } catch (error) {
    return error as { name: string; code: string }
  }
  throw new Error('expected a failure')
}

describe('sealOwnerLog / openOwnerLog', () => {
  test('default: round trip, 106 bytes of overhead, no plaintext in the sealed bytes', () => {
    expect(ownerLogOverhead).toBe(106)
    expect(sealed.length).toBe(new TextEncoder().encode(log).length + ownerLogOverhead)
    expect([...sealed.subarray(0, 5)]).toEqual([0x44, 0x56, 0x4f, 0x4c, 1])
    expect(Buffer.from(sealed).includes('age=54')).toBe(false)
    expect(openOwnerLog(owner.privateKey, sealed, { jobId: 'job-1' })).toBe(log)
  })

  test('behavior: a fresh key per log, so the same log seals to different bytes', () => {
    expect(Buffer.from(sealOwnerLog(owner.publicKey, log, { jobId: 'job-1' })).equals(Buffer.from(sealed))).toBe(false)
  })

  test('behavior: a 16 KiB tail and an empty log both round-trip', () => {
    const tail = 'x'.repeat(16 * 1024)
    expect(openOwnerLog(owner.privateKey, sealOwnerLog(owner.publicKey, tail, { jobId: 'j' }), { jobId: 'j' })).toBe(tail)
    expect(openOwnerLog(owner.privateKey, sealOwnerLog(owner.publicKey, '', { jobId: 'j' }), { jobId: 'j' })).toBe('')
  })

  test('error: another job id, another key, altered bytes and a truncated box are the same SealedBoxError', () => {
    const altered = sealed.slice()
    altered[altered.length - 20]! ^= 1
    const alteredKeyBox = sealed.slice()
    alteredKeyBox[40]! ^= 1
    for (const attempt of [
      () => openOwnerLog(owner.privateKey, sealed, { jobId: 'job-2' }),
      () => openOwnerLog(generateKeyPair().privateKey, sealed, { jobId: 'job-1' }),
      () => openOwnerLog(owner.privateKey, altered, { jobId: 'job-1' }),
      () => openOwnerLog(owner.privateKey, alteredKeyBox, { jobId: 'job-1' }),
      () => openOwnerLog(owner.privateKey, sealed.subarray(0, 100), { jobId: 'job-1' }),
    ])
      expect(failure(attempt)).toMatchObject({ name: 'SealedBoxError', code: 'SEALED_BOX_INVALID' })
  })

  test('error: a log over 1 MiB is refused', () => {
    expect(failure(() => sealOwnerLog(owner.publicKey, new Uint8Array(maxOwnerLogBytes + 1), { jobId: 'j' }))).toMatchObject({
      code: 'KEYWRAP_INVALID_ARGUMENT',
    })
  })
})

describe('deriveOwnerLogKey', () => {
  const account = privateKeyToAccount(`0x${'3'.repeat(64)}`)

  test('default: the same wallet derives the same key, which opens what was sealed to it', async () => {
    const first = await deriveOwnerLogKey(account)
    const second = await deriveOwnerLogKey(account)
    expect(first.publicKey).toEqual(second.publicKey)
    expect(first.privateKey).toEqual(second.privateKey)
    const box = sealOwnerLog(first.publicKey, log, { jobId: 'job-1' })
    expect(openOwnerLog(second.privateKey, box, { jobId: 'job-1' })).toBe(log)
  })

  test('behavior: another wallet derives another key, which cannot open the log', async () => {
    const mine = await deriveOwnerLogKey(account)
    const theirs = await deriveOwnerLogKey(privateKeyToAccount(`0x${'4'.repeat(64)}`))
    expect(theirs.publicKey).not.toEqual(mine.publicKey)
    const box = sealOwnerLog(mine.publicKey, log, { jobId: 'job-1' })
    expect(failure(() => openOwnerLog(theirs.privateKey, box, { jobId: 'job-1' }))).toMatchObject({ name: 'SealedBoxError' })
  })
})
