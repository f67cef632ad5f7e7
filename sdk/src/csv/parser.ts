// RFC 4180 CSV read in pieces that may end anywhere (inside a field, between CR and LF, inside a
// quoted field): quoted fields with `""` and line breaks inside, CRLF or LF, a leading byte-order
// mark skipped, blank lines skipped. One tokenizer serves every reader: the schema inference
// takes cells as offsets into the piece it was given (no string per cell on the fast path), the
// record parser slices them into arrays.
import { CsvInvalidError } from './errors.ts'

/**
 * Where the tokenizer sends what it reads. `cell` gets a field's value as `text.slice(start, end)`
 * (quotes and `""` already undone), without the slice being made: a consumer that only inspects
 * the characters allocates nothing. `record` ends each record with the line it began on.
 */
export type CsvSink = {
  cell(text: string, start: number, end: number): void
  record(line: number): void
  /**
   * Optional, for a consumer that cuts records and fields itself in the pass it reads them with:
   * whole lines `text.slice(start, end)` (`end` just after a line feed) holding no quote and no
   * NUL, each ending with LF or CRLF (a CR is always followed by an LF), the first one beginning
   * on line `line`. Fields are what lies between commas; a line that is only its line break is a
   * blank line, to skip. Where a sink has it, the tokenizer hands it every such stretch of a piece
   * (no `cell` or `record` calls for them); it returns the number of lines it read (the line
   * feeds in the stretch).
   */
  records?(text: string, start: number, end: number, line: number): number
}

/** A reader fed text in pieces: `push` each piece, then `end` once. */
export type CsvReader = { push(text: string): void; end(): void }

const COMMA = 0x2c
const QUOTE = 0x22
const CR = 0x0d
const LF = 0x0a
const NUL = 0x00

// States between pieces (and between fields within one).
const FIELD = 0 // at the start of a field
const UNQUOTED = 1 // inside an unquoted field that began in an earlier piece (`pending` holds it)
const QUOTED = 2 // inside a quoted field (`pending` holds what is read of it)
const QUOTE_SEEN = 3 // a quote inside a quoted field: the closing one, or the first of `""`
const AFTER = 4 // after a field: a comma, a line break or the end must follow
const CR_SEEN = 5 // after a carriage return: a line feed must follow

/**
 * Creates the CSV tokenizer behind every reader of this module. Malformed input throws
 * {@link CsvInvalidError} (`CSV_INVALID`) naming the line. A record of one empty unquoted field
 * (a blank line) is skipped, not sent. Memory is the piece being read plus one field that spans
 * pieces, whatever the file's size.
 *
 * @example
 * let cells = 0
 * const reader = createCsvTokenizer({ cell: () => void cells++, record: () => {} })
 * reader.push('a,b\n1,')
 * reader.push('2\n')
 * reader.end() // cells === 4
 */
