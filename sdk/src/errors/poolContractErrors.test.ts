import { describe, expect, test } from 'vitest'
import { dataPoolAbi, poolGovernorAbi, poolRevenueAbi } from '@datavault/contracts/abis'
import { describePoolContractError, isPoolContractError, poolContractErrorMessages } from './poolContractErrors.ts'

describe('poolContractErrors', () => {
  test('default: a known refusal in words', () => {
    expect(describePoolContractError('NotMember')).toBe('Your wallet is not a member of this pool.')
    expect(isPoolContractError('PoolGovernorNoVotingPower')).toBe(true)
  })

  test('args: an unknown name or a non-string has no sentence', () => {
    expect(describePoolContractError('SomethingElse')).toBeUndefined()
    expect(describePoolContractError(undefined)).toBeUndefined()
    expect(isPoolContractError('toString')).toBe(false)
  })

  test('behavior: every name is an error the pool contracts can raise', () => {
    const errors = new Set<string>([...dataPoolAbi, ...poolGovernorAbi, ...poolRevenueAbi].filter((item) => item.type === 'error').map((item) => item.name))
    expect(Object.keys(poolContractErrorMessages).filter((name) => !errors.has(name))).toEqual([])
  })
})
