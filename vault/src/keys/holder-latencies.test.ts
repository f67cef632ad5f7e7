import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { holderLatencies } from './holder-latencies.ts'

const holders = ['0x00000000000000000000000000000000000000A1', '0x00000000000000000000000000000000000000a2', '0x00000000000000000000000000000000000000a3'] as Address[]

describe('holderLatencies', () => {
  test('default: holders never timed keep their place; the hedge waits the minimum until a release was timed', () => {
    const times = holderLatencies()
    expect(times.order(holders)).toEqual([0, 1, 2])
    expect(times.hedgeDelayMs()).toBe(25)
  })

  test('behavior: the holders that answered fastest lately come first, whatever the address case', () => {
    const times = holderLatencies()
    times.answered(holders[0]!, 30)
    times.answered(holders[1]!.toUpperCase() as Address, 10)
    times.answered(holders[2]!, 20)
    expect(times.order(holders)).toEqual([1, 2, 0])
    // One slow answer moves a holder back only as far as its weighted mean says: 0.8 × 10 + 0.2 × 65 = 21 > 20.
    times.answered(holders[1]!, 65)
    expect(times.order(holders)).toEqual([2, 1, 0])
  })

  test('behavior: a holder that failed goes to the back of the line for the penalty, then comes back by its time', () => {
    let now = 1_000
    const times = holderLatencies({ failurePenaltyMs: 5_000, now: () => now })
    times.answered(holders[0]!, 5)
    times.answered(holders[1]!, 10)
    times.answered(holders[2]!, 20)
    times.failed(holders[0]!)
    expect(times.order(holders)).toEqual([1, 2, 0])
    now += 5_000
    expect(times.order(holders)).toEqual([0, 1, 2])
    times.failed(holders[1]!)
    times.answered(holders[1]!, 10)
    expect(times.order(holders)).toEqual([0, 1, 2])
  })

  test('args: the hedge delay is hedgeFactor times the median of the last window releases, at least minHedgeMs', () => {
    const times = holderLatencies({ window: 3, hedgeFactor: 3, minHedgeMs: 10 })
    times.released(2)
    expect(times.hedgeDelayMs()).toBe(10)
    for (const ms of [100, 20, 30, 40]) times.released(ms)
    // The window holds 20, 30, 40: median 30.
    expect(times.hedgeDelayMs()).toBe(90)
  })
})
