import { describe, expect, test } from 'vitest'
import { isCsvDate } from './date.ts'

describe('isCsvDate', () => {
  test('default: ISO dates and times, slashes, dots, month names', () => {
    for (const cell of [
      '2026-12-06',
      '2026-12-06T13:30',
      '2026-12-06T13:30:00Z',
      '2026-12-06 13:30:00.123+01:00',
      '2026/12/06',
      '06/12/2026',
      '12/31/2026',
      '6.12.2026',
      '06-12-2026',
      '6 Dec 2026',
      'Dec 6, 2026',
      'December 6 2026',
      'sept. 30, 2026',
    ])
      expect(isCsvDate(cell), cell).toBe(true)
  })

  test('behavior: numbers, partial dates, impossible months and days and words are not dates', () => {
    for (const cell of ['20261206', '2026', '12/2026', '2026-13-01', '2026-12-32', '32/12/2026', '2026-12-06 noon', 'yesterday', '1.5', '2026-12-06T25:00', 'Decimal 6, 2026x'])
      expect(isCsvDate(cell), cell).toBe(false)
  })

  test('args: a cell given by offsets into a longer text', () => {
    const text = 'x,2026-12-06,2026-12-06T1'
    expect(isCsvDate(text, 2, 12)).toBe(true)
    expect(isCsvDate(text, 13, text.length)).toBe(false)
  })
})
