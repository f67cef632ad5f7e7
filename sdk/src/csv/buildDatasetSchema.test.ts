import { describe, expect, test } from 'vitest'
import { datasetSchemaSchema } from '../api/schemas.ts'
import { buildDatasetSchema } from './buildDatasetSchema.ts'
import { profileCsv } from './profileCsv.ts'

const profileOf = (text: string) => profileCsv(new Blob([text]))

const csv = [
  'age,bmi,smoker,risk,seen,notes',
  '61,NA,1,high,2026-01-02,"Called Dr. X about the results, again"',
  '40,22.5,0,low,2026-02-03,note two',
  '35,,1,high,2026-05-06,note three',
  '77,31,0,low,2026-03-04,note four',
].join('\n')

function randomFrom(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

describe('buildDatasetSchema', () => {
  test('default: with no category column, the proposal publishes names, types and the row count, and no value or bound', async () => {
    const profile = await profileOf('age,bmi,seen,notes\n61,NA,2026-01-02,one note\n40,22.5,2026-02-03,another\n35,,2026-05-06,a third\n')
    expect(buildDatasetSchema(profile)).toEqual({
      schema: {
        format: 'csv',
        rows: 3,
        columns: [
          { name: 'age', type: 'number' },
          { name: 'bmi', type: 'number' },
          { name: 'seen', type: 'date' },
          { name: 'notes', type: 'text' },
        ],
      },
      keep: ['age', 'bmi', 'seen', 'notes'],
      excluded: [],
    })
  })

  test('error: category columns whose values were not chosen to be published are CSV_VALUES_UNCONFIRMED, naming each', async () => {
    const profile = await profileOf(csv)
    expect(() => buildDatasetSchema(profile)).toThrow(
      expect.objectContaining({ name: 'CsvSchemaError', code: 'CSV_VALUES_UNCONFIRMED', columns: ['smoker', 'risk'], message: expect.not.stringMatching(/high|low/) }),
    )
    expect(() => buildDatasetSchema(profile, { columns: { risk: { publishValues: true } } })).toThrow(expect.objectContaining({ code: 'CSV_VALUES_UNCONFIRMED', columns: ['smoker'] }))
  })

  test('args: exclude, type, blanks, publishValues, proposed and own bounds', async () => {
    const profile = await profileOf(csv)
    const built = buildDatasetSchema(profile, {
      columns: {
        notes: { exclude: true },
        smoker: { type: 'number', bounds: 'proposed' },
        risk: { publishValues: true },
        bmi: { blanks: 'fill-mean', bounds: { min: 10, max: 60 } },
        age: { blanks: 'skip-row' },
        seen: { type: 'text' },
      },
    })
    expect(built).toEqual({
      schema: {
        format: 'csv',
        rows: 4,
        columns: [
          { name: 'age', type: 'number', blanks: 'skip-row' },
          { name: 'bmi', type: 'number', min: 10, max: 60, blanks: 'fill-mean' },
          { name: 'smoker', type: 'number', min: 0, max: 1 },
          { name: 'risk', type: 'category', values: ['high', 'low'] },
          { name: 'seen', type: 'text' },
        ],
      },
      keep: ['age', 'bmi', 'smoker', 'risk', 'seen'],
      excluded: ['notes'],
    })
    // An owner may choose to publish a text column's values as a category (they were shown them).
    expect(buildDatasetSchema(profile, { columns: { notes: { type: 'category', publishValues: true }, smoker: { type: 'number' }, risk: { exclude: true } } }).schema.columns[4]).toEqual({
      name: 'notes',
      type: 'category',
      values: ['Called Dr. X about the results, again', 'note four', 'note three', 'note two'],
    })
  })

  test('behavior: random profiles and choices never publish a value or bound unless chosen, and the node accepts the schema', async () => {
    const random = randomFrom(3)
    for (let round = 0; round < 60; round++) {
      const width = 2 + Math.floor(random() * 5)
      const names = Array.from({ length: width }, (_, j) => `c${j}`)
      const rows = Array.from({ length: 12 }, (_, i) =>
        names.map((_, j) => (j % 3 === 0 ? (random() < 0.1 ? 'NA' : (random() * 50).toFixed(1)) : j % 3 === 1 ? ['red', 'green', 'blue'][i % 3] : `w${Math.floor(random() * 1e6)}`)).join(','),
      )
      const profile = await profileOf(`${names.join(',')}\n${rows.join('\n')}\n`)
      const columns: Record<string, { exclude?: boolean; publishValues?: boolean; type?: 'text'; bounds?: 'proposed' }> = {}
      for (const column of profile.columns) {
        const r = random()
        if (r < 0.2) columns[column.name] = { exclude: true }
        else if (column.type === 'category') columns[column.name] = r < 0.6 ? { publishValues: true } : { type: 'text' }
        else if (column.type === 'number' && r < 0.6) columns[column.name] = { bounds: 'proposed' }
      }
      let built
      try {
        built = buildDatasetSchema(profile, { columns })
      } catch (error) {
        expect(error).toMatchObject({ code: 'TABLE_UNUSABLE' })
        expect(Object.values(columns).every((choice) => choice.exclude)).toBe(true)
        continue
      }
      expect(datasetSchemaSchema.safeParse(built.schema).success).toBe(true)
      expect(built.keep.concat(built.excluded).sort()).toEqual([...names].sort())
      for (const column of built.schema.columns) {
        const choice = columns[column.name] ?? {}
        if (column.type === 'category') expect(choice.publishValues).toBe(true)
        if (column.type === 'number') expect(column.min !== undefined).toBe(choice.bounds === 'proposed')
      }
    }
  })

  test('error: a choice for no column is CSV_COLUMN_UNKNOWN', async () => {
    const profile = await profileOf(csv)
    expect(() => buildDatasetSchema(profile, { columns: { nope: { exclude: true }, risk: { publishValues: true } } })).toThrow(
      expect.objectContaining({ code: 'CSV_COLUMN_UNKNOWN', columns: ['nope'], message: 'There is no column "nope" in the file.' }),
    )
  })

  test('error: choices a column cannot take are CSV_CHOICE_INVALID', async () => {
    const profile = await profileOf(csv)
    const ok = { smoker: { type: 'number' as const }, risk: { publishValues: true } }
    const refused = (columns: Record<string, object>, message: RegExp) =>
      expect(() => buildDatasetSchema(profile, { columns: { ...ok, ...columns } })).toThrow(expect.objectContaining({ code: 'CSV_CHOICE_INVALID', message: expect.stringMatching(message) }))
    refused({ risk: { type: 'number' } }, /"risk" cannot be a number column: it has cells that are not numbers/)
    refused({ risk: { type: 'text', blanks: 'fill-zero' } }, /blanks are chosen for number columns only/)
    refused({ seen: { bounds: 'proposed' } }, /bounds are for number columns only/)
    refused({ age: { publishValues: true } }, /only category columns publish values/)
    refused({ age: { bounds: { min: 5, max: 5 } } }, /min < max/)
    refused({ age: { blanks: 'drop' } }, /must be one of skip-row, fill-mean, fill-zero/)
    const many = await profileOf(`id\n${Array.from({ length: 1001 }, (_, i) => `id-${i}`).join('\n')}\n`)
    expect(() => buildDatasetSchema(many, { columns: { id: { type: 'category', publishValues: true } } })).toThrow(expect.objectContaining({ code: 'CSV_CHOICE_INVALID', message: expect.stringMatching(/more than 1000/) }))
  })

  test('error: every column excluded is TABLE_UNUSABLE', async () => {
    const profile = await profileOf('a,b\n1,2\n')
    expect(() => buildDatasetSchema(profile, { columns: { a: { exclude: true }, b: { exclude: true } } })).toThrow(expect.objectContaining({ code: 'TABLE_UNUSABLE' }))
  })
})
