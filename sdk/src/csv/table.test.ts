import { describe, expect, test } from 'vitest'
import { createCsvSchemaInference, createTableSchemaInference } from './inferCsvSchema.ts'
import { parseCsv } from './parser.ts'
import { createCsvProfiler, createTableProfiler } from './profileCsv.ts'

// A seeded generator, so a failing random case can be replayed.
function randomFrom(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

// Cells of every shape the fast path must tell apart: plain decimals it reads itself, and
// everything it must hand to the general path (exponents, long digit runs, signs alone, blanks,
// words, dates, quoted text with commas and line breaks).
const cellsOf = (random: () => number) => {
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(random() * 10))).join('')
  const shapes = [
    () => digits(1 + Math.floor(random() * 6)),
    () => `-${digits(1 + Math.floor(random() * 4))}.${digits(Math.floor(random() * 4))}`,
    () => `+${digits(2)}`,
    () => `.${digits(2)}`,
    () => `${digits(2)}.`,
    () => digits(16 + Math.floor(random() * 4)),
    () => `${digits(1)}e${Math.floor(random() * 20) - 10}`,
    () => ['-', '+', '.', '1.2.3', '1-2', '--1', '1+', ' 1', '1 '][Math.floor(random() * 9)]!,
    () => ['', 'NA', 'n/a', 'null', '?', 'NaN'][Math.floor(random() * 6)]!,
    () => ['yes', 'no', 'Zürich', 'x', 'ü'][Math.floor(random() * 5)]!,
    () => '2026-12-06',
    () => ['"a,b"', '"line\nbreak"', '"say ""hi"""', '"12"', '""'][Math.floor(random() * 5)]!,
  ]
  return (column: number) => {
    // Mostly one shape per column (so columns stay numbers for a while), sometimes any.
    const shape = random() < 0.85 ? column % shapes.length : Math.floor(random() * shapes.length)
    return shapes[shape]!()
  }
}

function randomTable(random: () => number): string {
  const width = 1 + Math.floor(random() * 7)
  const cell = cellsOf(random)
  const columnOffset = Math.floor(random() * 12)
  const lines = [Array.from({ length: width }, (_, j) => `c${j}`).join(',')]
  const rows = 1 + Math.floor(random() * 40)
  for (let i = 0; i < rows; i++) {
    if (random() < 0.05) lines.push('') // a blank line
    lines.push(Array.from({ length: width }, (_, j) => cell(j + columnOffset)).join(','))
  }
  const text = lines.join(random() < 0.3 ? '\r\n' : '\n')
  return `${random() < 0.1 ? '\uFEFF' : ''}${text}${random() < 0.8 ? '\n' : ''}`
}

// The text cut at random places into a few pieces.
function piecesOf(text: string, random: () => number): string[] {
  const cuts = Array.from({ length: Math.floor(random() * 4) }, () => Math.floor(random() * text.length)).sort((a, b) => a - b)
  return [0, ...cuts, text.length].slice(1).map((end, k, ends) => text.slice(k === 0 ? 0 : ends[k - 1], end))
}

// The reference: records from the record parser (no fast path), fed one by one.
function byRecords<T>(text: string, open: (names: string[]) => { add(cells: readonly string[]): void; finish(): T }): T {
  let table: { add(cells: readonly string[]): void; finish(): T } | undefined
  parseCsv(text, (fields) => {
    if (table === undefined) table = open(fields)
    else table.add(fields)
  })
  return table!.finish()
}

const outcome = (run: () => unknown) => {
  try {
    return { value: run() }
  } catch (error) {
    const { code, line } = error as { code: string; line?: number }
    return { error: { code, line } }
  }
}

describe('createCsvTableReader', () => {
  test('behavior: the fast path profiles and infers 600 random tables as the record-by-record reference does, whatever the pieces', () => {
    const random = randomFrom(29)
    for (let round = 0; round < 600; round++) {
      const text = randomTable(random)
      const pieces = piecesOf(text, random)
      const profile = outcome(() => {
        const profiler = createCsvProfiler()
        for (const piece of pieces) profiler.push(piece)
        return profiler.end()
      })
      expect(profile, text).toEqual(outcome(() => byRecords(text, createTableProfiler)))
      const schema = outcome(() => {
        const inference = createCsvSchemaInference()
        for (const piece of pieces) inference.push(piece)
        return inference.end()
      })
      expect(schema, text).toEqual(outcome(() => byRecords(text, (names) => createTableSchemaInference(names))))
    }
  })

  test('behavior: past 1000 distinct values (no values collected, syntax only), the same as the reference', () => {
    const random = randomFrom(31)
    for (let round = 0; round < 48; round++) {
      const cell = cellsOf(random)
      const lines = ['a,b']
      // 1001 distinct numbers first, then cells of every shape.
      for (let i = 0; i < 1001; i++) lines.push(`${i - 500}${random() < 0.5 ? `.${i % 7}` : ''},${cell(0)}`)
      // Then one cell of another shape among numbers: the first non-number decides the column.
      const odd = Math.floor(random() * 20)
      for (let i = 0; i < 20; i++) lines.push(`${i === odd ? cell(round % 12) : String(i)},${cell(0)}`)
      const text = `${lines.join('\n')}\n`
      const inference = outcome(() => {
        const reader = createCsvSchemaInference()
        for (const piece of piecesOf(text, random)) reader.push(piece)
        return reader.end()
      })
      expect(inference, text.slice(-400)).toEqual(outcome(() => byRecords(text, (names) => createTableSchemaInference(names))))
    }
  })

  test('error: a ragged record is CSV_INVALID naming its line, on the fast path too', () => {
    for (const text of ['a,b\n1,2\n3\n', 'a,b\n1,2\n\n3,4,5\n', 'a,b\r\n1,2\r\n3,4,5\r\n']) {
      const line = text.split('\n').findIndex((record, k) => k > 0 && record.replace('\r', '').split(',').length !== 2 && record.replace('\r', '') !== '') + 1
      for (const reader of [createCsvProfiler(), createCsvSchemaInference()]) {
        const failure = outcome(() => {
          reader.push(text)
          return reader.end()
        })
        expect(failure).toEqual({ error: { code: 'CSV_INVALID', line } })
      }
    }
  })
})
