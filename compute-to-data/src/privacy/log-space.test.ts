import { describe, expect, test } from 'vitest'
import { logAdd, logErfc, logSub } from './log-space.ts'

describe('log-space', () => {
  test('default: logAdd and logSub are addition and subtraction of exponentials', () => {
    expect(logAdd(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 15)
    expect(logSub(Math.log(5), Math.log(3))).toBeCloseTo(Math.log(2), 15)
    // Far beyond exp's range.
    expect(logAdd(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12)
    expect(logSub(2000, 1000)).toBe(2000)
  })

  test('args: 0 is −∞; a negative difference is NaN', () => {
    expect(logAdd(-Infinity, 3)).toBe(3)
    expect(logAdd(3, -Infinity)).toBe(3)
    expect(logSub(3, -Infinity)).toBe(3)
    expect(logSub(3, 3)).toBe(-Infinity)
    expect(logSub(2, 3)).toBeNaN()
  })

  // log(erfc(x)) as SciPy computes it (log 2 + special.log_ndtr(−x√2)), across Cody's three intervals.
  test.each([
    [-30, 0.6931471805599453],
    [-3, 0.6931361352504468],
    [-0.5, 0.4190391477755596],
    [-0.2, 0.20106364578290642],
    [0.1, -0.11930497373739557],
    [0.46875, -0.6784821856143964],
    [1, -1.849605509933249],
    [3.9, -17.173871216435412],
    [4.1, -18.82115418308266],
    [10, -102.87988902484493],
    [30, -903.9741171106442],
    [1000, -1000007.4801207221],
    [1e8, -10000000000000022],
  ])('behavior: logErfc(%f) = %f', (x, expected) => {
    expect(Math.abs(logErfc(x) - expected)).toBeLessThanOrEqual(1e-15 * Math.abs(expected) + 1e-16)
  })

  test('args: logErfc at the ends', () => {
    expect(Math.abs(logErfc(0))).toBe(0)
    expect(logErfc(Infinity)).toBe(-Infinity)
    expect(logErfc(-Infinity)).toBe(Math.LN2)
  })
})
