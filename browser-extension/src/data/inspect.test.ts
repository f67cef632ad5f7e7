import { describe, expect, test } from 'vitest'
import { createCsvParser } from '@datavault/sdk'
import { dataFormat, formatBytes, inspectData, keepColumnsStream, keptColumnsBytes } from './inspect.ts'

const heart = ['age,bmi,smoker,risk,note', '61,31.2,1,high,x', '34,22.8,0,low,x', '45,-1e1,1,"high",x', ''].join('\r\n')
const inspect = (text: string | Uint8Array, name: string, maxBytes = 1024 ** 2) => inspectData({ data: new Blob([text as BlobPart]), name, maxBytes })

describe('inspectData', () => {
  test('default: a CSV gets a column profile (nothing public yet) and is encrypted as it is', async () => {
    const progress: number[] = []
    const file = new Blob([heart], { type: 'text/csv' })
    const inspection = await inspectData({ data: file, name: 'heart.csv', maxBytes: 1024, onProgress: (bytes) => progress.push(bytes) })
    expect(inspection).toMatchObject({ kind: 'table', format: 'csv', rows: 3 })
    if (inspection.kind !== 'table') throw new Error('not a table')
    expect(inspection.profile.columns.map(({ name, kind, type, blanks }) => ({ name, kind, type, blanks }))).toEqual([
      { name: 'age', kind: 'number', type: 'number', blanks: 0 },
      { name: 'bmi', kind: 'number', type: 'number', blanks: 0 },
      { name: 'smoker', kind: 'label', type: 'category', blanks: 0 },
      { name: 'risk', kind: 'category', type: 'category', blanks: 0 },
      { name: 'note', kind: expect.any(String), type: expect.any(String), blanks: 0 },
    ])
    expect(inspection.profile.columns[0]).toMatchObject({ min: 34, max: 61, bounds: { min: expect.any(Number), max: expect.any(Number) } })
    expect(inspection.plaintext).toBe(file)
    expect(progress.at(-1)).toBe(file.size)
  })

  test('args: a JSON array of flat records becomes a CSV table (columns in first-seen order; null and missing are empty)', async () => {
    const records = [
      { age: 61, smoker: true, risk: 'high' },
      { age: 34, smoker: false, risk: 'low', city: null },
      { age: 40, smoker: false, risk: 'a, "quoted" value' },
    ]
    const inspection = await inspect(JSON.stringify(records), 'people.json')
    expect(inspection).toMatchObject({ kind: 'table', format: 'json', rows: 3 })
    if (inspection.kind !== 'table') throw new Error('not a table')
    expect(inspection.profile.columns.map(({ name, type, blanks }) => ({ name, type, blanks }))).toEqual([
      { name: 'age', type: 'number', blanks: 0 },
      { name: 'smoker', type: 'category', blanks: 0 },
      { name: 'risk', type: expect.any(String), blanks: 0 },
      { name: 'city', type: expect.any(String), blanks: 3 },
    ])
    expect(await inspection.plaintext.text()).toBe('age,smoker,risk,city\n61,true,high,\n34,false,low,\n40,false,"a, ""quoted"" value",\n')
  })

  test('behavior: keepColumnsStream cuts the excluded columns out of the CSV before encryption; keptColumnsBytes is its exact size', async () => {
    const kept = await new Response(new Blob([heart]).stream().pipeThrough(keepColumnsStream(['age', 'risk'], 'heart.csv'))).text()
    expect(kept).toBe('age,risk\n61,high\n34,low\n45,high\n')
    expect(await keptColumnsBytes(new Blob([heart]), ['age', 'risk'], 'heart.csv')).toBe(new TextEncoder().encode(kept).byteLength)
  })

  test('behavior: keepColumnsStream takes pieces split anywhere, inside a field or a UTF-8 character, and never holds the file (each piece out as it comes in)', async () => {
    const csv = new TextEncoder().encode('név,note,ár\n"Zoë, B",x,12\nÅsa,"y\ny",7\n')
    const pieces = Array.from({ length: csv.length }, (_, index) => csv.subarray(index, index + 1))
    const out: string[] = []
    const decoder = new TextDecoder()
    const seen: number[] = []
    let read = 0
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        const piece = pieces[read++]
        if (piece) controller.enqueue(piece)
        else controller.close()
      },
    })
    const reader = source.pipeThrough(keepColumnsStream(['név', 'ár'], 'people.csv')).getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      seen.push(read)
      out.push(decoder.decode(value, { stream: true }))
    }
    expect(out.join('')).toBe('név,ár\n"Zoë, B",12\nÅsa,7\n')
    // Output came while the input was still being read, not all at its end.
    expect(seen[0]).toBeLessThan(pieces.length / 2)
    expect(await keptColumnsBytes(new Blob([csv]), ['név', 'ár'], 'people.csv')).toBe(new TextEncoder().encode(out.join('')).byteLength)
  })

  test('error: keepColumnsStream fails as DataFileError: a column not in the file, a ragged record, text that is not UTF-8', async () => {
    const cut = (data: BlobPart, keep: string[]) => new Response(new Blob([data]).stream().pipeThrough(keepColumnsStream(keep, 'heart.csv'))).text()
    await expect(cut(heart, ['age', 'weight'])).rejects.toMatchObject({ name: 'DataFileError', code: 'TABLE_UNUSABLE' })
    await expect(cut('a,b\n1,2,3\n', ['a'])).rejects.toMatchObject({ name: 'DataFileError', code: 'CSV_INVALID' })
    await expect(cut(new Uint8Array([0x61, 0x0a, 0xff, 0x0a]), ['a'])).rejects.toMatchObject({ name: 'DataFileError', code: 'CSV_INVALID', shortMessage: 'heart.csv is not UTF-8 text.' })
    await expect(keptColumnsBytes(new Blob([heart]), [], 'heart.csv')).rejects.toMatchObject({ name: 'DataFileError', code: 'TABLE_UNUSABLE' })
  })

  test('args: JSON Lines (blank lines ignored) become the same table', async () => {
    const inspection = await inspect('{"a":1,"b":"x"}\n\n{"a":2,"b":"y"}\n', 'rows.jsonl')
    expect(inspection).toMatchObject({ kind: 'table', format: 'jsonl', rows: 2 })
    expect(await inspection.plaintext.text()).toBe('a,b\n1,x\n2,y\n')
  })

  test('args: any other file is an opaque blob, kept whole', async () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2])
    const inspection = await inspectData({ data: new Blob([bytes], { type: 'image/png' }), name: 'scan.png', maxBytes: 100 })
    expect(inspection).toMatchObject({ kind: 'file', format: 'file', mediaType: 'image/png' })
    expect(new Uint8Array(await inspection.plaintext.arrayBuffer())).toEqual(bytes)
  })

  test('behavior: the format comes from the extension, else the media type', () => {
    expect([dataFormat('a.CSV'), dataFormat('a.ndjson'), dataFormat('a.jsonl'), dataFormat('a.json'), dataFormat('a.txt'), dataFormat('blob', 'text/csv')]).toEqual(['csv', 'jsonl', 'jsonl', 'json', 'file', 'csv'])
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '5 GiB'])
  })

  test('behavior: the CSV parser takes pieces split anywhere, quoted line breaks, and a byte-order mark', () => {
    const text = '\ufeffa,b\r\n"x\r\ny",2\n"q""q",3\n'
    const whole: string[][] = []
    const parser = createCsvParser((fields) => whole.push(fields))
    parser.push(text)
    parser.end()
    const pieces: string[][] = []
    const split = createCsvParser((fields) => pieces.push(fields))
    for (const c of text) split.push(c)
    split.end()
    expect(whole).toEqual([['a', 'b'], ['x\r\ny', '2'], ['q"q', '3']])
    expect(pieces).toEqual(whole)
  })

  test('error: a file over the limit is FILE_TOO_LARGE, with both sizes in the message; an empty one is FILE_EMPTY', async () => {
    await expect(inspect('x'.repeat(3000), 'big.csv', 2048)).rejects.toMatchObject({ name: 'DataFileError', code: 'FILE_TOO_LARGE', shortMessage: 'big.csv is too big: 2.9 KiB, and the most this vault takes is 2 KiB.' })
    await expect(inspect('', 'empty.csv')).rejects.toMatchObject({ code: 'FILE_EMPTY' })
  })

  test('error: CSVs that cannot be parsed are CSV_INVALID and say where', async () => {
    await expect(inspect('a,b\n1,2,3\n', 'x.csv')).rejects.toMatchObject({ code: 'CSV_INVALID', shortMessage: 'This is not a CSV file the extension can read: a record with 3 fields (the header has 2) on line 2.' })
    await expect(inspect('a,b\n"1,2\n', 'x.csv')).rejects.toMatchObject({ code: 'CSV_INVALID', shortMessage: expect.stringContaining('unterminated') })
    await expect(inspect('a,b\n1"x,2\n', 'x.csv')).rejects.toMatchObject({ code: 'CSV_INVALID', shortMessage: expect.stringContaining('line 2') })
    await expect(inspect(new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x2c, 0x31]), 'x.csv')).rejects.toMatchObject({ code: 'CSV_INVALID', shortMessage: 'x.csv is not UTF-8 text.' })
  })

  test('error: JSON that does not parse is JSON_INVALID; JSON that is not a flat table is TABLE_UNUSABLE', async () => {
    await expect(inspect('[{"a":1},', 'x.json')).rejects.toMatchObject({ code: 'JSON_INVALID' })
    await expect(inspect('{"a":1}\nnope\n', 'x.jsonl')).rejects.toMatchObject({ code: 'JSON_INVALID', shortMessage: expect.stringContaining('line 2') })
    await expect(inspect('{"a":[1,2]}', 'x.json')).rejects.toMatchObject({ code: 'TABLE_UNUSABLE' })
    await expect(inspect('[{"a":{"b":1}},{"a":{"b":2}}]', 'x.json')).rejects.toMatchObject({ code: 'TABLE_UNUSABLE', shortMessage: expect.stringContaining('holds an object') })
    await expect(inspect('[1,2]', 'x.json')).rejects.toMatchObject({ code: 'TABLE_UNUSABLE' })
    await expect(inspect('a,a\n1,2\n', 'x.csv')).rejects.toMatchObject({ code: 'TABLE_UNUSABLE', shortMessage: expect.stringContaining('repeats a column name') })
  })
})
