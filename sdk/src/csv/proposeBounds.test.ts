import { describe, expect, test } from 'vitest'
import { proposeBounds } from './proposeBounds.ts'

describe('proposeBounds', () => {
  test('default: extremes rounded outward to a step of 1, 2 or 5 × 10ⁿ at most half the range', () => {
    expect(proposeBounds(29, 77)).toEqual({ min: 20, max: 80 })
    expect(proposeBounds(18.2, 42.7)).toEqual({ min: 10, max: 50 })
    expect(proposeBounds(0.5, 9.8)).toEqual({ min: 0, max: 10 })
    expect(proposeBounds(0, 1)).toEqual({ min: 0, max: 1 })
    expect(proposeBounds(-0.3, 0.7)).toEqual({ min: -0.5, max: 1 })
    expect(proposeBounds(1, 101)).toEqual({ min: 0, max: 150 })
    expect(proposeBounds(0.11, 0.29)).toEqual({ min: 0.1, max: 0.3 })
  })

  test('behavior: a constant column gets a step either side, and non-negative data no negative bound', () => {
    expect(proposeBounds(5, 5)).toEqual({ min: 0, max: 10 })
    expect(proposeBounds(0, 0)).toEqual({ min: 0, max: 1 })
    expect(proposeBounds(-3, -3)).toEqual({ min: -4, max: -2 })
  })

  test('behavior: random extremes are always held, min < max, and non-negative data keeps min ≥ 0', () => {
    let state = 7
    const random = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0
      return state / 2 ** 32
    }
    for (let i = 0; i < 5000; i++) {
      const scale = 10 ** Math.floor(random() * 12 - 6)
      const a = (random() - 0.3) * scale
      const b = random() < 0.1 ? a : a + random() * scale
      const bounds = proposeBounds(a, b)
      expect(bounds.min <= a && bounds.max >= b && bounds.min < bounds.max, `${a}, ${b} → ${JSON.stringify(bounds)}`).toBe(true)
      if (a >= 0) expect(bounds.min).toBeGreaterThanOrEqual(0)
    }
  })

  test('error: no finite min ≤ max', () => {
    expect(() => proposeBounds(2, 1)).toThrow(RangeError)
    expect(() => proposeBounds(Number.NaN, 1)).toThrow(RangeError)
  })
})
