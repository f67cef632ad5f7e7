import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { readOceanAddressesFile, writeOceanAddressesFile } from './addresses-file.ts'
import { type OceanAddresses, oceanAddressesKey, parseOceanAddresses } from './addresses.ts'

const sample: OceanAddresses = {
  chainId: 8996,
  Ocean: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  OPFCommunityFeeCollector: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
  startBlock: 1,
  Router: '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9',
  FixedPrice: '0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9',
  ERC20Template: { '1': '0x5FC8d32690cc91D4c39d9d3abcBD16989F875707' },
  ERC721Template: { '1': '0x0165878A594ca255338adfa4d48449f69242Eb8F' },
  Dispenser: '0xa513E6E4b8f2a923D98304ec87F64353C4D5C853',
  ERC721Factory: '0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6',
}

describe('addresses', () => {
  test('default: parses Ocean’s own address.json entry by chainId', () => {
    const require = createRequire(import.meta.url)
    const ocean = JSON.parse(readFileSync(require.resolve('@oceanprotocol/contracts/addresses/address.json'), 'utf8'))
    const sepolia = parseOceanAddresses(ocean, 11155111)
    expect(sepolia.chainId).toBe(11155111)
    expect(sepolia.ERC721Factory).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(sepolia.ERC20Template['1']).toBeDefined()
  })

  test('args: 8996 is keyed development, others by chain id', () => {
    expect(oceanAddressesKey(8996)).toBe('development')
    expect(oceanAddressesKey(137)).toBe('137')
  })

  test('behavior: addresses are checksummed on read', () => {
    const lower = { development: { ...sample, Ocean: sample.Ocean.toLowerCase() } }
    expect(parseOceanAddresses(lower, 8996).Ocean).toBe(sample.Ocean)
  })

  test('behavior: write is atomic, merges with other networks, and reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dv-addresses-'))
    const path = join(dir, 'address.json')
    writeFileSync(path, JSON.stringify({ sepolia: { chainId: 11155111, Ocean: sample.Ocean } }))
    expect(await writeOceanAddressesFile(path, sample)).toBe('development')
    expect(await writeOceanAddressesFile(path, { ...sample, chainId: 31337 })).toBe('31337')
    const written = JSON.parse(readFileSync(path, 'utf8'))
    expect(Object.keys(written).sort()).toEqual(['31337', 'development', 'sepolia'])
    expect(await readOceanAddressesFile(path, 8996)).toEqual(sample)
    expect(readdirSync(dir)).toEqual(['address.json'])
  })

  test('error: no entry for the chain', () => {
    expect(() => parseOceanAddresses({ development: sample }, 1)).toThrow(expect.objectContaining({ name: 'OceanAddressesError', code: 'OCEAN_ADDRESSES_NOT_FOUND' }))
  })

  test('error: incomplete entry', () => {
    const { Dispenser: _missing, ...incomplete } = sample
    expect(() => parseOceanAddresses({ development: incomplete }, 8996)).toThrow(expect.objectContaining({ name: 'OceanAddressesError', code: 'OCEAN_ADDRESSES_INVALID' }))
  })

  test('error: not an address', () => {
    expect(() => parseOceanAddresses({ development: { ...sample, Router: '0x1234' } }, 8996)).toThrow(expect.objectContaining({ code: 'OCEAN_ADDRESSES_INVALID' }))
  })

  test('error: a malformed existing file is not overwritten', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dv-addresses-'))
    const path = join(dir, 'address.json')
    writeFileSync(path, '{"development": 5}')
    await expect(writeOceanAddressesFile(path, sample)).rejects.toMatchObject({ code: 'OCEAN_ADDRESSES_INVALID' })
    expect(readFileSync(path, 'utf8')).toBe('{"development": 5}')
  })
})
