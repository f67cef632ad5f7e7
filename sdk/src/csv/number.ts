// The number syntax every part of datavault agrees on (inference, the trainers' table reader):
// /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/ whose value is finite. Checked by hand over
// character codes so the schema inference needs no string per cell.

const PLUS = 0x2b
const MINUS = 0x2d
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39
const LOWER_E = 0x65
const UPPER_E = 0x45
const COMMA = 0x2c
const LF = 0x0a
const CR = 0x0d

/**
 * Whether `text.slice(start, end)` is a plain decimal number with a finite value: an optional
 * sign, digits with an optional fraction (`5`, `5.`, `.5`, `-1.25`), an optional exponent
 * (`1e-3`). No spaces, no `Infinity`, no hexadecimal, no thousands separators.
 *
 * @example
 * isCsvNumber('-1e1') // true
 * isCsvNumber('1,5') // false
 */
export function isCsvNumber(text: string, start = 0, end = text.length): boolean {
  // Written for speed (the schema inference calls it for every cell): each step reads one
  // character and returns as soon as the cell ends.
  let k = start
  if (k >= end) return false
  let c = text.charCodeAt(k)
  if (c === PLUS || c === MINUS) {
    if (++k === end) return false
    c = text.charCodeAt(k)
  }
  const digitsStart = k
  let digits = 0
  while (c >= ZERO && c <= NINE) {
    digits++
    if (++k === end) return digits <= 300 || finite(text, start, end)
    c = text.charCodeAt(k)
  }
  if (c === DOT) {
    if (++k === end) return digits > 0 && (k - digitsStart <= 300 || finite(text, start, end))
    c = text.charCodeAt(k)
    while (c >= ZERO && c <= NINE) {
      digits++
      if (++k === end) return k - digitsStart <= 300 || finite(text, start, end)
      c = text.charCodeAt(k)
    }
  }
  if (digits === 0 || (c !== LOWER_E && c !== UPPER_E)) return false
  if (++k === end) return false
  c = text.charCodeAt(k)
  if (c === PLUS || c === MINUS) {
    if (++k === end) return false
    c = text.charCodeAt(k)
  }
  while (c >= ZERO && c <= NINE) {
    // Only an exponent can push a short number past the largest double.
    if (++k === end) return finite(text, start, end)
    c = text.charCodeAt(k)
  }
  return false
}

const finite = (text: string, start: number, end: number) => Number.isFinite(Number(text.slice(start, end)))

/**
 * The value of a CSV number cell, or `undefined` when the cell is not one ({@link isCsvNumber}).
 *
 * @example
 * parseCsvNumber('2.5') // 2.5
 * parseCsvNumber('n/a') // undefined
 */
export function parseCsvNumber(cell: string): number | undefined {
  return isCsvNumber(cell) ? Number(cell) : undefined
}

const powersOfTen = Array.from({ length: 16 }, (_, n) => 10 ** n)

/**
 * The value of a cell that {@link isCsvNumber} accepted, as `Number(text.slice(start, end))` gives
 * it, without the slice for plain decimals of at most 15 digits (`-12`, `26.5`): their digits make
 * an exact integer below 2⁵³, and one division by an exact power of ten rounds as parsing does.
 *
 * @example
 * csvNumberValue('x,26.5', 2, 6) // 26.5
 */
export function csvNumberValue(text: string, start = 0, end = text.length): number {
  let k = start
  let c = text.charCodeAt(k)
  const negative = c === MINUS
  if (negative || c === PLUS) k++
  let mantissa = 0
  let digits = 0
  let scale = -1
  for (; k < end; k++) {
    c = text.charCodeAt(k)
    if (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO)
      digits++
    } else if (c === DOT && scale === -1) scale = digits
    else return Number(text.slice(start, end))
  }
  if (digits > 15) return Number(text.slice(start, end))
  const value = scale === -1 || scale === digits ? mantissa : mantissa / powersOfTen[digits - scale]!
  return negative ? -value : value
}

/** Where {@link scanCsvNumberCell} writes what it read (one per reader, reused: no object per cell). */
export type CsvNumberScan = {
  /** Where the cell ends: the comma, CR or LF after it, or the stretch's end. */
  end: number
  /** Its value, as `Number()` gives it. */
  value: number
  /** {@link csvCellHash} of its characters. */
  hash: number
  /**
   * Written by {@link scanCsvDecimal} only: the cell's characters as one number ({@link csvDecimalKey}),
   * or -1 when it has more than 12 digits.
   */
  key?: number
}

/**
 * The readers' fast path for a number cell, in one pass over its characters: reads the cell that
 * starts at `start` and ends at the next comma, CR or LF, or at `limit`; when it is a plain decimal of at most
 * 15 digits (an optional sign, digits with at most one `.`: `-12`, `26.5`, `5.`, `.5`), writes its
 * end, value and hash to `out` and returns true. Any other cell (empty, text, an exponent, more
 * digits) returns false, and the caller takes its general path (every cell accepted here is one
 * {@link isCsvNumber} accepts, with the value {@link csvNumberValue} gives).
 *
 * @example
 * const out = { end: 0, value: 0, hash: 0 }
 * scanCsvNumberCell('26.5,x', 0, 6, out) // true; out.end === 4, out.value === 26.5
 */
