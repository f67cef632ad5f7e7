import { describe, expect, test } from 'vitest'
import { parseCsv } from './csv.ts'

function parse(text: string) {
  const records: [string[], number][] = []
  parseCsv(text, (fields, line) => records.push([fields, line]))
  return records
}

function failure(text: string) {
  try {
    parse(text)
  } catch (error) {
    return (error as { reason: string }).reason
  }
  throw new Error('did not throw')
}

describe('parseCsv', () => {
  test('default: header and rows, LF or CRLF, optional final line break', () => {
    expect(parse('a,b\n1,2\n3,4\n')).toEqual([[['a', 'b'], 1], [['1', '2'], 2], [['3', '4'], 3]])
    expect(parse('a,b\r\n1,2\r\n3,4')).toEqual([[['a', 'b'], 1], [['1', '2'], 2], [['3', '4'], 3]])
  })

  test('behavior: RFC 4180 quoting (commas, doubled quotes, line breaks in quotes, empty fields)', () => {
    expect(parse('"a,1","say ""hi""",\n"line\nbreak",,""\nx,y,z')).toEqual([
      [['a,1', 'say "hi"', ''], 1],
      [['line\nbreak', '', ''], 2],
      [['x', 'y', 'z'], 4],
    ])
  })

  test('behavior: a byte-order mark is skipped; empty text has no records', () => {
    expect(parse('\uFEFFa\n1')).toEqual([[['a'], 1], [['1'], 2]])
    expect(parse('')).toEqual([])
  })

  test('error: unterminated quote, quote in an unquoted field, text after a quote, bare CR', () => {
    expect(failure('a\n"open')).toBe('bad-csv')
    expect(failure('a\nb"c')).toBe('bad-csv')
    expect(failure('a\n"b"c')).toBe('bad-csv')
    expect(failure('a\rb')).toBe('bad-csv')
  })

  test('error: messages carry line numbers, not contents', () => {
    try {
      parse('h\nSECRET"VALUE')
    } catch (error) {
      expect((error as Error).message).toContain('line 2')
      expect((error as Error).message).not.toContain('SECRET')
    }
  })
})
