import { ContractFunctionExecutionError, ContractFunctionZeroDataError, type PublicClient } from 'viem'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { describe, expect, test } from 'vitest'
import { poolReader } from './pool-chain.ts'

const pool = '0x1111111111111111111111111111111111111111'

// A chain double: only the failure of a read is under test here (the real chain answers in
// test/e2e/pool-jobs.test.ts).
const failing = (error: Error) => ({ readContract: async () => Promise.reject(error) }) as unknown as PublicClient

describe('poolReader.datatoken', () => {
  test('error: no contract at the address (a call that returns no data) is POOL_UNKNOWN', async () => {
    const noData = new ContractFunctionExecutionError(new ContractFunctionZeroDataError({ functionName: 'datatoken' }), { abi: dataPoolAbi, functionName: 'datatoken', contractAddress: pool })
    await expect(poolReader({ client: failing(noData) }).datatoken(pool)).rejects.toMatchObject({ name: 'PoolJobRefusedError', code: 'POOL_UNKNOWN', status: 404 })
  })

  test('error: an unreachable chain is CHAIN_UNAVAILABLE, not an unknown pool', async () => {
    await expect(poolReader({ client: failing(new TypeError('fetch failed')) }).datatoken(pool)).rejects.toMatchObject({ name: 'ChainUnavailableError', code: 'CHAIN_UNAVAILABLE', status: 503 })
  })
})
