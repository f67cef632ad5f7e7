// RFC 4180 CSV, both ways: a push parser (pieces may end anywhere; quoted fields with `""` and line
// breaks; CRLF or LF; a leading byte-order mark skipped) and a writer that quotes only what needs it.
import { DataFileError } from '../errors.ts'

/** A parser fed text in pieces; `onRecord` gets each record (the header first) with its line number. */
export type CsvParser = { push(text: string): void; end(): void }

/**
 * Creates a CSV parser. Malformed input throws `DataFileError` `CSV_INVALID`, naming the line.
 *
 * @example
 * const parser = createCsvParser((fields) => records.push(fields))
 * parser.push('a,b\n1,2\n')
 * parser.end()
 */
export function createCsvParser(onRecord: (fields: string[], line: number) => void): CsvParser {
  type State = 'start' | 'unquoted' | 'quoted' | 'quote-in-quoted' | 'cr'
  let state: State = 'start'
  let field = ''
  let fields: string[] = []
  let line = 1
  let recordLine = 1
  let first = true

  const bad = (why: string) => new DataFileError(`This is not a CSV file the extension can read: ${why} on line ${line}.`, { code: 'CSV_INVALID' })
  const endField = () => {
    fields.push(field)
    field = ''
    state = 'start'
  }
  const endRecord = () => {
    endField()
    // A blank line (one empty field) is no record.
    if (!(fields.length === 1 && fields[0] === '')) onRecord(fields, recordLine)
    fields = []
    line++
    recordLine = line
  }

  return {
    push(text) {
      let i = 0
      if (first && text.length > 0) {
        first = false
        if (text.charCodeAt(0) === 0xfeff) i = 1
      }
      for (; i < text.length; i++) {
        const c = text[i]!
        switch (state) {
          case 'quoted':
            if (c === '"') state = 'quote-in-quoted'
            else {
              if (c === '\n') line++
              field += c
            }
            break
          case 'quote-in-quoted':
            if (c === '"') {
              field += '"'
              state = 'quoted'
            } else if (c === ',') endField()
            else if (c === '\n') endRecord()
            else if (c === '\r') state = 'cr'
            else throw bad('text after a closing quote')
            break
          case 'cr':
            if (c !== '\n') throw bad('a bare carriage return')
            endRecord()
            break
          default:
            if (c === ',') endField()
            else if (c === '\n') endRecord()
            else if (c === '\r') state = 'cr'
            else if (c === '"') {
              if (state === 'unquoted') throw bad('a quote inside an unquoted field')
              state = 'quoted'
            } else if (c === '\0') throw bad('a NUL character (is it a binary file?)')
            else {
              field += c
              state = 'unquoted'
            }
        }
      }
    },
    end() {
      if (state === 'quoted') throw bad('an unterminated quoted field')
      if (state === 'cr') throw bad('a bare carriage return')
      if (state !== 'start' || fields.length > 0) endRecord()
    },
  }
}

/** One CSV field, quoted when it holds a comma, a quote, a line break or leading/trailing spaces. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/** One CSV line (with its `\n`). */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`
}
