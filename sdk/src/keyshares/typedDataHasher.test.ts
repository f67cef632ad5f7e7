import { randomBytes } from 'node:crypto'
import { type Hex, bytesToHex, getAddress, hashTypedData } from 'viem'
import { describe, expect, test } from 'vitest'
import { jobTicketTypes, keyEscrowDomain } from './format.ts'
import { typedDataHasher } from './typedDataHasher.ts'

const domain = keyEscrowDomain({ chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' })
const hex = (bytes: number) => bytesToHex(randomBytes(bytes))
const randomTicket = (index: number) => ({
  holder: index % 2 ? getAddress(hex(20)) : hex(20),
  dataset: hex(20),
  pool: '0x0000000000000000000000000000000000000000' as Hex,
  jobId: `job-${index}-${'é✓'.repeat(index % 3)}`,
  orderTx: hex(32),
  buyer: hex(20),
  trainerId: index % 2 ? 'custom' : 'logistic-regression',
  trainerHash: hex(32),
  termsHash: hex(32),
  jobKey: hex(32),
  expiry: index === 0 ? 2n ** 64n - 1n : BigInt(1_800_000_000 + index),
  nonce: hex(16),
})
const hashTicket = typedDataHasher({ domain, types: jobTicketTypes, primaryType: 'JobTicket' })

describe('typedDataHasher', () => {
  test('default: a job ticket\'s digest is viem\'s hashTypedData, for many tickets (checksummed and lower-case addresses, non-ASCII ids, uint64 max)', () => {
    for (let index = 0; index < 64; index++) {
      const ticket = randomTicket(index)
      expect(hashTicket(ticket)).toBe(hashTypedData({ domain, types: jobTicketTypes, primaryType: 'JobTicket', message: ticket }))
    }
  })

  test('args: a domain without a verifying contract hashes as viem hashes it', () => {
    const bare = { name: 'x', version: '2', chainId: 5 }
    const ticket = randomTicket(3)
    expect(typedDataHasher({ domain: bare, types: jobTicketTypes, primaryType: 'JobTicket' })(ticket)).toBe(
      hashTypedData({ domain: bare, types: jobTicketTypes, primaryType: 'JobTicket', message: ticket }),
    )
  })

  test('behavior: every field changes the digest', () => {
    const ticket = randomTicket(5)
    const digest = hashTicket(ticket)
    const changed = { ...randomTicket(6), pool: hex(20) }
    for (const { name } of jobTicketTypes.JobTicket) expect(hashTicket({ ...ticket, [name]: changed[name] })).not.toBe(digest)
  })

  test('error: values viem refuses throw (bad checksum, wrong byte size, integer out of range, missing field), and unsupported types are refused up front', () => {
    const ticket = randomTicket(1)
    const checksummed = getAddress(ticket.dataset)
    const badChecksum = checksummed.replace(/[a-f]/, (c) => c.toUpperCase())
    if (badChecksum !== checksummed) expect(() => hashTicket({ ...ticket, dataset: badChecksum })).toThrow('dataset')
    expect(() => hashTicket({ ...ticket, nonce: hex(32) })).toThrow('nonce')
    expect(() => hashTicket({ ...ticket, orderTx: hex(31) })).toThrow('orderTx')
    expect(() => hashTicket({ ...ticket, expiry: 2n ** 64n })).toThrow('expiry')
    expect(() => hashTicket({ ...ticket, expiry: -1n })).toThrow('expiry')
    expect(() => hashTicket({ ...ticket, jobId: undefined })).toThrow('jobId')
    expect(() => typedDataHasher({ domain, types: { T: [{ name: 'list', type: 'address[]' }] }, primaryType: 'T' })).toThrow('not supported')
    expect(() => typedDataHasher({ domain, types: jobTicketTypes, primaryType: 'Other' })).toThrow('No type Other')
  })
})
