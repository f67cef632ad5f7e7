import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { buildDatasetSchema, profileCsv } from '@datavault/sdk'
import type { CliIo } from './output.ts'
import { askValues, columnChoices, createAsker, previewLines, valuesUnconfirmedError } from './publish-schema.ts'

const csv = 'age,bmi,smoker,risk,seen,notes\n61,NA,1,high,2026-01-02,one note here\n40,22.5,0,low,2026-02-03,another one\n35,,1,high,2026-05-06,a third\n77,31,0,low,2026-03-04,the fourth\n'
const profileOf = () => profileCsv(new Blob([csv]))

/** A terminal that answers `answers`, one line each; what was asked is in `asked()`. */
function terminal(answers: string[]): { io: CliIo; asked: () => string } {
  const stdin = Object.assign(new PassThrough(), { isTTY: true })
  const stderr = Object.assign(new PassThrough(), { isTTY: true })
  let asked = ''
  stderr.on('data', (chunk: Buffer) => (asked += chunk))
  stdin.end(answers.map((answer) => `${answer}\n`).join(''))
  const io = { stdin, stderr, stdout: new PassThrough(), env: {}, cwd: '/', signal: new AbortController().signal } as unknown as CliIo
  return { io, asked: () => asked }
}

describe('columnChoices', () => {
  test('default: each flag becomes the SDK\'s choice, lists comma-separated or repeated', async () => {
    const profile = await profileOf()
    expect(
      columnChoices({ exclude: ['notes'], type: ['smoker=number,seen=text'], blanks: ['bmi=fill-mean'], 'public-values': ['risk'], bounds: ['age=0:120', 'bmi=propose'] }, profile),
    ).toEqual({
      notes: { exclude: true },
      smoker: { type: 'number' },
      seen: { type: 'text' },
      bmi: { blanks: 'fill-mean', bounds: 'proposed' },
      risk: { publishValues: true },
      age: { bounds: { min: 0, max: 120 } },
    })
  })

  test('args: --bounds propose covers every number column not excluded, as typed by the owner; --category is a published category', async () => {
    const profile = await profileOf()
    const choices = columnChoices({ bounds: ['propose'], type: ['smoker=number'], exclude: ['bmi'], category: ['notes'] }, profile)
    expect(choices).toEqual({ bmi: { exclude: true }, smoker: { type: 'number', bounds: 'proposed' }, age: { bounds: 'proposed' }, notes: { type: 'category', publishValues: true } })
    expect(buildDatasetSchema(profile, { columns: { ...choices, risk: { publishValues: true } } }).schema.columns.filter((column) => column.type === 'number')).toEqual([
      { name: 'age', type: 'number', min: 20, max: 80 },
      { name: 'smoker', type: 'number', min: 0, max: 1 },
    ])
  })

  test('error: malformed entries, unknown types and policies, bad bounds', async () => {
    const profile = await profileOf()
    expect(() => columnChoices({ type: ['smoker'] }, profile)).toThrow(expect.objectContaining({ name: 'CliUsageError', message: expect.stringMatching(/COLUMN=VALUE/) }))
    expect(() => columnChoices({ type: ['smoker=boolean'] }, profile)).toThrow(/number, category, date, text/)
    expect(() => columnChoices({ blanks: ['bmi=drop'] }, profile)).toThrow(/skip-row, fill-mean, fill-zero/)
    expect(() => columnChoices({ bounds: ['age=10:5'] }, profile)).toThrow(/MIN < MAX/)
    expect(() => columnChoices({ bounds: ['age=low:high'] }, profile)).toThrow(/MIN:MAX/)
  })
})

describe('previewLines', () => {
  test('default: exactly what the schema publishes, what stays private, and hints that are not published', async () => {
    const profile = await profileOf()
    const { schema, excluded } = buildDatasetSchema(profile, { columns: { notes: { exclude: true }, risk: { publishValues: true }, smoker: { type: 'number' }, age: { bounds: 'proposed' } } })
    expect(previewLines({ schema, profile, excluded })).toEqual([
      'What becomes public (anyone can read it from the node):',
      '  rows: 4',
      '  age     number    bounds 20 to 80',
      '  bmi     number    no bounds',
      '  smoker  number    no bounds',
      '  risk    category  values: high, low',
      '  seen    date      name only (no values; not a feature)',
      'Private: every cell, encrypted on this machine before upload.',
      'Excluded (removed from the file here, never uploaded): notes',
      'Seen here, not published:',
      '  bmi: 2 blank cells: rows with them are skipped (--blanks bmi=fill-mean or fill-zero to fill them instead)',
      '  bmi: bounds 22 to 32 would be proposed (--bounds propose)',
      '  smoker: bounds 0 to 1 would be proposed (--bounds propose)',
    ])
  })

  test('behavior: no value of a column whose values were not chosen appears among the public lines', async () => {
    const profile = await profileOf()
    const { schema, excluded } = buildDatasetSchema(profile, { columns: { risk: { type: 'text' }, smoker: { type: 'number' }, notes: { type: 'text' } } })
    const lines = previewLines({ schema, profile, excluded }).join('\n')
    expect(lines).not.toMatch(/high|low|one note|another|2026-/)
  })
})

describe('valuesUnconfirmedError', () => {
  test('default: names each column with its values and the flags, exit 2', async () => {
    const profile = await profileOf()
    const error = valuesUnconfirmedError(profile.columns.filter((column) => column.name === 'smoker' || column.name === 'risk'))
    expect(error).toMatchObject({ name: 'CliUsageError', code: 'SCHEMA_VALUES_UNCONFIRMED', exitCode: 2 })
    expect(error.shortMessage).toBe(
      'Publishing would make the values of 2 category columns public: 2 values of "smoker" (0, 1); 2 values of "risk" (high, low). Nothing was sent. Choose for each: --public-values smoker,risk to publish them, --type COLUMN=text (or =number) to keep them private, or --exclude smoker,risk.',
    )
  })
})

describe('createAsker', () => {
  test('default: yes and y are yes; anything else, and the end of input, is no; answers typed ahead are kept', async () => {
    const answers = [['y', true], ['YES', true], ['', false], ['n', false], ['sure', false]] as const
    const { io, asked } = terminal(answers.map(([answer]) => answer))
    const asker = createAsker(io)
    for (const [, want] of answers) expect(await asker.ask('Go? [y/N] ')).toBe(want)
    expect(await asker.ask('Again? ')).toBe(false)
    asker.close()
    expect(asked()).toMatch(/^(Go\? \[y\/N\] ){5}Again\? /)
  })
})

describe('askValues', () => {
  test('behavior: a yes publishes the values; a no keeps the column private (number if numeric, else text)', async () => {
    const profile = await profileOf()
    const columns = profile.columns.filter((column) => column.name === 'smoker' || column.name === 'risk')
    const choices = {}
    const { io, asked } = terminal(['n', 'y'])
    await askValues(createAsker(io), columns, choices)
    expect(choices).toEqual({ smoker: { type: 'number' }, risk: { publishValues: true } })
    expect(asked()).toMatch(/Publish the 2 values of "smoker" \(0, 1\) in the public schema\? \[y\/N\] Publish the 2 values of "risk" \(high, low\)/)
    const second = {}
    await askValues(createAsker(terminal(['no', 'no']).io), columns, second)
    expect(second).toEqual({ smoker: { type: 'number' }, risk: { type: 'text' } })
  })
})
