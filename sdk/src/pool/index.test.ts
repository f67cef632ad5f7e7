import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import * as pool from './index.ts'

describe('sdk pool exports', () => {
  test('default', () => {
    expect(Object.keys(pool).sort()).toEqual([
      'PoolDeployError',
      'PoolParameterError',
      'PoolProposalNotFoundError',
      'PoolProposalNotReadyError',
      'PoolProposalStateError',
      'claimPoolRevenue',
      'computePolicyFromPoolLimits',
      'createPool',
      'decodePoolCalls',
      'encodePoolActions',
      'executePool',
      'getPool',
      'getPoolProposals',
      'isPoolBuyerAllowed',
      'isPoolTrainerApproved',
      'joinPool',
      'leavePool',
      'poolComputeLimitsFromPolicy',
      'poolEarnings',
      'poolKeyEscrowDigest',
      'poolMembers',
      'poolTrainerId',
      'proposePool',
      'signPoolConsent',
      'votePool',
    ])
  })

  test('behavior: browser-safe (viem, zod and the contracts’ browser-safe entries only)', () => {
    const dir = new URL('./', import.meta.url)
    const allowed = ['viem', 'viem/actions', '@datavault/contracts/abis', '@datavault/contracts/pool']
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))) {
      const source = readFileSync(new URL(file, dir), 'utf8')
      const valueImports = [...source.matchAll(/^(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1] as string)
      const external = valueImports.filter((specifier) => !specifier.startsWith('.'))
      expect(external.filter((specifier) => !allowed.includes(specifier)), file).toEqual([])
    }
  })
})
