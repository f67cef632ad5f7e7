import { describe, expect, test } from 'vitest'
import { csvCellHash, csvDecimalKey, csvNumberValue, csvPlainNumberEnd, isCsvNumber, parseCsvNumber, scanCsvDecimal, scanCsvNumberCell } from './number.ts'

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

describe('scanCsvNumberCell', () => {
  test('default: a plain decimal up to the next comma, CR or LF: its end, value and hash', () => {
    const out = { end: 0, value: 0, hash: 0 }
    for (const [text, end, value] of [['26.5,x', 4, 26.5], ['-7\n', 2, -7], ['.5\r\n', 2, 0.5], ['5.', 2, 5], ['+12,', 3, 12], ['-0,', 2, -0]] as const) {
      expect(scanCsvNumberCell(text, 0, text.length, out), text).toBe(true)
      expect(out.end).toBe(end)
      expect(Object.is(out.value, value), text).toBe(true)
      expect(out.hash).toBe(csvCellHash(text, 0, end))
    }
  })

  test('behavior: accepts only cells isCsvNumber accepts, with the value csvNumberValue gives; leaves the rest to the general path', () => {
    const out = { end: 0, value: 0, hash: 0 }
    const chars = '0123456789+-.eE x'
    let seed = 11
    for (let round = 0; round < 5000; round++) {
      let cell = ''
      for (let k = round % 19; k > 0; k--) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        cell += chars[seed % chars.length]
      }
      const text = `${cell},1`
      if (scanCsvNumberCell(text, 0, text.length, out)) {
        expect(out.end, cell).toBe(cell.length)
        expect(isCsvNumber(cell), cell).toBe(true)
        expect(Object.is(out.value, csvNumberValue(cell)), cell).toBe(true)
      } else expect(isCsvNumber(cell) && !/[eE]/.test(cell) && cell.replace(/\D/g, '').length <= 15, cell).toBe(false)
    }
  })

  test('args: never reads past limit', () => {
    const out = { end: 0, value: 0, hash: 0 }
    expect(scanCsvNumberCell('12x', 0, 2, out)).toBe(true)
    expect(out.end).toBe(2)
    expect(scanCsvNumberCell('12', 1, 1, out)).toBe(false)
  })
})

describe('csvCellHash', () => {
  test('default: a small integer, the same for the same characters wherever they are', () => {
    expect(csvCellHash('x,yes', 2, 5)).toBe(csvCellHash('yes'))
    expect(csvCellHash('yes')).not.toBe(csvCellHash('no'))
    expect(csvCellHash('yes') >= 0 && csvCellHash('yes') < 2 ** 30).toBe(true)
  })
})

describe('csvPlainNumberEnd', () => {
  test('behavior: accepts only cells isCsvNumber accepts, ending at the comma, CR or LF', () => {
    expect([csvPlainNumberEnd('-1.5,x', 0, 6), csvPlainNumberEnd('7\r\n', 0, 3), csvPlainNumberEnd('.5', 0, 2), csvPlainNumberEnd('1e3,', 0, 4), csvPlainNumberEnd('-,', 0, 2), csvPlainNumberEnd(`${'9'.repeat(301)},`, 0, 302)]).toEqual([4, 1, 2, -1, -1, -1])
    const chars = '0123456789+-.eE x'
    let seed = 13
    for (let round = 0; round < 5000; round++) {
      let cell = ''
      for (let k = round % 19; k > 0; k--) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        cell += chars[seed % chars.length]
      }
      const end = csvPlainNumberEnd(`${cell}\n`, 0, cell.length + 1)
      if (end !== -1) expect([cell, end, isCsvNumber(cell)]).toEqual([cell, cell.length, true])
      else expect([cell, isCsvNumber(cell) && /^[+-]?[\d.]+$/.test(cell)]).toEqual([cell, false])
    }
  })
})

describe('scanCsvDecimal', () => {
  test('default: a plain decimal up to the next comma, CR or LF: its end, value and key', () => {
    const out = { end: 0, value: 0, hash: 0, key: 0 }
    for (const [text, end, value, key] of [
      ['26.5,x', 4, 26.5, csvDecimalKey(0, 265, 3, 2)],
      ['-7\n', 2, -7, csvDecimalKey(1, 7, 1, -1)],
      ['.5\r\n', 2, 0.5, csvDecimalKey(0, 5, 1, 0)],
      ['+12,', 3, 12, csvDecimalKey(2, 12, 2, -1)],
      ['1234567890123,', 13, 1234567890123, -1],
    ] as const) {
      expect(scanCsvDecimal(text, 0, text.length, out), text).toBe(true)
      expect([out.end, out.value, out.key], text).toEqual([end, value, key])
    }
  })

  test('behavior: accepts exactly the cells scanCsvNumberCell accepts, with the same end and value', () => {
    const withHash = { end: 0, value: 0, hash: 0 }
    const decimal = { end: 0, value: 0, hash: -1, key: 0 }
    const chars = '0123456789+-.eE x,\n'
    let seed = 7
    for (let round = 0; round < 5000; round++) {
      let text = ''
      for (let k = round % 19; k > 0; k--) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        text += chars[seed % chars.length]
      }
      const limit = text.length - (round % 3 === 0 && text.length > 0 ? 1 : 0)
      const accepted = scanCsvNumberCell(text, 0, limit, withHash)
      expect(scanCsvDecimal(text, 0, limit, decimal), text).toBe(accepted)
      if (accepted) {
        expect(decimal.end, text).toBe(withHash.end)
        expect(Object.is(decimal.value, withHash.value), text).toBe(true)
      }
    }
    expect(decimal.hash).toBe(-1)
  })

  test('behavior: two cells have the same key exactly when they are the same text', () => {
    const out = { end: 0, value: 0, hash: 0, key: 0 }
    const byKey = new Map<number, string>()
    const cells = ['5', '5.', '5.0', '05', '+5', '-5', '.5', '0.5', '50', '500', '5.00', '-0', '0', '+0', '0.', '.0', '999999999999', '99999999999.9', '-.999999999999']
    const digits = '0123456789'
    let seed = 3
    for (let round = 0; round < 6000; round++) {
      let cell = ['', '-', '+'][round % 3]!
      const length = 1 + (round % 12)
      const dot = round % 5 === 0 ? -1 : (round >> 3) % (length + 1)
      for (let k = 0; k < length; k++) {
        if (k === dot) cell += '.'
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        cell += digits[(seed >>> 8) % 10]
      }
      if (dot === length) cell += '.'
      cells.push(cell)
    }
    for (const cell of cells) {
      expect(scanCsvDecimal(`${cell},`, 0, cell.length + 1, out), cell).toBe(true)
      expect(out.key, cell).toBeGreaterThanOrEqual(0)
      expect(Number.isSafeInteger(out.key), cell).toBe(true)
      const known = byKey.get(out.key!)
      if (known === undefined) byKey.set(out.key!, cell)
      else expect(known, `${cell} has the key of ${known}`).toBe(cell)
    }
    expect(byKey.size).toBe(new Set(cells).size)
  })

  test('args: never reads past limit', () => {
    const out = { end: 0, value: 0, hash: 0, key: 0 }
    expect(scanCsvDecimal('12x', 0, 2, out)).toBe(true)
    expect(out).toMatchObject({ end: 2, value: 12, key: csvDecimalKey(0, 12, 2, -1) })
    expect(scanCsvDecimal('12', 1, 1, out)).toBe(false)
  })
})
