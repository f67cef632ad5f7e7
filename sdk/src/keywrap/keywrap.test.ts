import { describe, expect, test } from 'vitest'
import {
  derivePublicKey,
  generateKeyPair,
  keyPairFromHex,
  keyPairToHex,
  maxSealedPlaintextLength,
  openSealed,
  publicKeyFromHex,
  publicKeyToHex,
  sealToPublicKey,
  sealedBoxOverhead,
} from './index.ts'

const recipient = generateKeyPair()
const secret = globalThis.crypto.getRandomValues(new Uint8Array(32))
const context = 'dataset:0x1234'
const box = sealToPublicKey(recipient.publicKey, secret, { context })

function failure(fn: () => unknown): { name: string; code: string; status: number; message: string } {
  try {
    fn()
  } catch (error) {
    return error as { name: string; code: string; status: number; message: string }
  }
  throw new Error('expected a failure')
}

const sealedBoxFailure = { name: 'SealedBoxError', code: 'SEALED_BOX_INVALID', status: 400 }

describe('sealToPublicKey / openSealed', () => {
  test('default: round trip of a data key', () => {
    expect(box.length).toBe(32 + sealedBoxOverhead)
    expect(sealedBoxOverhead).toBe(53)
    expect(openSealed(recipient.privateKey, box, { context })).toEqual(secret)
  })

  test('default: byte layout (magic, version, ephemeral public key)', () => {
    expect([...box.subarray(0, 5)]).toEqual([0x44, 0x56, 0x4b, 0x57, 1])
    const other = sealToPublicKey(recipient.publicKey, secret, { context })
    expect(other.subarray(5, 37)).not.toEqual(box.subarray(5, 37)) // a fresh ephemeral key per box
    expect(other.subarray(37)).not.toEqual(box.subarray(37))
  })

  test('behavior: secrets of 0 to 4096 bytes, and a context given as bytes', () => {
    for (const length of [0, 1, 33, maxSealedPlaintextLength]) {
      const plaintext = globalThis.crypto.getRandomValues(new Uint8Array(length))
      const contextBytes = new Uint8Array([1, 2, 3])
      expect(openSealed(recipient.privateKey, sealToPublicKey(recipient.publicKey, plaintext, { context: contextBytes }), { context: contextBytes })).toEqual(plaintext)
    }
    // a string context and its UTF-8 bytes are the same context
    const sealed = sealToPublicKey(recipient.publicKey, secret, { context: 'é' })
    expect(openSealed(recipient.privateKey, sealed, { context: new Uint8Array([0xc3, 0xa9]) })).toEqual(secret)
  })

  test('error: wrong private key', () => {
    expect(failure(() => openSealed(generateKeyPair().privateKey, box, { context }))).toMatchObject(sealedBoxFailure)
  })

  test('error: wrong context', () => {
    expect(failure(() => openSealed(recipient.privateKey, box, { context: 'dataset:0x1235' }))).toMatchObject(sealedBoxFailure)
  })

  test('behavior: wrong key, wrong context, tampering and malformed boxes give the same message', () => {
    const messages = new Set([
      failure(() => openSealed(generateKeyPair().privateKey, box, { context })).message,
      failure(() => openSealed(recipient.privateKey, box, { context: 'other' })).message,
      failure(() => openSealed(recipient.privateKey, box.subarray(0, 20), { context })).message,
    ])
    expect(messages.size).toBe(1)
  })

  test('error: any flipped bit', () => {
    for (let index = 0; index < box.length; index++) {
      const altered = box.slice()
      altered[index]! ^= 0x10
      expect(failure(() => openSealed(recipient.privateKey, altered, { context })), `byte ${index}`).toMatchObject(sealedBoxFailure)
    }
  })

  test('error: truncated, extended, empty, or from another format', () => {
    for (const sealed of [
      box.subarray(0, box.length - 1),
      box.subarray(0, sealedBoxOverhead - 1),
      new Uint8Array(),
      new Uint8Array([...box, 0]),
      new Uint8Array(box.length),
      new Uint8Array(sealedBoxOverhead + maxSealedPlaintextLength + 1),
    ])
      expect(failure(() => openSealed(recipient.privateKey, sealed, { context }))).toMatchObject(sealedBoxFailure)
  })

  test('error: an ephemeral key replaced by a low-order point', () => {
    const altered = box.slice()
    altered.fill(0, 5, 37) // u = 0
    expect(failure(() => openSealed(recipient.privateKey, altered, { context }))).toMatchObject(sealedBoxFailure)
  })

  test('error: the ephemeral key of one box moved onto another', () => {
    const other = sealToPublicKey(recipient.publicKey, secret, { context })
    const spliced = new Uint8Array([...other.subarray(0, 37), ...box.subarray(37)])
    expect(failure(() => openSealed(recipient.privateKey, spliced, { context }))).toMatchObject(sealedBoxFailure)
  })

  test('args: bad keys, empty context, oversized secret', () => {
    const argumentFailure = { name: 'KeyWrapArgumentError', code: 'KEYWRAP_INVALID_ARGUMENT', status: 400 }
    expect(failure(() => sealToPublicKey(new Uint8Array(31), secret, { context }))).toMatchObject(argumentFailure)
    expect(failure(() => sealToPublicKey(new Uint8Array(32), secret, { context }))).toMatchObject(argumentFailure) // low order
    expect(failure(() => sealToPublicKey(recipient.publicKey, secret, { context: '' }))).toMatchObject(argumentFailure)
    expect(failure(() => sealToPublicKey(recipient.publicKey, new Uint8Array(maxSealedPlaintextLength + 1), { context }))).toMatchObject(argumentFailure)
    expect(failure(() => openSealed(new Uint8Array(33), box, { context }))).toMatchObject(argumentFailure)
    expect(failure(() => openSealed(recipient.privateKey, box, { context: new Uint8Array() }))).toMatchObject(argumentFailure)
  })
})