export function scanCsvNumberCell(text: string, start: number, limit: number, out: CsvNumberScan): boolean {
  let k = start
  if (k >= limit) return false
  let hash = 0x811c9dc5
  let c = text.charCodeAt(k)
  const negative = c === MINUS
  if (negative || c === PLUS) {
    hash = Math.imul(hash ^ c, 0x01000193)
    k++
  }
  let mantissa = 0
  let digits = 0
  let scale = -1
  for (; k < limit; k++) {
    c = text.charCodeAt(k)
    const digit = c - ZERO
    if (digit >= 0 && digit <= 9) {
      mantissa = mantissa * 10 + digit
      digits++
    } else if (c === COMMA || c === LF || c === CR) break
    else if (c === DOT && scale === -1) scale = digits
    else return false
    hash = Math.imul(hash ^ c, 0x01000193)
  }
  if (digits === 0 || digits > 15) return false
  const value = scale === -1 || scale === digits ? mantissa : mantissa / powersOfTen[digits - scale]!
  out.end = k
  out.value = negative ? -value : value
  out.hash = hash & 0x3fffffff
  return true
}

/**
 * The hash the readers recognise a value already seen by (FNV-1a of `text.slice(start, end)`'s
 * characters), kept to 30 bits: a small integer, which V8 passes and keys maps with unboxed (a
 * full 32-bit hash would be a heap number per cell).
 *
 * @example
 * csvCellHash('x,yes', 2, 5) === csvCellHash('yes') // true
 */
export function csvCellHash(text: string, start = 0, end = text.length): number {
  let hash = 0x811c9dc5
  for (let k = start; k < end; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193)
  return hash & 0x3fffffff
}

/**
 * The end of the cell at `start` (at the next comma, CR or LF, or at `limit`) when it is a plain
 * decimal of at most 300 digits (an optional sign, digits with at most one `.`), else -1: the
 * schema inference's check of a number column whose values it no longer collects (syntax only:
 * no value, no hash). Every cell accepted here is one {@link isCsvNumber} accepts.
 *
 * @example
 * csvPlainNumberEnd('-1.5,x', 0, 6) // 4
 */
export function csvPlainNumberEnd(text: string, start: number, limit: number): number {
  let k = start
  if (k >= limit) return -1
  let c = text.charCodeAt(k)
  if (c === MINUS || c === PLUS) k++
  const from = k
  let dot = -1
  for (; k < limit; k++) {
    c = text.charCodeAt(k)
    if (c - ZERO >>> 0 <= 9) continue
    if (c === COMMA || c === LF || c === CR) break
    if (c !== DOT || dot !== -1) return -1
    dot = k
  }
  const digits = k - from - (dot === -1 ? 0 : 1)
  return digits === 0 || digits > 300 ? -1 : k
}

/**
 * The characters of a plain decimal of at most 12 digits as one exact integer below 2⁵³: two
 * cells have the same key exactly when they are the same text (`5`, `5.`, `5.0`, `05` and `+5`
 * all differ). `sign` is 0 (none), 1 (`-`) or 2 (`+`); `mantissa` the digits read as an integer,
 * `digits` how many there are (leading zeros included), `dot` how many digits come before the `.`
 * (-1: no dot). Lets a reader recognise a value it has seen without comparing characters.
 *
 * @example
 * csvDecimalKey(1, 265, 3, 2) !== csvDecimalKey(0, 265, 3, 2) // '-26.5' and '26.5'
 */
export function csvDecimalKey(sign: number, mantissa: number, digits: number, dot: number): number {
  return ((mantissa * 16 + digits) * 17 + (dot + 1)) * 3 + sign
}

/**
 * {@link scanCsvNumberCell} with the cell's {@link csvDecimalKey} (written to `out.key`; -1 for a
 * cell of 13 to 15 digits, which has none) instead of its hash: the same cells accepted, the same
 * end and value. The profile's fast path: the key comes from what the scan reads anyway (a hash
 * is one more multiplication per character), and a value seen before is recognised by it with
 * one comparison of numbers.
 *
 * @example
 * const out = { end: 0, value: 0, hash: 0, key: 0 }
 * scanCsvDecimal('26.5,x', 0, 6, out) // true; out.value === 26.5, out.key === csvDecimalKey(0, 265, 3, 2)
 */
export function scanCsvDecimal(text: string, start: number, limit: number, out: CsvNumberScan): boolean {
  let k = start
  if (k >= limit) return false
  let c = text.charCodeAt(k)
  const sign = c === MINUS ? 1 : c === PLUS ? 2 : 0
  if (sign !== 0) k++
  let mantissa = 0
  let digits = 0
  let scale = -1
  for (; k < limit; k++) {
    c = text.charCodeAt(k)
    const digit = c - ZERO
    if (digit >= 0 && digit <= 9) {
      mantissa = mantissa * 10 + digit
      digits++
    } else if (c === COMMA || c === LF || c === CR) break
    else if (c === DOT && scale === -1) scale = digits
    else return false
  }
  if (digits === 0 || digits > 15) return false
  const value = scale === -1 || scale === digits ? mantissa : mantissa / powersOfTen[digits - scale]!
  out.end = k
  out.value = sign === 1 ? -value : value
  out.key = digits > 12 ? -1 : csvDecimalKey(sign, mantissa, digits, scale)
  return true
}
