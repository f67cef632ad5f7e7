import { describe, expect, test } from 'vitest'
import { createProgressGate } from './progress-gate.ts'
import type { TrainerEvent } from './protocol.ts'

const epoch = (n: number): TrainerEvent => ({ event: 'epoch', epoch: n, loss: n })

describe('createProgressGate', () => {
  test('default: a short run delivers every event, in order', () => {
    const delivered: TrainerEvent[] = []
    const gate = createProgressGate((e) => delivered.push(e))
    gate.push({ event: 'started' })
    for (let n = 1; n <= 50; n++) gate.push(epoch(n))
    gate.push({ event: 'done' })
    gate.end()
    expect(delivered).toEqual([{ event: 'started' }, ...Array.from({ length: 50 }, (_, i) => epoch(i + 1)), { event: 'done' }])
  })

  test('behavior: past the burst, one epoch event per interval, the latest kept, the last delivered at the end', () => {
    let clock = 0
    const delivered: TrainerEvent[] = []
    const gate = createProgressGate((e) => delivered.push(e), { burst: 2, intervalMs: 1000, now: () => clock })
    for (let n = 1; n <= 5; n++) gate.push(epoch(n))
    expect(delivered).toEqual([epoch(1), epoch(2)])
    clock = 1000
    gate.push(epoch(6)) // a token is due: the latest goes, 3 to 5 never do
    expect(delivered).toEqual([epoch(1), epoch(2), epoch(6)])
    for (let n = 7; n <= 100; n++) gate.push(epoch(n))
    gate.push({ event: 'done' }) // other events pass at once and release nothing
    expect(delivered.at(-1)).toEqual({ event: 'done' })
    gate.end()
    expect(delivered).toEqual([epoch(1), epoch(2), epoch(6), { event: 'done' }, epoch(100)])
    gate.push(epoch(101))
    expect(delivered).toHaveLength(5)
  })

  test('behavior: a program printing as fast as it can gets burst + duration / interval + 1 updates', async () => {
    const delivered: TrainerEvent[] = []
    const gate = createProgressGate((e) => delivered.push(e), { burst: 3, intervalMs: 20 })
    const started = performance.now()
    let n = 0
    while (performance.now() - started < 200) {
      gate.push(epoch(++n))
      await new Promise((resolve) => setImmediate(resolve))
    }
    gate.end()
    const elapsed = performance.now() - started
    expect(n).toBeGreaterThan(100)
    expect(delivered.length).toBeGreaterThan(3)
    expect(delivered.length).toBeLessThanOrEqual(3 + Math.ceil(elapsed / 20) + 1)
  })
})
