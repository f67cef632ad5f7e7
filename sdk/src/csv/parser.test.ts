import { describe, expect, test } from 'vitest'
import { createCsvParser, createCsvTokenizer, parseCsv } from './parser.ts'

function parseAll(pieces: readonly string[]): [string[], number][] {
  const records: [string[], number][] = []
  const parser = createCsvParser((fields, line) => records.push([fields, line]))
  for (const piece of pieces) parser.push(piece)
  parser.end()
  return records
}

function failure(pieces: readonly string[]): { name: string; code: string; reason: string; line: number | undefined; message: string } {
  try {
    parseAll(pieces)
  } catch (error) {
    return error as never
  }
  throw new Error('did not throw')
}

// Every way of cutting `text` in two, and one character at a time.
function everySplit(text: string): string[][] {
  const splits: string[][] = [[...text]]
  for (let at = 0; at <= text.length; at++) splits.push([text.slice(0, at), text.slice(at)])
  return splits
}

// A record-at-a-time reference: RFC 4180 by the letter, one character at a time.
function reference(text: string): string[][] {
  const records: string[][] = []
  let fields: string[] = []
  let field = ''
  let quoted = false
  let sawQuote = false
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const endRecord = () => {
    fields.push(field)
    if (!(fields.length === 1 && fields[0] === '' && !sawQuote)) records.push(fields)
    fields = []
    field = ''
    sawQuote = false
  }
  for (; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') {
      quoted = true
      sawQuote = true
    }
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else if (c === '\r') {
      // a CR always precedes an LF in the generated texts
    } else if (c === '\n') endRecord()
    else field += c
  }
  if (field !== '' || fields.length > 0) endRecord()
  return records
}

// Seeded so a failure can be replayed.
function random(seed: number) {
  let state = seed >>> 0
  return (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state % n
  }
}

