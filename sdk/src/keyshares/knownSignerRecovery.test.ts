import { secp256k1 } from '@noble/curves/secp256k1.js'
import { type Hex, hexToBytes, recoverTypedDataAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { jobTicketTypes, keyEscrowDomain } from './format.ts'
import { knownSignerRecovery } from './knownSignerRecovery.ts'
import { typedDataHasher } from './typedDataHasher.ts'

const node = privateKeyToAccount(generatePrivateKey())
const stranger = privateKeyToAccount(generatePrivateKey())
const domain = keyEscrowDomain({ chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' })
const ticket = (nonce: number) =>
  ({
    holder: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    dataset: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    pool: '0x0000000000000000000000000000000000000000',
    jobId: 'job-1',
    orderTx: `0x${'ab'.repeat(32)}`,
    buyer: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    trainerId: 'logistic-regression',
    trainerHash: `0x${'cd'.repeat(32)}`,
    termsHash: `0x${'00'.repeat(32)}`,
    jobKey: `0x${'ef'.repeat(32)}`,
    expiry: 1_800_000_000n,
    nonce: `0x${nonce.toString(16).padStart(32, '0')}`,
  }) as const
const typed = (nonce: number) => ({ domain, types: jobTicketTypes, primaryType: 'JobTicket', message: ticket(nonce) }) as const
const rememberNode = { remember: (signer: string) => signer === node.address }
const rememberNone = { remember: () => false }

/** The same (r, s) with v flipped: recovery lifts the other point and finds another key. */
const flipV = (signature: Hex): Hex => `0x${signature.slice(2, 130)}${signature.endsWith('1b') ? '1c' : '1b'}`
/** The same signature with s replaced by n − s and v flipped: recovery finds the same key. */
const negateS = (signature: Hex): Hex => {
  const bytes = hexToBytes(signature)
  const s = secp256k1.Point.Fn.neg(BigInt(`0x${signature.slice(66, 130)}`))
  return `0x${signature.slice(2, 66)}${s.toString(16).padStart(64, '0')}${bytes[64] === 27 ? '1c' : '1b'}`
}

describe('knownSignerRecovery', () => {
  test('default: a remembered signer is found again by its key (no recovery asks to remember it again), as viem recovers it', async () => {
    const asked: string[] = []
    const signers = knownSignerRecovery()
    const remember = { remember: (signer: string) => (asked.push(signer), signer === node.address) }
    for (let nonce = 0; nonce < 4; nonce++) {
      const signature = await node.signTypedData(typed(nonce))
      expect(signers.recover({ ...typed(nonce), signature }, remember)).toBe(await recoverTypedDataAddress({ ...typed(nonce), signature }))
    }
    expect(asked).toEqual([node.address])
  })

  test('behavior: every variant of a remembered signer\'s signature gets the answer full recovery gives', async () => {
    const signers = knownSignerRecovery()
    const fresh = () => knownSignerRecovery()
    const signature = await node.signTypedData(typed(0))
    expect(signers.recover({ ...typed(0), signature }, rememberNode)).toBe(node.address)
    // Another message, v flipped, s negated (and v flipped with it), r or s changed: each answer is the full recovery's.
    const variants: { message: number; signature: Hex }[] = [
      { message: 1, signature },
      { message: 0, signature: flipV(signature) },
      { message: 0, signature: negateS(signature) },
      { message: 0, signature: `${signature.slice(0, 10)}${signature[10] === '0' ? '1' : '0'}${signature.slice(11)}` as Hex },
      { message: 0, signature: `${signature.slice(0, 100)}${signature[100] === '0' ? '1' : '0'}${signature.slice(101)}` as Hex },
    ]
    for (const variant of variants) {
      const full = (() => {
        try {
          return fresh().recover({ ...typed(variant.message), signature: variant.signature }, rememberNone)
        } catch {
          return 'throws'
        }
      })()
      const known = (() => {
        try {
          return signers.recover({ ...typed(variant.message), signature: variant.signature }, rememberNode)
        } catch {
          return 'throws'
        }
      })()
      expect(known).toBe(full)
    }
    expect(fresh().recover({ ...typed(0), signature: flipV(signature) }, rememberNone)).not.toBe(node.address)
    expect(signers.recover({ ...typed(0), signature: negateS(signature) }, rememberNode)).toBe(node.address)
  })

  test('behavior: a signer not to remember is recovered each time and never taken for a remembered one', async () => {
    const signers = knownSignerRecovery()
    expect(signers.recover({ ...typed(0), signature: await node.signTypedData(typed(0)) }, rememberNode)).toBe(node.address)
    for (let nonce = 1; nonce < 3; nonce++) expect(signers.recover({ ...typed(nonce), signature: await stranger.signTypedData(typed(nonce)) }, rememberNode)).toBe(stranger.address)
    expect(signers.recover({ ...typed(3), signature: await node.signTypedData(typed(3)) }, rememberNode)).toBe(node.address)
  })

  test('args: maxSigners keeps the most recently seen keys', async () => {
    const accounts = Array.from({ length: 3 }, () => privateKeyToAccount(generatePrivateKey()))
    const signers = knownSignerRecovery({ maxSigners: 2 })
    for (const [nonce, account] of [...accounts, ...accounts].entries())
      expect(signers.recover({ ...typed(nonce), signature: await account.signTypedData(typed(nonce)) }, { remember: () => true })).toBe(account.address)
  })

  test('error: a signature that is not 65 bytes or has another v throws, as recoverTypedDataSigner does', async () => {
    const signers = knownSignerRecovery()
    const signature = await node.signTypedData(typed(0))
    signers.recover({ ...typed(0), signature }, rememberNode)
    expect(() => signers.recover({ ...typed(0), signature: signature.slice(0, 128) as Hex }, rememberNode)).toThrow('65 bytes')
    expect(() => signers.recover({ ...typed(0), signature: `0x${signature.slice(2, 130)}05` }, rememberNode)).toThrow('not 5')
    expect(() => signers.recover({ ...typed(0), signature: `0x${'00'.repeat(64)}1b` }, rememberNode)).toThrow()
  })

  test('args: recoverDigest with a ticket\'s digest from typedDataHasher answers as recover does, remembered or not', async () => {
    const hashTicket = typedDataHasher({ domain, types: jobTicketTypes, primaryType: 'JobTicket' })
    const signers = knownSignerRecovery()
    for (let nonce = 0; nonce < 3; nonce++) {
      const signature = await node.signTypedData(typed(nonce))
      expect(signers.recoverDigest({ digest: hashTicket(ticket(nonce)), signature }, rememberNode)).toBe(node.address)
      expect(signers.recoverDigest({ digest: hashTicket(ticket(nonce)), signature: flipV(signature) }, rememberNode)).toBe(
        knownSignerRecovery().recover({ ...typed(nonce), signature: flipV(signature) }, rememberNone),
      )
      const strangers = await stranger.signTypedData(typed(nonce))
      expect(signers.recoverDigest({ digest: hashTicket(ticket(nonce)), signature: strangers }, rememberNode)).toBe(stranger.address)
    }
    const signature = await node.signTypedData(typed(0))
    expect(() => signers.recoverDigest({ digest: '0x1234', signature }, rememberNode)).toThrow('32 bytes')
  })
})
