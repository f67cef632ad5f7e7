// The reading loop the schema inference and the profile share: a header, then data records whose
// cells go to per-column accumulators. Unquoted records take the fast path: the tokenizer hands
// over whole stretches of lines, and each cell is read once, where it is (a number's syntax,
// value and hash in one pass), with no call per record and no string per cell.
import { CsvInvalidError, CsvSchemaError } from './errors.ts'
import { createCsvTokenizer, csvFieldEnd } from './parser.ts'

const COMMA = 0x2c
const CR = 0x0d
const LF = 0x0a

/** Per-column accumulators fed one cell at a time. */
export type CsvColumnsReader = {
  /** How many columns the header names. */
  width: number
  /** Takes the cell `text.slice(start, end)` of column `column` (quotes already undone). */
  cell(column: number, text: string, start: number, end: number): void
  /**
   * Takes the cell of column `column` that starts at `start` and ends at the next comma, CR or LF
   * (before `limit`), in a stretch of unquoted records, and returns where it ends.
   */
  scan(column: number, text: string, start: number, limit: number): number
}

/**
 * Creates a reader of a CSV table fed in pieces: the first record is the header, given to `open`
 * (which checks it and returns the columns' accumulators); every other record must have as many
 * fields (else {@link CsvInvalidError} naming its line). `end` returns the accumulators and the
 * data rows read; an empty CSV is {@link CsvSchemaError} `CSV_EMPTY`.
 */
export function createCsvTableReader<T extends CsvColumnsReader>(open: (names: string[]) => T): { push(text: string): void; end(): { columns: T; rows: number } } {
  let columns: T | undefined
  let header: string[] = []
  let width = 0
  let column = 0
  let rows = 0
  const ragged = (fields: number, line: number) => new CsvInvalidError(`a record with ${fields} fields (the header has ${width})`, { line })
  const cell = (text: string, start: number, end: number) => {
    if (columns === undefined) header.push(text.slice(start, end))
    else if (column < width) columns.cell(column, text, start, end)
    column++
  }
  const record = (line: number) => {
    if (columns === undefined) {
      columns = open(header)
      width = columns.width
      header = []
    } else {
      if (column !== width) throw ragged(column, line)
      rows++
    }
    column = 0
  }
  const records = (text: string, start: number, end: number, first: number) => {
    let line = first
    let i = start
    while (columns === undefined && i < end) {
      // The header (or blank lines before it), a field at a time.
      const lf = text.indexOf('\n', i)
      const stop = lf > i && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf
      for (let from = i; stop !== i; ) {
        const to = csvFieldEnd(text, from, stop)
        cell(text, from, to)
        if (to === stop) {
          record(line)
          break
        }
        from = to + 1
      }
      line++
      i = lf + 1
    }
    const table = columns
    if (table === undefined) return line - first
    let count = rows
    while (i < end) {
      let c = text.charCodeAt(i)
      if (c === LF || c === CR) {
        // A blank line.
        i += c === CR ? 2 : 1
        line++
        continue
      }
      let k = 0
      for (;;) {
        const stop = k < width ? table.scan(k, text, i, end) : csvFieldEnd(text, i, end)
        k++
        c = text.charCodeAt(stop)
        i = stop + 1
        if (c !== COMMA) {
          if (c === CR) i++
          break
        }
      }
      if (k !== width) {
        rows = count
        throw ragged(k, line)
      }
      count++
      line++
    }
    rows = count
    return line - first
  }
  const reader = createCsvTokenizer({ cell, record, records })
  return {
    push: (text) => reader.push(text),
    end() {
      reader.end()
      if (columns === undefined) throw new CsvSchemaError('The CSV is empty.', { code: 'CSV_EMPTY' })
      return { columns, rows }
    },
  }
}