describe('keys', () => {
  test('default: generateKeyPair gives distinct 32-byte pairs whose public key matches', () => {
    const pair = generateKeyPair()
    expect(pair.privateKey.length).toBe(32)
    expect(pair.publicKey.length).toBe(32)
    expect(derivePublicKey(pair.privateKey)).toEqual(pair.publicKey)
    expect(generateKeyPair().privateKey).not.toEqual(pair.privateKey)
  })

  test('behavior: RFC 7748 section 6.1 test vector (Alice and Bob)', () => {
    const alice = keyPairFromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
    expect(keyPairToHex(alice).publicKey).toBe('0x8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
    const bob = keyPairFromHex('0x5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
    expect(publicKeyToHex(bob.publicKey)).toBe('0xde9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')
    // and a box sealed to Bob's published key opens with his private key
    const sealed = sealToPublicKey(publicKeyFromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'), secret, { context })
    expect(openSealed(bob.privateKey, sealed, { context })).toEqual(secret)
  })

  test('behavior: hex round trip', () => {
    const pair = generateKeyPair()
    const hex = keyPairToHex(pair)
    expect(hex.privateKey).toMatch(/^0x[0-9a-f]{64}$/)
    expect(keyPairFromHex(hex.privateKey)).toEqual(pair)
    expect(publicKeyFromHex(hex.publicKey.toUpperCase().replace('0X', '0x'))).toEqual(pair.publicKey)
  })

  test.each(['', '0x', '0x1234', 'zz'.repeat(32), '0x' + 'a'.repeat(66)])('error: hex key %j', (hex) => {
    expect(failure(() => publicKeyFromHex(hex))).toMatchObject({ name: 'KeyWrapArgumentError' })
    expect(failure(() => keyPairFromHex(hex))).toMatchObject({ name: 'KeyWrapArgumentError' })
  })
})
