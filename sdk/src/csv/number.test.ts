import { describe, expect, test } from 'vitest'
import { isCsvNumber, parseCsvNumber } from './number.ts'

// The syntax as it was written before this module, checked against the hand-written scanner.
const pattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const byPattern = (cell: string) => pattern.test(cell) && Number.isFinite(Number(cell))

describe('isCsvNumber', () => {
  test('default: plain decimals with an optional sign, fraction and exponent', () => {
    for (const cell of ['0', '-1', '+2', '5.', '.5', '-1.25', '1e3', '1E-3', '-.5e+2', '007']) expect([cell, isCsvNumber(cell)]).toEqual([cell, true])
  })

  test('behavior: agrees with the regular expression (and finiteness) it replaces', () => {
    const cells = ['', '+', '-', '.', '-.', 'e1', '1e', '1e+', '1.2.3', ' 1', '1 ', '0x10', 'Infinity', 'NaN', '1,5', '1e400', '-1e400', '1e308', '9'.repeat(400), `${'9'.repeat(400)}.5`, '1_000', '١', '2e-400']
    for (const cell of cells) expect([cell, isCsvNumber(cell)]).toEqual([cell, byPattern(cell)])
    const chars = '0123456789+-.eE x'
    let seed = 7
    for (let round = 0; round < 5000; round++) {
      let cell = ''
      for (let k = round % 7; k > 0; k--) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        cell += chars[seed % chars.length]
      }
      expect([cell, isCsvNumber(cell)]).toEqual([cell, byPattern(cell)])
    }
  })

  test('args: a range of a longer text, never reading past its end', () => {
    expect(isCsvNumber('x,12,y', 2, 4)).toBe(true)
    expect(isCsvNumber('1e,+5', 0, 2)).toBe(false)
    expect(isCsvNumber('1.,5', 0, 2)).toBe(true)
    expect(isCsvNumber('1,5', 0, 0)).toBe(false)
  })
})

describe('parseCsvNumber', () => {
  test('default: the value, or undefined for a cell that is no number', () => {
    expect([parseCsvNumber('2.5'), parseCsvNumber('-1e1'), parseCsvNumber('n/a'), parseCsvNumber('')]).toEqual([2.5, -10, undefined, undefined])
  })
})
