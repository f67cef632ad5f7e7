import { describe, expect, test } from 'vitest'
import { createCsvDistinctValues, maxCategoryValues } from './distinct-values.ts'
import { csvCellHash, scanCsvDecimal } from './number.ts'

describe('createCsvDistinctValues', () => {
  test('default: each value once, in first-seen order, read in place from a longer text; onNew sees each new one', () => {
    const seen: string[] = []
    const distinct = createCsvDistinctValues(2, (column, value) => seen.push(`${column}:${value}`))
    const text = 'yes,no,yes,maybe,no'
    for (const [start, end] of [[0, 3], [4, 6], [7, 10], [11, 16], [17, 19]] as const) distinct.add(0, text, start, end, csvCellHash(text, start, end))
    expect([...distinct.values[0]!]).toEqual(['yes', 'no', 'maybe'])
    expect([...distinct.values[1]!]).toEqual([])
    expect(seen).toEqual(['0:yes', '0:no', '0:maybe'])
  })

  test('behavior: values whose hashes collide are kept apart; the table grows past its first slots without losing any', () => {
    const distinct = createCsvDistinctValues(1)
    // Every value given the same hash: only the comparison of characters tells them apart.
    for (let round = 0; round < 2; round++) for (let i = 0; i < 300; i++) distinct.add(0, `v${i}`, 0, `v${i}`.length, 12345)
    expect(distinct.values[0]!.size).toBe(300)
    const spread = createCsvDistinctValues(1)
    for (let round = 0; round < 3; round++) for (let i = 0; i < 900; i++) spread.add(0, String(i), 0, String(i).length, csvCellHash(String(i)))
    expect([...spread.values[0]!]).toEqual(Array.from({ length: 900 }, (_, i) => String(i)))
  })

  test('args: past the most a category may have, the column\'s values are dropped (undefined) and adding more does nothing', () => {
    const distinct = createCsvDistinctValues(1)
    for (let i = 0; i <= maxCategoryValues; i++) distinct.add(0, `x${i}`, 0, `x${i}`.length, csvCellHash(`x${i}`))
    expect(distinct.values[0]).toBeUndefined()
    distinct.add(0, 'x1', 0, 2, csvCellHash('x1'))
    expect(distinct.values[0]).toBeUndefined()
  })

  test('behavior: a decimal added by its key and the same text added by its hash are one value; each distinct text is one value', () => {
    const out = { end: 0, value: 0, hash: 0, key: 0 }
    const byKey = (distinct: ReturnType<typeof createCsvDistinctValues>, text: string) => {
      expect(scanCsvDecimal(text, 0, text.length, out), text).toBe(true)
      distinct.addDecimal(0, out.key!, text, 0, text.length)
    }
    const distinct = createCsvDistinctValues(1)
    distinct.add(0, '5', 0, 1, csvCellHash('5'))
    for (const text of ['5', '5.', '5.0', '05', '+5', '-5', '5', '5.0', '-5']) byKey(distinct, text)
    distinct.add(0, '5.0', 0, 3, csvCellHash('5.0'))
    expect([...distinct.values[0]!]).toEqual(['5', '5.', '5.0', '05', '+5', '-5'])
    // Past the first slots of the key table, and read in place from a longer text.
    const many = createCsvDistinctValues(1)
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < 900; i++) {
        const text = `x,${(i / 10).toFixed(1)},y`
        expect(scanCsvDecimal(text, 2, text.length, out)).toBe(true)
        many.addDecimal(0, out.key!, text, 2, out.end)
      }
    expect([...many.values[0]!]).toEqual(Array.from({ length: 900 }, (_, i) => (i / 10).toFixed(1)))
  })

  test('args: past the most a category may have, decimals added by key drop the column\'s values too', () => {
    const out = { end: 0, value: 0, hash: 0, key: 0 }
    const distinct = createCsvDistinctValues(1)
    for (let i = 0; i <= maxCategoryValues + 5; i++) {
      const text = String(i)
      scanCsvDecimal(text, 0, text.length, out)
      distinct.addDecimal(0, out.key!, text, 0, text.length)
    }
    expect(distinct.values[0]).toBeUndefined()
  })
})