describe('createCsvParser', () => {
  const text = '\uFEFFname,note\r\n"Smith, J","said ""hi""\nand left"\r\nplain,\n'
  const expected: [string[], number][] = [
    [['name', 'note'], 1],
    [['Smith, J', 'said "hi"\nand left'], 2],
    [['plain', ''], 4],
  ]

  test('default: RFC 4180 quoting, CRLF, a byte-order mark, an empty last field, and the line each record began on', () => {
    expect(parseAll([text])).toEqual(expected)
  })

  test('behavior: the same records whatever the pieces (split at every position, and char by char)', () => {
    for (const pieces of everySplit(text)) expect(parseAll(pieces)).toEqual(expected)
  })

  test('behavior: quotes, doubled quotes and CRLF split across pieces', () => {
    const tricky = 'a,b\r\n"x""\r\n""y","z"\r\n"",""""\r\n'
    const want = parseAll([tricky])
    expect(want.map(([fields]) => fields)).toEqual([['a', 'b'], ['x"\r\n"y', 'z'], ['', '"']])
    for (const pieces of everySplit(tricky)) expect(parseAll(pieces)).toEqual(want)
  })

  test('behavior: a last line without a line break is a record; a trailing comma is an empty field', () => {
    expect(parseAll(['a,b\n1,"2"'])).toEqual([[['a', 'b'], 1], [['1', '2'], 2]])
    expect(parseAll(['a,b\n1,'])).toEqual([[['a', 'b'], 1], [['1', ''], 2]])
    expect(parseAll(['a,b\n1', ','])).toEqual([[['a', 'b'], 1], [['1', ''], 2]])
  })

  test('behavior: blank lines (LF or CRLF) are skipped but counted; a quoted empty field is a record', () => {
    expect(parseAll(['\n\na\r\n\r\n1\n\n'])).toEqual([[['a'], 3], [['1'], 5]])
    expect(parseAll(['a\n""\n'])).toEqual([[['a'], 1], [[''], 2]])
    expect(parseAll(['a\r', '\n\r', '\n1'])).toEqual([[['a'], 1], [['1'], 3]])
  })

  test('behavior: empty text, a lone byte-order mark and an empty first piece give no records', () => {
    expect(parseAll([''])).toEqual([])
    expect(parseAll(['\uFEFF'])).toEqual([])
    expect(parseAll(['', '\uFEFFa\n1'])).toEqual([[['a'], 1], [['1'], 2]])
    // Only the first character of the text is a byte-order mark.
    expect(parseAll(['a\n\uFEFF1'])).toEqual([[['a'], 1], [['\uFEFF1'], 2]])
  })

  test('behavior: random CSVs read the same as a by-the-letter reference, whatever the pieces', () => {
    const next = random(16)
    const quoting = ['a', '1', '.', '-', ' ', ',', '"', '\n', '\r\n', 'é', '😀']
    const plain = ['a', '1', '.', '-', ' ', 'é', '😀']
    for (let round = 0; round < 600; round++) {
      // Half the texts have no quote at all (the line-at-a-time path), and longer pieces.
      const alphabet = round % 2 ? plain : quoting
      const rows = 1 + next(round % 2 ? 40 : 6)
      const width = 1 + next(4)
      let text = ''
      for (let r = 0; r < rows; r++) {
        const cells: string[] = []
        for (let c = 0; c < width; c++) {
          let cell = ''
          for (let k = next(6); k > 0; k--) cell += alphabet[next(alphabet.length)]
          cells.push(/[",\r\n]/.test(cell) || (cell === '' && width === 1) ? `"${cell.replaceAll('"', '""')}"` : cell)
        }
        text += cells.join(',') + (next(2) ? '\r\n' : '\n')
      }
      const want = reference(text)
      const pieces: string[] = []
      for (let at = 0; at < text.length; ) {
        const size = 1 + next(round % 4 < 2 ? 8 : 64)
        pieces.push(text.slice(at, at + size))
        at += size
      }
      expect(parseAll([text]).map(([fields]) => fields)).toEqual(want)
      expect(parseAll(pieces).map(([fields]) => fields)).toEqual(want)
    }
  })

  test('error: malformed quoting, bare carriage returns and NUL characters name the line, never the contents', () => {
    expect(failure(['a,b"c\n'])).toMatchObject({ name: 'CsvInvalidError', code: 'CSV_INVALID', reason: 'a quote inside an unquoted field', line: 1 })
    expect(failure(['a\n"b"c\n'])).toMatchObject({ reason: 'text after a closing quote', line: 2 })
    expect(failure(['a\n"abc\n'])).toMatchObject({ reason: 'an unterminated quoted field', line: 3 })
    expect(failure(['a\rb\n'])).toMatchObject({ reason: 'a bare carriage return', line: 1 })
    expect(failure(['a\r'])).toMatchObject({ reason: 'a bare carriage return' })
    expect(failure(['a\n1\u00002\n'])).toMatchObject({ reason: 'a NUL character (is it a binary file?)', line: 2 })
    expect(failure(['a\nSEC', 'RET"VALUE\n'])).toMatchObject({ message: 'The CSV is malformed: a quote inside an unquoted field on line 2.' })
  })
})

describe('createCsvTokenizer', () => {
  test('default: cells arrive as offsets into the piece, quoted ones already unquoted', () => {
    const seen: string[] = []
    const reader = createCsvTokenizer({ cell: (text, start, end) => seen.push(text.slice(start, end)), record: (line) => seen.push(`/${line}`) })
    reader.push('ab,"c""d"\r\n1,')
    reader.push('2')
    reader.end()
    expect(seen).toEqual(['ab', 'c"d', '/1', '1', '2', '/2'])
  })
})

describe('parseCsv', () => {
  test('default: a whole text, records with their lines', () => {
    const records: [string[], number][] = []
    parseCsv('"a,1","say ""hi""",\n"line\nbreak",,""\nx,y,z', (fields, line) => records.push([fields, line]))
    expect(records).toEqual([
      [['a,1', 'say "hi"', ''], 1],
      [['line\nbreak', '', ''], 2],
      [['x', 'y', 'z'], 4],
    ])
  })
})
