import { describe, expect, test } from 'vitest'
import { configUsageError, variableOf } from './node.ts'

describe('variableOf', () => {
  test('default: a config field becomes its DATAVAULT_ variable', () => {
    expect(variableOf('rpcUrl')).toBe('DATAVAULT_RPC_URL')
    expect(variableOf('maxJobWallTimeSeconds')).toBe('DATAVAULT_MAX_JOB_WALL_TIME_SECONDS')
    expect(variableOf('kubernetes.gatewayUrl')).toBe('DATAVAULT_KUBERNETES_GATEWAY_URL')
    expect(variableOf('port')).toBe('DATAVAULT_PORT')
  })
})

describe('configUsageError', () => {
  test('behavior: each bad field is named by its variable and flag; a missing one says so', () => {
    const error = configUsageError(
      { shortMessage: 'Invalid vault node configuration.', details: 'rpcUrl: Invalid URL; chainId: Invalid input: expected number, received NaN; maxUploadBytes: Too small' },
      { DATAVAULT_RPC_URL: 'nope' },
    )
    expect(error).toMatchObject({ name: 'CliUsageError', code: 'NODE_CONFIG_INVALID', exitCode: 2 })
    expect(error.shortMessage).toBe(
      'Bad node settings: DATAVAULT_RPC_URL (--rpc-url): Invalid URL; DATAVAULT_CHAIN_ID (--chain-id): not set (required); DATAVAULT_MAX_UPLOAD_BYTES: Too small',
    )
  })

  test('behavior: an entry of a list read from a file is named by the file\'s variable and the entry', () => {
    expect(configUsageError({ details: 'environments.1.runner: Invalid option: expected one of "sandbox"|"kubernetes"' }, { DATAVAULT_ENVIRONMENTS_FILE: '/etc/envs.json' }).shortMessage).toBe(
      'Bad node setting: DATAVAULT_ENVIRONMENTS_FILE (--environments-file) entry 1 runner: Invalid option: expected one of "sandbox"|"kubernetes"',
    )
    expect(configUsageError({ details: 'keyHolders.0: an address' }, { DATAVAULT_KEY_HOLDERS: 'nope' }).shortMessage).toBe('Bad node setting: DATAVAULT_KEY_HOLDERS entry 0: an address')
  })

  test('error: details in another shape are kept as they are', () => {
    expect(configUsageError({ details: 'keyThreshold: 3 is more than the 1 key holder configured' }).shortMessage).toBe(
      'Bad node setting: DATAVAULT_KEY_THRESHOLD: 3 is more than the 1 key holder configured',
    )
    expect(configUsageError({ shortMessage: 'Invalid vault node configuration.' }).shortMessage).toBe('Bad node settings: Invalid vault node configuration.')
  })
})
