import { describe, expect, test } from 'vitest'
import { createCsvColumnDropper, dropCsvColumns } from './dropCsvColumns.ts'
import { parseCsv } from './parser.ts'

const blob = (text: string | Uint8Array) => new Blob([text as BlobPart])
const recordsOf = (text: string) => {
  const records: string[][] = []
  parseCsv(text, (fields) => records.push(fields))
  return records
}

function randomFrom(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

describe('dropCsvColumns', () => {
  test('default: only the kept columns come out, quoted where needed, in the file\'s order', async () => {
    const text = 'age,notes,risk\r\n61,"Called Dr. X, twice",high\r\n\r\n40,"a ""quoted""\nnote",low\r\n'
    const out = await new Response(dropCsvColumns(blob(text), { keep: ['risk', 'age'] })).text()
    expect(out).toBe('age,risk\n61,high\n40,low\n')
    expect(out).not.toMatch(/Dr|note/)
  })

  test('behavior: random tables keep exactly the kept columns\' cells, whatever the pieces', async () => {
    const random = randomFrom(11)
    const words = ['Zürich, CH', 'São "Paulo"', 'line\nbreak', ' padded ', 'NA', '', 'x', '1.5', 'ü']
    for (let round = 0; round < 30; round++) {
      const width = 1 + Math.floor(random() * 6)
      const header = Array.from({ length: width }, (_, j) => `c${j}`)
      const rows = Array.from({ length: 1 + Math.floor(random() * 20) }, () => header.map(() => words[Math.floor(random() * words.length)]!))
      if (width === 1) for (const row of rows) if (row[0] === '') row[0] = 'x' // a lone empty field is a blank line
      const quote = (cell: string) => (/[",\n\r]|^\s|\s$/.test(cell) || random() < 0.2 ? `"${cell.replaceAll('"', '""')}"` : cell)
      const text = [header, ...rows].map((row) => row.map(quote).join(',')).join(random() < 0.5 ? '\n' : '\r\n') + (random() < 0.5 ? '\n' : '')
      const keep = header.filter(() => random() < 0.6)
      if (keep.length === 0) keep.push(header[0]!)
      const indices = keep.map((name) => header.indexOf(name))
      const want = [keep, ...rows.map((row) => indices.map((j) => row[j]!))]
      const bytes = new TextEncoder().encode(text)
      const at = Math.floor(random() * bytes.length)
      const pieces = (async function* () {
        yield bytes.subarray(0, at)
        yield bytes.subarray(at)
      })()
      const out = await new Response(dropCsvColumns(pieces, { keep })).text()
      // A kept row whose every kept cell is empty (one column) reads back as a blank line: skipped.
      expect(recordsOf(out)).toEqual(keep.length === 1 ? want.filter((row) => row[0] !== '') : want)
    }
  })

  test('args: progress in bytes of the source', async () => {
    const progress: number[] = []
    await new Response(dropCsvColumns((async function* () { yield 'a,b\n1,'; yield '2\n' })(), { keep: ['b'], onProgress: (bytes) => progress.push(bytes) })).text()
    expect(progress).toEqual([6, 8])
  })

  test('error: a kept column not in the header, an empty CSV, a ragged record', async () => {
    await expect(new Response(dropCsvColumns(blob('a,b\n1,2\n'), { keep: ['a', 'z'] })).text()).rejects.toMatchObject({ name: 'CsvSchemaError', code: 'CSV_COLUMN_UNKNOWN', columns: ['z'] })
    await expect(new Response(dropCsvColumns(blob(''), { keep: ['a'] })).text()).rejects.toMatchObject({ code: 'CSV_EMPTY' })
    await expect(new Response(dropCsvColumns(blob('a,b\n1,2\n3\n'), { keep: ['a'] })).text()).rejects.toMatchObject({ name: 'CsvInvalidError', line: 3 })
    expect(() => dropCsvColumns(blob('a\n1\n'), { keep: [] })).toThrow(expect.objectContaining({ code: 'TABLE_UNUSABLE' }))
  })
})

describe('createCsvColumnDropper', () => {
  test('default: text in pieces, the rewrite of each piece returned as it is complete', () => {
    const dropper = createCsvColumnDropper({ keep: ['b'] })
    expect(dropper.push('a,b\n1,')).toBe('b\n')
    expect(dropper.push('"x,')).toBe('')
    expect(dropper.push('y"\n2,z')).toBe('"x,y"\n')
    expect(dropper.end()).toBe('z\n')
  })
})
