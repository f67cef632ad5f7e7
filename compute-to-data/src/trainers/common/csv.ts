import { TrainerDataError } from './errors.ts'

const comma = 0x2c
const quote = 0x22
const cr = 0x0d
const lf = 0x0a

/**
 * Parses RFC 4180 CSV, calling `onRecord` for each record (the header included). Records end
 * with CRLF or LF; fields may be quoted, with `""` for a quote inside, and quoted fields may hold
 * commas and line breaks. A quote inside an unquoted field, text after a closing quote, or an
 * unterminated quote is an error (`bad-csv`, with the line number only). A final line break is
 * optional; a leading byte-order mark is skipped.
 */
export function parseCsv(text: string, onRecord: (fields: string[], line: number) => void): void {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const n = text.length
  let line = 1
  let recordLine = 1
  let fields: string[] = []
  if (i >= n) return
  for (;;) {
    // At the start of a field.
    let value: string
    if (text.charCodeAt(i) === quote) {
      i++
      let start = i
      let parts = ''
      for (;;) {
        if (i >= n) throw new TrainerDataError('bad-csv', `unterminated quoted field starting on line ${recordLine}`)
        const c = text.charCodeAt(i)
        if (c === quote) {
          if (text.charCodeAt(i + 1) === quote) {
            parts += text.slice(start, i + 1)
            i += 2
            start = i
            continue
          }
          parts += text.slice(start, i)
          i++
          break
        }
        if (c === lf) line++
        i++
      }
      value = parts
      const c = i < n ? text.charCodeAt(i) : -1
      if (c !== comma && c !== cr && c !== lf && c !== -1) throw new TrainerDataError('bad-csv', `text after a closing quote on line ${line}`)
    } else {
      const start = i
      while (i < n) {
        const c = text.charCodeAt(i)
        if (c === comma || c === lf || c === cr) break
        if (c === quote) throw new TrainerDataError('bad-csv', `quote inside an unquoted field on line ${line}`)
        i++
      }
      value = text.slice(start, i)
    }
    fields.push(value)

    // After a field: a comma, a line break, or the end.
    if (i >= n) {
      onRecord(fields, recordLine)
      return
    }
    const c = text.charCodeAt(i)
    if (c === comma) {
      i++
      continue
    }
    if (c === cr) {
      if (text.charCodeAt(i + 1) !== lf) throw new TrainerDataError('bad-csv', `bare carriage return on line ${line}`)
      i++
    }
    i++ // the LF
    line++
    onRecord(fields, recordLine)
    fields = []
    recordLine = line
    if (i >= n) return
  }
}
