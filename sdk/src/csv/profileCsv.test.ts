import { describe, expect, test } from 'vitest'
import { createCsvProfiler, createTableProfiler, profileCsv } from './profileCsv.ts'

const blob = (text: string | Uint8Array) => new Blob([text as BlobPart])

// A seeded generator, so a failing random case can be replayed.
function randomFrom(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

describe('profileCsv', () => {
  test('default: each kind, blanks, distinct values, extremes and proposed bounds', async () => {
    const csv = [
      'age,bmi,smoker,risk,seen,notes,answer',
      '61,NA,1,high,2026-01-02,"Called Dr. X about the results, again",yes',
      '40,22.5,0,low,2026-02-03,note two,no',
      '35,,1,high,06/12/2026,note three,',
      '77,31,0,low,2026-03-04,note four,yes',
    ].join('\n')
    const { rows, columns } = await profileCsv(blob(csv))
    expect(rows).toBe(4)
    const byName = Object.fromEntries(columns.map((column) => [column.name, column]))
    expect(byName.age).toEqual({ name: 'age', kind: 'number', type: 'number', cells: 4, blanks: 0, distinct: 4, distinctOver: false, values: ['35', '40', '61', '77'], min: 35, max: 77, integer: true, bounds: { min: 20, max: 80 }, longest: 2 })
    expect(byName.bmi).toMatchObject({ kind: 'number', type: 'number', cells: 2, blanks: 2, min: 22.5, max: 31, integer: false, bounds: { min: 22, max: 32 } })
    expect(byName.smoker).toMatchObject({ kind: 'label', type: 'category', values: ['0', '1'], blanks: 0 })
    expect(byName.risk).toMatchObject({ kind: 'category', type: 'category', values: ['high', 'low'], min: undefined, bounds: undefined })
    expect(byName.seen).toMatchObject({ kind: 'date', type: 'date', distinct: 4 })
    expect(byName.notes).toMatchObject({ kind: 'text', type: 'text' })
    expect(byName.answer).toMatchObject({ kind: 'label', type: 'category', values: ['no', 'yes'], blanks: 1 })
  })

  test('behavior: the issue\'s case: a number column with one NA stays a number column with one blank', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => (i === 250 ? 'NA' : (100 + i * 0.37).toFixed(2)))
    const { columns } = await profileCsv(blob(`glucose\n${lines.join('\n')}\n`))
    expect(columns[0]).toMatchObject({ kind: 'number', type: 'number', blanks: 1, cells: 499, min: 100 })
  })

  test('behavior: free text is never a category: long values, mostly unique values, over 1000 values', async () => {
    const long = 'x'.repeat(65)
    const rows = Array.from({ length: 1200 }, (_, i) => `${i % 2 ? long : 'short'},name-${i % 700},id-${i},${['a', 'b', 'c'][i % 3]}`)
    const { columns } = await profileCsv(blob(`long,names,ids,cat\n${rows.join('\n')}\n`))
    expect(columns.map((column) => [column.name, column.kind, column.distinctOver])).toEqual([
      ['long', 'text', false],
      ['names', 'text', false],
      ['ids', 'text', true],
      ['cat', 'category', false],
    ])
    expect(columns[2]!.values).toBeUndefined()
    expect(columns[2]!.distinct).toBe(1001)
    // Values a category could hold are still listed (the owner may choose text or category).
    expect(columns[1]!.values).toHaveLength(700)
  })

  test('behavior: small integers are labels, other integers and decimals are numbers; numbers sort numerically', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${(i % 5) + 1},${i},${i % 2 ? 10 : -2},${i % 3}.5`)
    const { columns } = await profileCsv(blob(`rating,count,pm,half\n${rows.join('\n')}\n`))
    expect(columns.map((column) => column.kind)).toEqual(['label', 'number', 'label', 'number'])
    expect(columns[2]!.values).toEqual(['-2', '10'])
  })

  test('behavior: distinct values are texts: a number written two ways is two values; quoted or not, the same text is one', async () => {
    const csv = ['score,id', '1,a', '1.0,b', '"1",c', '01,d', '1,e', '"1.0",f', '-1,g', '+1,h', '1.,i'].join('\n')
    const { columns } = await profileCsv(blob(csv))
    expect(columns[0]).toMatchObject({ kind: 'label', cells: 9, distinct: 6, values: ['-1', '+1', '01', '1', '1.', '1.0'], min: -1, max: 1, integer: true })
  })

  test('behavior: an all-blank column is text; a one-value column keeps no values', async () => {
    const { columns } = await profileCsv(blob('a,b,c\n,same,1\nNA,same,2\n'))
    expect(columns[0]).toMatchObject({ kind: 'text', cells: 0, blanks: 2, values: undefined, min: undefined })
    expect(columns[1]).toMatchObject({ kind: 'category', distinct: 1, values: undefined })
  })

  test('behavior: the same profile whatever the pieces, for random tables (quotes, CRLF, multi-byte characters, blanks)', async () => {
    const random = randomFrom(17)
    const words = ['Zürich, CH', 'São "Paulo"', 'a\nb', 'NA', '', 'x', 'ü', '?', '2026-01-02']
    for (let round = 0; round < 20; round++) {
      const width = 1 + Math.floor(random() * 5)
      const header = Array.from({ length: width }, (_, j) => `c${j}`)
      const lines = [header.join(',')]
      for (let i = 0; i < 30; i++) {
        const cells = header.map((_, j) => {
          const r = random()
          if (j % 2 === 0) return r < 0.1 ? 'NA' : (r * 100 - 20).toFixed(j)
          const word = words[Math.floor(r * words.length)]!
          return /[",\n]/.test(word) ? `"${word.replaceAll('"', '""')}"` : word
        })
        lines.push(cells.join(','))
      }
      const text = `${lines.join(random() < 0.5 ? '\n' : '\r\n')}\n`
      const want = await profileCsv(blob(text))
      expect(want.rows).toBe(30)
      const bytes = new TextEncoder().encode(text)
      for (let k = 0; k < 5; k++) {
        const at = Math.floor(random() * bytes.length)
        const pieces = (async function* () {
          yield bytes.subarray(0, at)
          yield bytes.subarray(at)
        })()
        expect(await profileCsv(pieces)).toEqual(want)
      }
    }
  })

  test('args: progress in bytes after each piece', async () => {
    const progress: number[] = []
    await profileCsv((async function* () { yield 'a,b\n1,'; yield '2\n' })(), { onProgress: (bytes) => progress.push(bytes) })
    expect(progress).toEqual([6, 8])
  })

  test('error: malformed, ragged, empty, repeated names, no rows', async () => {
    await expect(profileCsv(blob('a,b\n1,2\n3\n'))).rejects.toMatchObject({ name: 'CsvInvalidError', code: 'CSV_INVALID', line: 3 })
    await expect(profileCsv(blob('a,"b\n'))).rejects.toMatchObject({ code: 'CSV_INVALID' })
    await expect(profileCsv(blob('\n'))).rejects.toMatchObject({ name: 'CsvSchemaError', code: 'CSV_EMPTY' })
    await expect(profileCsv(blob('a,a\n1,2\n'))).rejects.toMatchObject({ code: 'TABLE_UNUSABLE' })
    await expect(profileCsv(blob('a,b\n'))).rejects.toMatchObject({ code: 'TABLE_UNUSABLE', message: expect.stringMatching(/no rows/) })
  })
})

describe('createCsvProfiler', () => {
  test('default: text pushed in pieces', () => {
    const profiler = createCsvProfiler()
    profiler.push('a,b\n1,x')
    profiler.push('\n2,x\n')
    expect(profiler.end()).toMatchObject({ rows: 2, columns: [{ name: 'a', kind: 'label' }, { name: 'b', kind: 'category', distinct: 1 }] })
  })
})

describe('createTableProfiler', () => {
  test('default: records added one by one, a missing cell counted as blank', () => {
    const profiler = createTableProfiler(['a', 'b'])
    profiler.add(['1.5', 'yes'])
    profiler.add(['2.5'])
    expect(profiler.finish()).toMatchObject({ rows: 2, columns: [{ name: 'a', kind: 'number', blanks: 0 }, { name: 'b', blanks: 1, cells: 1 }] })
  })

  test('error: no columns', () => {
    expect(() => createTableProfiler([])).toThrow(expect.objectContaining({ code: 'TABLE_UNUSABLE' }))
  })
})
