import { decodeFunctionData, parseEther, zeroAddress } from 'viem'
import { dataPoolAbi, poolGovernorAbi } from '@datavault/contracts/abis'
import { poolTrainerId } from '@datavault/contracts/pool'
import { describe, expect, test } from 'vitest'
import { decodePoolCalls, encodePoolActions } from './poolActions.ts'

const pool = '0x1000000000000000000000000000000000000001'
const governor = '0x2000000000000000000000000000000000000002'

describe('encodePoolActions', () => {
  test('default: pool actions call the pool, settings call the governor', () => {
    const calls = encodePoolActions({ pool, governor }, [
      { type: 'approveTrainer', trainer: 'mlp-classifier' },
      { type: 'setQuorum', percent: 25 },
    ])
    expect(calls.map((call) => call.target)).toEqual([pool, governor])
    expect(decodeFunctionData({ abi: dataPoolAbi, data: calls[0]!.data })).toEqual({ functionName: 'setTrainerApproval', args: [poolTrainerId('mlp-classifier'), true] })
    expect(decodeFunctionData({ abi: poolGovernorAbi, data: calls[1]!.data })).toEqual({ functionName: 'updateQuorumNumerator', args: [25n] })
  })

  test('args: setPrice scales to the exchange rate by the base token decimals', () => {
    const [eighteen] = encodePoolActions({ pool, governor }, [{ type: 'setPrice', price: parseEther('12') }])
    expect(decodeFunctionData({ abi: dataPoolAbi, data: eighteen!.data }).args).toEqual([parseEther('12')])
    const [six] = encodePoolActions({ pool, governor, baseTokenDecimals: 6 }, [{ type: 'setPrice', price: 12_000_000n }])
    expect(decodeFunctionData({ abi: dataPoolAbi, data: six!.data }).args).toEqual([parseEther('12')])
  })

  test('behavior: decodePoolCalls names what a proposal does', () => {
    const calls = encodePoolActions({ pool, governor }, [
      { type: 'acceptDataset', datatoken: zeroAddress, shares: 5n },
      { type: 'setVotingPeriod', blocks: 100 },
    ])
    expect(decodePoolCalls({ pool, governor }, [...calls, { target: zeroAddress, value: 0n, data: '0x' }])).toEqual([
      { contract: 'pool', target: pool, functionName: 'acceptDataset', args: [zeroAddress, 5n] },
      { contract: 'governor', target: governor, functionName: 'setVotingPeriod', args: [100] },
      { contract: 'other', target: zeroAddress, functionName: undefined, args: [] },
    ])
  })

  test.each([
    ['no action', []],
    ['an empty trainer', [{ type: 'approveTrainer', trainer: ' ' }]],
    ['a short algorithm hash', [{ type: 'approveAlgorithm', algorithmHash: '0x1234' }]],
    ['a zero price', [{ type: 'setPrice', price: 0n }]],
    ['a quorum over 100', [{ type: 'setQuorum', percent: 101 }]],
    ['a fractional voting period', [{ type: 'setVotingPeriod', blocks: 1.5 }]],
    ['a zero voting period', [{ type: 'setVotingPeriod', blocks: 0 }]],
  ] as const)('error: %s', (_, actions) => {
    expect(() => encodePoolActions({ pool, governor }, actions as never)).toThrow(expect.objectContaining({ name: 'ChainArgumentError', code: 'CHAIN_INVALID_ARGUMENT' }))
  })
})
