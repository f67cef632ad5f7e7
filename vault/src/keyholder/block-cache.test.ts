import { describe, expect, test } from 'vitest'
import { blockCache } from './block-cache.ts'

/** A chain whose block number the test sets; counts the block-number questions and reads. */
function fakeChain() {
  const chain = { block: 10n, asked: 0, reads: [] as bigint[] }
  const cache = blockCache({
    blockNumber: async () => {
      chain.asked++
      return chain.block
    },
  })
  const read = (key = 'state', value = 'active') =>
    cache.read(key, async (block) => {
      chain.reads.push(block)
      return `${value}@${block}`
    })
  return { chain, cache, read }
}

describe('blockCache', () => {
  test('default: a value is read once per block, and the reads started together ask the block number once', async () => {
    const { chain, read } = fakeChain()
    expect(await Promise.all([read('a'), read('b'), read('a')])).toEqual(['active@10', 'active@10', 'active@10'])
    expect(chain.asked).toBe(1)
    expect(chain.reads).toEqual([10n, 10n])
    expect(await read('a')).toBe('active@10')
    // A later read asks the block number again (never an answer from before it was asked).
    expect(chain.asked).toBe(2)
    expect(chain.reads).toEqual([10n, 10n])
  })

  test('behavior: a new block reads again, at that block; values of older blocks are never reused', async () => {
    const { chain, read } = fakeChain()
    await read('a', 'active')
    chain.block = 11n
    expect(await read('a', 'revoked')).toBe('revoked@11')
    chain.block = 10n
    expect(await read('a', 'unpublished')).toBe('unpublished@10')
    expect(chain.reads).toEqual([10n, 11n, 10n])
  })

  test('behavior: a read that fails is not kept, nor one `keep` refuses', async () => {
    const { chain, cache } = fakeChain()
    let fail = true
    const flaky = () =>
      cache.read('order', async () => {
        if (fail) throw new Error('rpc down')
        return 'ok'
      })
    await expect(flaky()).rejects.toThrow('rpc down')
    fail = false
    expect(await flaky()).toBe('ok')
    let reads = 0
    const later = () => cache.read('receipt', async () => ({ blockNumber: BigInt(++reads) + 100n }), (value, block) => value.blockNumber <= block)
    expect(await later()).toEqual({ blockNumber: 101n })
    expect(await later()).toEqual({ blockNumber: 102n })
    expect(chain.block).toBe(10n)
  })

  test('args: maxEntries keeps the most recent reads of a block', async () => {
    let reads = 0
    const cache = blockCache({ blockNumber: async () => 1n, maxEntries: 2 })
    const read = (key: string) => cache.read(key, async () => ++reads)
    await read('a')
    await read('b')
    await read('c')
    expect(await read('c')).toBe(3)
    expect(await read('a')).toBe(4)
  })

  test('error: a block number that cannot be read fails the read, and nothing is read', async () => {
    let reads = 0
    const cache = blockCache({
      blockNumber: async () => {
        throw new Error('no chain')
      },
    })
    await expect(cache.read('a', async () => ++reads)).rejects.toThrow('no chain')
    expect(reads).toBe(0)
  })
})
