import { describe, expect, test } from 'vitest'
import * as devkit from './index.ts'

describe('@datavault/contracts-devkit exports', () => {
  test('default', () => {
    expect(Object.keys(devkit).sort()).toEqual([
      'LocalChainStartError',
      'OceanDeployError',
      'deployOcean',
      'localChainAccountBalance',
      'localChainAccountCount',
      'localChainAccounts',
      'localChainId',
      'localChainMnemonic',
      'oceanArtifactPaths',
      'readOceanArtifact',
      'startLocalChain',
      'unusedPoolTemplate',
    ])
  })
})
