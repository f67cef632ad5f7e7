import { describe, expect, test } from 'vitest'
import * as devkit from './index.ts'

describe('@datavault/contracts-devkit exports', () => {
  test('default', () => {
    expect(Object.keys(devkit).sort()).toEqual([
      'ChainJournalError',
      'LocalChainStartError',
      'OceanDeployError',
      'chainJournalHeader',
      'deployOcean',
      'localChainAccountBalance',
      'localChainAccountCount',
      'localChainAccounts',
      'localChainId',
      'localChainMnemonic',
      'oceanArtifactPaths',
      'rawTransactionOf',
      'readChainJournal',
      'readOceanArtifact',
      'recordChainJournal',
      'replayChainJournal',
      'startLocalChain',
      'unusedPoolTemplate',
    ])
  })
})
