import { describe, expect, test } from 'vitest'
import { parseVaultConfig, readVaultConfigFromEnv } from './config.ts'

const base = { dataDir: '/tmp/dv', rpcUrl: 'http://127.0.0.1:8545', chainId: 8996, addressesFile: '/tmp/dv/addresses.json' }
const errorOf = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    return { name: (error as Error).name, details: (error as { details?: string }).details }
  }
  return undefined
}

describe('vault config: key escrow', () => {
  test('default: the threshold backend, the node alone, 1 of 1', () => {
    expect(parseVaultConfig(base)).toMatchObject({ keyBackend: 'threshold', keyHolders: [], keyThreshold: 1, litNetwork: 'datil' })
  })

  test('args: holders from a comma-separated variable, lower-cased; the Lit settings from JSON', () => {
    const config = readVaultConfigFromEnv({
      DATAVAULT_DATA_DIR: '/tmp/dv',
      DATAVAULT_RPC_URL: base.rpcUrl,
      DATAVAULT_CHAIN_ID: '8996',
      DATAVAULT_KEY_HOLDERS: '0x1111111111111111111111111111111111111111, 0x2222222222222222222222222222222222222222,0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      DATAVAULT_KEY_THRESHOLD: '2',
      DATAVAULT_KEY_BACKEND: 'lit',
      DATAVAULT_LIT_NETWORK: 'datil-dev',
      DATAVAULT_LIT_CAPACITY_DELEGATION_AUTH_SIG: JSON.stringify({ sig: '0x1', derivedVia: 'web3.eth.personal.sign', signedMessage: 'm', address: '0x1' }),
    })
    expect(config.keyHolders).toEqual([
      '0x1111111111111111111111111111111111111111',
      '0x2222222222222222222222222222222222222222',
      '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    ])
    expect(config).toMatchObject({ keyThreshold: 2, keyBackend: 'lit', litNetwork: 'datil-dev', litCapacityDelegationAuthSig: { sig: '0x1' } })
  })

  test('error: a threshold above the holders, a bad holder address, an unknown backend, bad Lit JSON', () => {
    expect(errorOf(() => parseVaultConfig({ ...base, keyThreshold: 2 }))).toMatchObject({ name: 'ConfigError', details: expect.stringMatching(/keyThreshold: 2 is more than the 1 key holder/) })
    expect(errorOf(() => parseVaultConfig({ ...base, keyHolders: '0x12,0x34' }))).toMatchObject({ name: 'ConfigError', details: expect.stringMatching(/keyHolders/) })
    expect(errorOf(() => parseVaultConfig({ ...base, keyBackend: 'vault-in-the-sky' }))).toMatchObject({ name: 'ConfigError', details: expect.stringMatching(/keyBackend/) })
    expect(errorOf(() => parseVaultConfig({ ...base, litCapacityDelegationAuthSig: '{not json' }))).toMatchObject({ name: 'ConfigError', details: expect.stringMatching(/litCapacityDelegationAuthSig: must be JSON/) })
  })
})
