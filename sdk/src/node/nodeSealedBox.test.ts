import { randomBytes } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { generateKeyPair, maxSealedPlaintextLength, openSealed, sealToPublicKey, sealedBoxOverhead } from '../index.ts'
import { nodeOpenSealed, nodeSealToPublicKey, nodeSealedBoxOpener } from './nodeSealedBox.ts'

const context = 'datavault/released-share/v1:8996:0xabc:0xdef:job-1'
const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return 'did not throw'
}

describe('node sealed box', () => {
  test('default: boxes sealed natively open with the SDK, and the other way round', () => {
    for (const length of [0, 1, 32, 33, maxSealedPlaintextLength]) {
      const recipient = generateKeyPair()
      const secret = new Uint8Array(randomBytes(length))
      const native = nodeSealToPublicKey(recipient.publicKey, secret, { context })
      expect(native.length).toBe(length + sealedBoxOverhead)
      expect(openSealed(recipient.privateKey, native, { context })).toEqual(secret)
      const sdk = sealToPublicKey(recipient.publicKey, secret, { context })
      expect(nodeOpenSealed(recipient.privateKey, sdk, { context })).toEqual(secret)
    }
  })

  test('args: one nodeSealedBoxOpener opens many boxes to its key, each under its own context, and refuses what nodeOpenSealed refuses', () => {
    const recipient = generateKeyPair()
    const opener = nodeSealedBoxOpener(recipient.privateKey)
    for (let i = 0; i < 4; i++) {
      const secret = new Uint8Array(randomBytes(32))
      const box = (i % 2 ? sealToPublicKey : nodeSealToPublicKey)(recipient.publicKey, secret, { context: `${context}:${i}` })
      expect(opener.open(box, { context: `${context}:${i}` })).toEqual(secret)
      expect(codeOf(() => opener.open(box, { context }))).toBe('SEALED_BOX_INVALID')
    }
    expect(codeOf(() => nodeSealedBoxOpener(generateKeyPair().privateKey).open(nodeSealToPublicKey(recipient.publicKey, new Uint8Array(32), { context }), { context }))).toBe(
      'SEALED_BOX_INVALID',
    )
    expect(codeOf(() => nodeSealedBoxOpener(new Uint8Array(16)))).toBe('KEYWRAP_INVALID_ARGUMENT')
  })

  test('behavior: a byte context and its UTF-8 string are the same context', () => {
    const recipient = generateKeyPair()
    const box = nodeSealToPublicKey(recipient.publicKey, Uint8Array.of(1, 2, 3), { context: new TextEncoder().encode(context) })
    expect(openSealed(recipient.privateKey, box, { context })).toEqual(Uint8Array.of(1, 2, 3))
  })

  test('behavior: each box has a fresh ephemeral key', () => {
    const recipient = generateKeyPair()
    const secret = new Uint8Array(32)
    expect(nodeSealToPublicKey(recipient.publicKey, secret, { context })).not.toEqual(nodeSealToPublicKey(recipient.publicKey, secret, { context }))
  })

  test('error: another key, another context, any altered byte or a truncated box is SEALED_BOX_INVALID', () => {
    const recipient = generateKeyPair()
    const box = sealToPublicKey(recipient.publicKey, new Uint8Array(randomBytes(32)), { context })
    expect(codeOf(() => nodeOpenSealed(generateKeyPair().privateKey, box, { context }))).toBe('SEALED_BOX_INVALID')
    expect(codeOf(() => nodeOpenSealed(recipient.privateKey, box, { context: `${context}x` }))).toBe('SEALED_BOX_INVALID')
    for (let i = 0; i < box.length; i++) {
      const altered = box.slice()
      altered[i] = (altered[i] as number) ^ 0x01
      expect(codeOf(() => nodeOpenSealed(recipient.privateKey, altered, { context })), `byte ${i}`).toBe('SEALED_BOX_INVALID')
    }
    expect(codeOf(() => nodeOpenSealed(recipient.privateKey, box.subarray(0, sealedBoxOverhead - 1), { context }))).toBe('SEALED_BOX_INVALID')
  })

  test('error: a low-order public key, a bad key length, an empty context or an oversized secret is KEYWRAP_INVALID_ARGUMENT', () => {
    const recipient = generateKeyPair()
    expect(codeOf(() => nodeSealToPublicKey(new Uint8Array(32), new Uint8Array(32), { context }))).toBe('KEYWRAP_INVALID_ARGUMENT')
    expect(codeOf(() => nodeSealToPublicKey(new Uint8Array(31), new Uint8Array(32), { context }))).toBe('KEYWRAP_INVALID_ARGUMENT')
    expect(codeOf(() => nodeSealToPublicKey(recipient.publicKey, new Uint8Array(32), { context: '' }))).toBe('KEYWRAP_INVALID_ARGUMENT')
    expect(codeOf(() => nodeSealToPublicKey(recipient.publicKey, new Uint8Array(maxSealedPlaintextLength + 1), { context }))).toBe('KEYWRAP_INVALID_ARGUMENT')
    expect(codeOf(() => nodeOpenSealed(new Uint8Array(16), new Uint8Array(64), { context }))).toBe('KEYWRAP_INVALID_ARGUMENT')
  })
})
