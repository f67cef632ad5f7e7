import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createCsvParser, inferCsvSchema } from './csv-schema.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dv-csv-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function csvFile(name: string, text: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, text)
  return path
}

function parseAll(pieces: string[]): string[][] {
  const records: string[][] = []
  const parser = createCsvParser((fields) => records.push(fields))
  for (const piece of pieces) parser.push(piece)
  parser.end()
  return records
}

describe('inferCsvSchema', () => {
  test('default: number columns, category columns with their values in first-seen order, and the row count', async () => {
    const path = await csvFile('basic.csv', 'age,bmi,smoker,risk\n61,31.5,1,high\n40,22,0,low\n35,-1.5e1,1,high\n')
    const { schema, skipped, rows } = await inferCsvSchema(path)
    expect(rows).toBe(3)
    expect(skipped).toEqual([])
    expect(schema).toEqual({
      format: 'csv',
      rows: 3,
      columns: [
        { name: 'age', type: 'number' },
        { name: 'bmi', type: 'number' },
        { name: 'smoker', type: 'number' },
        { name: 'risk', type: 'category', values: ['high', 'low'] },
      ],
    })
  })

  test('args: --category makes a 0/1 column a category', async () => {
    const path = await csvFile('forced.csv', 'x,label\n1.5,1\n2.5,0\n')
    const { schema } = await inferCsvSchema(path, { categories: ['label'] })
    expect(schema.columns[1]).toEqual({ name: 'label', type: 'category', values: ['1', '0'] })
  })

  test('behavior: a cell the trainers would not read as a number makes the column a category', async () => {
    // " 1" (a space) and "0x10" and "Infinity" are not the trainers' plain decimals.
    const path = await csvFile('strict.csv', 'a,b,c,d\n 1,0x10,Infinity,1\n2,3,4,5\n')
    const { schema } = await inferCsvSchema(path)
    expect(schema.columns.map((column) => column.type)).toEqual(['category', 'category', 'category', 'number'])
  })

  test('behavior: columns no trainer could use are left out, with the reason', async () => {
    const ids = Array.from({ length: 1002 }, (_, i) => `id-${i}`)
    const text = `id,constant,gap,x\n${ids.map((id, i) => `${id},same,${i % 2 ? '' : 'v'},${i}`).join('\n')}\n`
    const { schema, skipped } = await inferCsvSchema(await csvFile('skipped.csv', text))
    expect(schema.columns).toEqual([{ name: 'x', type: 'number' }])
    expect(skipped).toEqual([
      { name: 'id', reason: 'it has more than 1000 distinct values' },
      { name: 'constant', reason: 'it has a single value' },
      { name: 'gap', reason: 'it has empty cells' },
    ])
  })

  test('error: forcing an unusable or absent column is a usage error', async () => {
    const path = await csvFile('force-bad.csv', 'x,y\n1,a\n2,a\n')
    await expect(inferCsvSchema(path, { categories: ['y'] })).rejects.toMatchObject({ name: 'CliUsageError', message: expect.stringMatching(/single value/) })
    await expect(inferCsvSchema(path, { categories: ['z'] })).rejects.toMatchObject({ name: 'CliUsageError', message: expect.stringMatching(/no such column/) })
  })

  test('error: ragged rows, repeated header names, no rows and a missing file', async () => {
    await expect(inferCsvSchema(await csvFile('ragged.csv', 'a,b\n1,2\n3\n'))).rejects.toMatchObject({ code: 'CSV_INVALID', message: expect.stringMatching(/line 3 has 1 fields/) })
    await expect(inferCsvSchema(await csvFile('dup.csv', 'a,a\n1,2\n'))).rejects.toMatchObject({ code: 'CSV_INVALID' })
    await expect(inferCsvSchema(await csvFile('empty.csv', 'a,b\n'))).rejects.toMatchObject({ code: 'CSV_INVALID', message: expect.stringMatching(/no rows/) })
    await expect(inferCsvSchema(join(dir, 'absent.csv'))).rejects.toMatchObject({ name: 'CliFileError', code: 'FILE_NOT_FOUND' })
  })
})

describe('createCsvParser', () => {
  const text = '\uFEFFname,note\r\n"Smith, J","said ""hi""\nand left"\r\nplain,\n'
  const expected = [
    ['name', 'note'],
    ['Smith, J', 'said "hi"\nand left'],
    ['plain', ''],
  ]

  test('default: RFC 4180 quoting, CRLF, a byte-order mark and an empty last field', () => {
    expect(parseAll([text])).toEqual(expected)
  })

  test('behavior: the same records whatever the pieces (split at every position, and char by char)', () => {
    for (let at = 0; at <= text.length; at++) expect(parseAll([text.slice(0, at), text.slice(at)])).toEqual(expected)
    expect(parseAll([...text])).toEqual(expected)
  })

  test('behavior: a last line without a line break is a record', () => {
    expect(parseAll(['a,b\n1,"2"'])).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ])
  })

  test('error: malformed quoting and bare carriage returns', () => {
    expect(() => parseAll(['a,b"c\n'])).toThrow(/quote inside an unquoted field on line 1/)
    expect(() => parseAll(['"a"b\n'])).toThrow(/text after a closing quote/)
    expect(() => parseAll(['"abc\n'])).toThrow(/unterminated/)
    expect(() => parseAll(['a\rb\n'])).toThrow(/bare carriage return/)
  })
})
