import { describe, expect, test } from 'vitest'
import { createCsvSchemaInference, createTableSchemaInference, inferCsvSchema } from './inferCsvSchema.ts'

const blob = (text: string | Uint8Array) => new Blob([text as BlobPart])

describe('inferCsvSchema', () => {
  test('default: number columns, category columns with their values in first-seen order, and the row count', async () => {
    const { schema, skipped, rows } = await inferCsvSchema(blob('age,bmi,smoker,risk\n61,31.5,1,high\n40,22,0,low\n35,-1.5e1,1,high\n'))
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

  test('args: categories makes a 0/1 column a category', async () => {
    const { schema } = await inferCsvSchema(blob('x,label\n1.5,1\n2.5,0\n'), { categories: ['label'] })
    expect(schema.columns[1]).toEqual({ name: 'label', type: 'category', values: ['1', '0'] })
  })

  test('args: a byte stream, pieces of bytes or of text, with progress in bytes', async () => {
    const text = 'a,b\n1,x\n2,y\n'
    const bytes = new TextEncoder().encode(text)
    const want = await inferCsvSchema(blob(text))
    expect(await inferCsvSchema(new Blob([bytes]).stream())).toEqual(want)
    const progress: number[] = []
    expect(await inferCsvSchema((async function* () { yield bytes.subarray(0, 5); yield bytes.subarray(5) })(), { onProgress: (done) => progress.push(done) })).toEqual(want)
    expect(progress).toEqual([5, bytes.length])
    expect(await inferCsvSchema((async function* () { yield text })())).toEqual(want)
  })

  test('behavior: a cell the trainers would not read as a number makes the column a category', async () => {
    // " 1" (a space) and "0x10" and "Infinity" are not the trainers' plain decimals.
    const { schema } = await inferCsvSchema(blob('a,b,c,d\n 1,0x10,Infinity,1\n2,3,4,5\n'))
    expect(schema.columns.map((column) => column.type)).toEqual(['category', 'category', 'category', 'number'])
  })

  test('behavior: columns no trainer could use are left out, with the reason', async () => {
    const ids = Array.from({ length: 1002 }, (_, i) => `id-${i}`)
    const long = 'l'.repeat(129)
    const text = `id,constant,gap,x,long\n${ids.map((id, i) => `${id},same,${i % 2 ? '' : 'v'},${i},${i % 2 ? long : 's'}`).join('\n')}\n`
    const { schema, skipped } = await inferCsvSchema(blob(text))
    expect(schema.columns).toEqual([{ name: 'x', type: 'number' }])
    expect(skipped).toEqual([
      { name: 'id', reason: 'it has more than 1000 distinct values' },
      { name: 'constant', reason: 'it has a single value' },
      { name: 'gap', reason: 'it has empty cells' },
      { name: 'long', reason: 'it has values over 128 characters' },
    ])
  })

  test('behavior: a number column with over 1000 values that turns out to hold text is left out for its many values', async () => {
    // The distinct values of a number column are dropped past the category limit (memory stays bounded).
    const text = `n,y\n${Array.from({ length: 1500 }, (_, i) => `${i},${i % 2}`).join('\n')}\nx,1\n`
    const { skipped } = await inferCsvSchema(blob(text))
    expect(skipped).toEqual([{ name: 'n', reason: 'it has more than 1000 distinct values' }])
  })

  test('behavior: the same schema whatever the pieces: quotes, CRLF and multi-byte characters split across reads', async () => {
    const text = '\uFEFFcity,n\r\n"Zürich, CH",1\r\n"São ""Paulo""",2\r\nZürich,3\r\n\r\n"Zürich, CH",4\r\n'
    const bytes = new TextEncoder().encode(text)
    const want = await inferCsvSchema(blob(text))
    expect(want).toMatchObject({ rows: 4, schema: { columns: [{ name: 'city', type: 'category', values: ['Zürich, CH', 'São "Paulo"', 'Zürich'] }, { name: 'n', type: 'number' }] } })
    for (let at = 0; at <= bytes.length; at++) {
      const pieces = (async function* () {
        yield bytes.subarray(0, at)
        yield bytes.subarray(at)
      })()
      expect(await inferCsvSchema(pieces)).toEqual(want)
    }
  })

  test('error: forcing an unusable or absent column is CSV_CATEGORY_INVALID', async () => {
    const csv = 'x,y\n1,a\n2,a\n'
    await expect(inferCsvSchema(blob(csv), { categories: ['y'] })).rejects.toMatchObject({ name: 'CsvSchemaError', code: 'CSV_CATEGORY_INVALID', message: expect.stringMatching(/single value/) })
    await expect(inferCsvSchema(blob(csv), { categories: ['z'] })).rejects.toMatchObject({ name: 'CsvSchemaError', code: 'CSV_CATEGORY_INVALID', message: expect.stringMatching(/no column "z"/) })
  })

  test('error: ragged rows and bytes that are not UTF-8 are CSV_INVALID', async () => {
    await expect(inferCsvSchema(blob('a,b\n1,2\n3\n'))).rejects.toMatchObject({ name: 'CsvInvalidError', code: 'CSV_INVALID', line: 3, message: 'The CSV is malformed: a record with 1 fields (the header has 2) on line 3.' })
    await expect(inferCsvSchema(blob('a,b\n1,2,3\n'))).rejects.toMatchObject({ code: 'CSV_INVALID', line: 2 })
    await expect(inferCsvSchema(blob(new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x2c, 0x31])))).rejects.toMatchObject({ code: 'CSV_INVALID', reason: 'bytes that are not UTF-8 text' })
  })

  test('error: repeated or empty header names, no rows, no usable column, nothing at all', async () => {
    await expect(inferCsvSchema(blob('a,a\n1,2\n'))).rejects.toMatchObject({ name: 'CsvSchemaError', code: 'TABLE_UNUSABLE', message: expect.stringMatching(/repeats/) })
    await expect(inferCsvSchema(blob('a, \n1,2\n'))).rejects.toMatchObject({ code: 'TABLE_UNUSABLE', message: expect.stringMatching(/empty or over-long/) })
    await expect(inferCsvSchema(blob('a,b\n'))).rejects.toMatchObject({ code: 'TABLE_UNUSABLE', message: expect.stringMatching(/no rows/) })
    await expect(inferCsvSchema(blob('name\nsame\nsame\n'))).rejects.toMatchObject({ code: 'TABLE_UNUSABLE', message: 'No column can be trained on: name (it has a single value).' })
    await expect(inferCsvSchema(blob('\n\n'))).rejects.toMatchObject({ code: 'CSV_EMPTY' })
  })
})

describe('createCsvSchemaInference', () => {
  test('default: text pushed in pieces', () => {
    const inference = createCsvSchemaInference()
    inference.push('a,b\n1,x')
    inference.push('\n2,y\n')
    expect(inference.end()).toMatchObject({ rows: 2, schema: { columns: [{ name: 'a', type: 'number' }, { name: 'b', type: 'category', values: ['x', 'y'] }] } })
  })
})

describe('createTableSchemaInference', () => {
  test('default: records added one by one, a missing cell counted as empty', () => {
    const inference = createTableSchemaInference(['a', 'b', 'c'])
    inference.add(['1', 'x', 'p'])
    inference.add(['2', 'y'])
    expect(inference.finish()).toEqual({
      rows: 2,
      skipped: [{ name: 'c', reason: 'it has empty cells' }],
      schema: { format: 'csv', rows: 2, columns: [{ name: 'a', type: 'number' }, { name: 'b', type: 'category', values: ['x', 'y'] }] },
    })
  })

  test('error: no columns', () => {
    expect(() => createTableSchemaInference([])).toThrow(expect.objectContaining({ code: 'TABLE_UNUSABLE' }))
  })
})
