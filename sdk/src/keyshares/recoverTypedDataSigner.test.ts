import { recoverTypedDataAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { jobTicketTypes, keyEscrowDomain } from './format.ts'
import { recoverTypedDataSigner } from './recoverTypedDataSigner.ts'

const account = privateKeyToAccount(generatePrivateKey())
const domain = keyEscrowDomain({ chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' })
const ticket = {
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
  nonce: `0x${'12'.repeat(16)}`,
} as const
const typed = { domain, types: jobTicketTypes, primaryType: 'JobTicket', message: ticket } as const

describe('recoverTypedDataSigner', () => {
  test('default: the signer of a job ticket, as viem recovers it', async () => {
    const signature = await account.signTypedData(typed)
    expect(recoverTypedDataSigner({ ...typed, signature })).toBe(account.address)
    expect(recoverTypedDataSigner({ ...typed, signature })).toBe(await recoverTypedDataAddress({ ...typed, signature }))
  })

  test('args: v as 0/1 (y parity) recovers the same address as 27/28', async () => {
    const signature = await account.signTypedData(typed)
    const parity = `${signature.slice(0, 130)}${(Number.parseInt(signature.slice(130), 16) - 27).toString(16).padStart(2, '0')}` as `0x${string}`
    expect(recoverTypedDataSigner({ ...typed, signature: parity })).toBe(account.address)
  })

  test('behavior: a changed field recovers another address (the signature is not the signer\'s for it)', async () => {
    const signature = await account.signTypedData(typed)
    const other = recoverTypedDataSigner({ ...typed, message: { ...ticket, expiry: ticket.expiry + 1n }, signature })
    expect(other).not.toBe(account.address)
    expect(other).toBe(await recoverTypedDataAddress({ ...typed, message: { ...ticket, expiry: ticket.expiry + 1n }, signature }))
  })

  test('error: a signature of the wrong length or with a bad v is refused', async () => {
    const signature = await account.signTypedData(typed)
    expect(() => recoverTypedDataSigner({ ...typed, signature: signature.slice(0, 128) as `0x${string}` })).toThrow('65 bytes')
    expect(() => recoverTypedDataSigner({ ...typed, signature: `${signature.slice(0, 130)}05` as `0x${string}` })).toThrow('not 5')
    expect(() => recoverTypedDataSigner({ ...typed, signature: `0x${'00'.repeat(64)}1b` })).toThrow()
  })
})