export function createCsvTokenizer(sink: CsvSink): CsvReader {
  const wholeRecords = sink.records !== undefined
  let state = FIELD
  let pending = ''
  let line = 1
  let recordLine = 1
  let recordStart = true // no field of the current record read yet
  let blankLine = false // the CR being matched ends a blank line
  let first = true

  const bad = (reason: string) => new CsvInvalidError(reason, { line })
  const endRecord = () => {
    sink.record(recordLine)
    line++
    recordLine = line
    recordStart = true
    state = FIELD
  }
  const sendPending = () => {
    const value = pending
    pending = ''
    sink.cell(value, 0, value.length)
    recordStart = false
  }

  return {
    push(text) {
      const n = text.length
      let i = 0
      if (first) {
        if (n === 0) return
        first = false
        if (text.charCodeAt(0) === 0xfeff) i = 1
      }
      // Where the next quote, NUL, CR and comma are in this piece (found with indexOf, which scans
      // far faster than a loop over characters; -1 until looked for, `n` for none).
      let quoteAt = -1
      let nulAt = -1
      let crAt = -1
      let commaAt = -1
      const find = (what: string, from: number) => {
        const at = text.indexOf(what, from)
        return at === -1 ? n : at
      }
      while (i < n) {
        switch (state) {
          case FIELD: {
            let ln = line
            let rl = recordLine
            let rs = recordStart
            let next = FIELD
            // The fastest path, for a sink that reads whole records: every line up to the next quote,
            // NUL or bare CR, in one call.
            if (rs && wholeRecords) {
              if (quoteAt < i) quoteAt = find('"', i)
              if (nulAt < i) nulAt = find('\0', i)
              let limit = quoteAt < nulAt ? quoteAt : nulAt
              if (crAt < i) crAt = find('\r', i)
              while (crAt < limit && text.charCodeAt(crAt + 1) === LF) crAt = find('\r', crAt + 2)
              if (crAt < limit) limit = crAt
              const first = text.indexOf('\n', i)
              if (first !== -1 && first < limit) {
                const last = text.lastIndexOf('\n', limit - 1)
                ln += sink.records!(text, i, last + 1, rl)
                rl = ln
                i = last + 1
              }
            }
            // Then whole lines with no quote, NUL or lone CR, cut at commas.
            while (rs) {
              if (quoteAt < i) quoteAt = find('"', i)
              if (nulAt < i) nulAt = find('\0', i)
              const lf = text.indexOf('\n', i)
              if (lf === -1 || lf > quoteAt || lf > nulAt) break
              if (crAt < i) crAt = find('\r', i)
              let end = lf
              if (crAt < lf) {
                if (crAt !== lf - 1) break // a bare CR: the loop below reports it
                end = crAt
              }
              if (end !== i) {
                if (commaAt < i) commaAt = find(',', i)
                while (commaAt < end) {
                  sink.cell(text, i, commaAt)
                  i = commaAt + 1
                  commaAt = text.indexOf(',', i)
                  if (commaAt === -1) commaAt = n
                }
                sink.cell(text, i, end)
                sink.record(rl)
              } // else a blank line: no record
              ln++
              rl = ln
              i = lf + 1
            }
            // Then a field at a time, a character at a time: one comparison passes every
            // character above the comma (digits, letters, '.', '-'); anything unusual (a quote,
            // a bare CR, a field cut by the piece's end) leaves the loop with the state machine
            // set to go on. After each record, back to the lines above.
            while (i < n) {
              const start = i
              let j = i
              let d = -1
              for (; j < n; j++) {
                d = text.charCodeAt(j)
                if (d <= COMMA && (d === COMMA || d === LF || d === CR || d === QUOTE || d === NUL)) break
              }
              if (j === n) {
                // The field goes on in the next piece (unless none of it is here yet: it may be quoted).
                if (j !== start) {
                  pending = text.slice(start)
                  next = UNQUOTED
                }
                i = n
                break
              }
              if (d === COMMA) {
                sink.cell(text, start, j)
                rs = false
                i = j + 1
                continue
              }
              const crlf = d === CR && j + 1 < n && text.charCodeAt(j + 1) === LF
              if (d === LF || crlf) {
                if (!(rs && j === start)) {
                  sink.cell(text, start, j)
                  sink.record(rl)
                  rs = true
                } // else a blank line: no record
                ln++
                rl = ln
                i = crlf ? j + 2 : j + 1
                break
              }
              line = ln
              if (d === NUL) throw bad('a NUL character (is it a binary file?)')
              if (d === QUOTE) {
                if (j !== start) throw bad('a quote inside an unquoted field')
                next = QUOTED
                i = j + 1
              } else if (rs && j === start) {
                // A CR at the piece's end (or a bare one) where a blank line would begin.
                blankLine = true
                next = CR_SEEN
                i = j + 1
              } else {
                // A CR after a field: the LF is in the next piece, or missing.
                sink.cell(text, start, j)
                rs = false
                next = AFTER
                i = j
              }
              break
            }
            line = ln
            recordLine = rl
            recordStart = rs
            state = next
            break
          }
          case AFTER: {
            const c = text.charCodeAt(i++)
            if (c === COMMA) state = FIELD
            else if (c === LF) endRecord()
            else if (c === CR) state = CR_SEEN
            else throw bad('text after a closing quote')
            break
          }
          case UNQUOTED: {
            let j = i
            for (; j < n; j++) {
              const d = text.charCodeAt(j)
              if (d <= COMMA && (d === COMMA || d === LF || d === CR || d === QUOTE || d === NUL)) break
            }
            pending += text.slice(i, j)
            if (j === n) return
            const d = text.charCodeAt(j)
            if (d === QUOTE) throw bad('a quote inside an unquoted field')
            if (d === NUL) throw bad('a NUL character (is it a binary file?)')
            sendPending()
            state = AFTER
            i = j
            break
          }
          case QUOTED: {
            const q = text.indexOf('"', i)
            const end = q === -1 ? n : q
            for (let k = text.indexOf('\n', i); k !== -1 && k < end; k = text.indexOf('\n', k + 1)) line++
            pending += text.slice(i, end)
            if (q === -1) return
            state = QUOTE_SEEN
            i = q + 1
            break
          }
          case QUOTE_SEEN: {
            if (text.charCodeAt(i) === QUOTE) {
              pending += '"'
              state = QUOTED
              i++
            } else {
              sendPending()
              state = AFTER
            }
            break
          }
          default: {
            // CR_SEEN
            if (text.charCodeAt(i) !== LF) throw bad('a bare carriage return')
            i++
            if (blankLine) {
              blankLine = false
              line++
              recordLine = line
              state = FIELD
            } else endRecord()
          }
        }
      }
    },
    end() {
      switch (state) {
        case QUOTED:
          throw bad('an unterminated quoted field')
        case CR_SEEN:
          throw bad('a bare carriage return')
        case UNQUOTED:
        case QUOTE_SEEN:
          sendPending()
          endRecord()
          break
        case AFTER:
          endRecord()
          break
        default:
          // After a comma, the last field is empty.
          if (!recordStart) {
            sink.cell('', 0, 0)
            endRecord()
          }
      }
    },
  }
}

