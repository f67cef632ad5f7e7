import { describe, expect, test } from 'vitest'
import { applyScaler, fitScaler } from './scaling.ts'

describe('fitScaler / applyScaler', () => {
  test('default: standardize by the rows; a constant column gets divisor 1', () => {
    const values = Float64Array.of(1, 5, 3, 5)
    const scaler = fitScaler({ kind: 'standardize' }, values, 2, 2)
    expect([...scaler.center]).toEqual([2, 5])
    expect([...scaler.scale]).toEqual([1, 1])
    expect([...applyScaler(scaler, values, 2, 2)]).toEqual([-1, 0, 1, 0])
  })

  test('behavior: bounds read nothing from the data and clip to [-1, 1]', () => {
    const bounds = { kind: 'bounds' as const, min: [0, -10], max: [4, 10] }
    const one = fitScaler(bounds, Float64Array.of(1, 2, 3, 4), 2, 2)
    const other = fitScaler(bounds, Float64Array.of(1e9, -1e9, 7, 7), 2, 2)
    expect(one).toEqual(other)
    expect([...one.center]).toEqual([2, 0])
    expect([...one.scale]).toEqual([2, 10])
    expect([...applyScaler(one, Float64Array.of(3, -5, 100, -100), 2, 2)]).toEqual([0.5, -0.5, 1, -1])
  })
})
