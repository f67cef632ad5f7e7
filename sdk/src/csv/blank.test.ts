import { describe, expect, test } from 'vitest'
import { csvBlankTokens, isCsvBlank } from './blank.ts'

describe('isCsvBlank', () => {
  test('default: empty cells and the missing-value words, in any case, with spaces around', () => {
    for (const cell of ['', '   ', '\t', 'NA', 'na', 'Na', 'N/A', 'n/a', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'Null', '?', ' NA ', '\tnull'])
      expect(isCsvBlank(cell), JSON.stringify(cell)).toBe(true)
    for (const token of csvBlankTokens) expect(isCsvBlank(token)).toBe(true)
  })

  test('behavior: values that only look close are not blank', () => {
    for (const cell of ['0', 'N', 'n', 'NB', 'N/B', 'nab', 'n//', 'none', 'nil', '-', '??', 'nulls', 'NA NA', '0.0', 'n.a'])
      expect(isCsvBlank(cell), JSON.stringify(cell)).toBe(false)
  })

  test('args: a cell given by offsets into a longer text', () => {
    const text = '12,NA,x,  ,null'
    expect(isCsvBlank(text, 3, 5)).toBe(true)
    expect(isCsvBlank(text, 6, 7)).toBe(false)
    expect(isCsvBlank(text, 8, 10)).toBe(true)
    expect(isCsvBlank(text, 11, 15)).toBe(true)
    expect(isCsvBlank(text, 0, 2)).toBe(false)
  })
})