/**
 * Where the field that starts at `start` ends, in a stretch given to {@link CsvSink.records}: the
 * next comma, CR or LF, or `limit`.
 */
export function csvFieldEnd(text: string, start: number, limit: number): number {
  for (let k = start; k < limit; k++) {
    const c = text.charCodeAt(k)
    if (c <= COMMA && (c === COMMA || c === LF || c === CR)) return k
  }
  return limit
}

/**
 * Creates a CSV parser that calls `onRecord` with each record's fields (the header first) and the
 * line the record began on. Pieces may end anywhere. Malformed input throws
 * {@link CsvInvalidError}; blank lines are skipped.
 *
 * @example
 * const records: string[][] = []
 * const parser = createCsvParser((fields) => records.push(fields))
 * parser.push('a,b\r\n"x, y",2\n')
 * parser.end() // records: [['a', 'b'], ['x, y', '2']]
 */
export function createCsvParser(onRecord: (fields: string[], line: number) => void): CsvReader {
  let fields: string[] = []
  return createCsvTokenizer({
    cell(text, start, end) {
      fields.push(start === 0 && end === text.length ? text : text.slice(start, end))
    },
    record(line) {
      const record = fields
      fields = []
      onRecord(record, line)
    },
  })
}

/**
 * Parses a whole CSV text, calling `onRecord` for each record (the header first) with the line it
 * began on. Throws {@link CsvInvalidError} on malformed input.
 *
 * @example
 * parseCsv('a,b\n1,2\n', (fields, line) => console.log(line, fields))
 */
export function parseCsv(text: string, onRecord: (fields: string[], line: number) => void): void {
  const parser = createCsvParser(onRecord)
  parser.push(text)
  parser.end()
}
