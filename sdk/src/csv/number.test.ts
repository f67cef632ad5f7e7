import { describe, expect, test } from 'vitest'
import { csvNumberValue, isCsvNumber, parseCsvNumber } from './number.ts'

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

describe('csvNumberValue', () => {
  test('default: the value Number() gives, for random plain decimals, signs, exponents and long digit runs', () => {
    let state = 5
    const random = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0
      return state / 2 ** 32
    }
    const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(random() * 10))).join('')
    const cells = ['0', '-0', '+7', '5.', '.5', '-.25', '26.5', '1e3', '-1.5E-2', '123456789012345', '1234567890123456', '0.1', '0.30000000000000004']
    for (let i = 0; i < 20_000; i++) {
      const sign = ['', '-', '+'][Math.floor(random() * 3)]!
      const whole = digits(Math.floor(random() * 10))
      const fraction = random() < 0.6 ? `.${digits(Math.floor(random() * 10))}` : ''
      const cell = `${sign}${whole || '0'}${fraction}${random() < 0.05 ? `e${Math.floor(random() * 20) - 10}` : ''}`
      cells.push(cell)
    }
    for (const cell of cells) {
      expect(isCsvNumber(cell), cell).toBe(true)
      expect(Object.is(csvNumberValue(`x,${cell},y`, 2, 2 + cell.length), Number(cell)), cell).toBe(true)
    }
  })
})
