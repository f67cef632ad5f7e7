// The public schema from a profile and the owner's choices. The rule it keeps: no data value is
// published unless the owner chose to publish that column's values (`publishValues`) after
// being shown them; a category column without that choice is an error naming it, never a
// silent publication. Bounds are published only when chosen, too.
import { type DatasetColumn, type DatasetSchema, blankCellPolicies, datasetSchemaSchema } from '../api/schemas.ts'
import { CsvSchemaError } from './errors.ts'
import type { CsvColumnProfile, CsvProfile } from './profileCsv.ts'

/** How trainers treat a blank cell of a number column (the schema's `blanks`). */
export type BlankCellPolicy = (typeof blankCellPolicies)[number]

/** What the owner chose for one column. Everything left out takes the profile's proposal. */
export type ColumnChoice = {
  /** Leave the column out of the schema and of the file (it never leaves this machine). */
  exclude?: boolean | undefined
  /** The column's type (default: the profile's proposed `type`). */
  type?: DatasetColumn['type'] | undefined
  /** Number columns: how trainers treat blank cells (default: absent from the schema, which means `skip-row`). */
  blanks?: BlankCellPolicy | undefined
  /** Category columns: publish the column's values (the owner saw them). Without it, a category is an error. */
  publishValues?: boolean | undefined
  /** Number columns: publish bounds, the profile's proposal (`'proposed'`) or the owner's own. */
  bounds?: 'proposed' | { min: number; max: number } | undefined
}

/** Parameters of {@link buildDatasetSchema}. */
export type BuildDatasetSchemaParameters = {
  /** The owner's choices, by column name; a column not named takes the profile's proposal. */
  columns?: Readonly<Record<string, ColumnChoice>> | undefined
}

/** The public schema, and the columns kept in and dropped from the file. */
export type BuildDatasetSchemaReturnType = {
  /** Exactly what becomes public: column names and types, values only where chosen, bounds only where chosen, the row count. */
  schema: DatasetSchema
  /** Columns kept, in file order: what the encrypted file holds. */
  keep: string[]
  /** Columns excluded: removed from the file before encryption (`dropCsvColumns`). */
  excluded: string[]
}

/** The error's `code` when category columns would publish values the owner did not choose to publish. */
export type BuildDatasetSchemaErrorType = CsvSchemaError

const refuse = (message: string, code: 'CSV_COLUMN_UNKNOWN' | 'CSV_CHOICE_INVALID', columns: string[]) => new CsvSchemaError(message, { code, columns })

function columnOf(profile: CsvColumnProfile, choice: ColumnChoice, unconfirmed: string[]): DatasetColumn {
  const { name } = profile
  const type = choice.type ?? profile.type
  const quoted = JSON.stringify(name)
  if (type !== 'number' && choice.blanks !== undefined) throw refuse(`Column ${quoted} is a ${type} column: blanks are chosen for number columns only.`, 'CSV_CHOICE_INVALID', [name])
  if (type !== 'number' && choice.bounds !== undefined) throw refuse(`Column ${quoted} is a ${type} column: bounds are for number columns only.`, 'CSV_CHOICE_INVALID', [name])
  if (type !== 'category' && choice.publishValues === true)
    throw refuse(`Column ${quoted} is a ${type} column: only category columns publish values.`, 'CSV_CHOICE_INVALID', [name])
  switch (type) {
    case 'number': {
      if (profile.min === undefined)
        throw refuse(
          profile.cells === 0 ? `Column ${quoted} cannot be a number column: every cell is blank.` : `Column ${quoted} cannot be a number column: it has cells that are not numbers.`,
          'CSV_CHOICE_INVALID',
          [name],
        )
      const column: DatasetColumn = { name, type: 'number' }
      if (choice.bounds !== undefined) {
        const bounds = choice.bounds === 'proposed' ? profile.bounds! : choice.bounds
        if (!(Number.isFinite(bounds.min) && Number.isFinite(bounds.max) && bounds.min < bounds.max))
          throw refuse(`The bounds of column ${quoted} must be finite numbers with min < max.`, 'CSV_CHOICE_INVALID', [name])
        column.min = bounds.min
        column.max = bounds.max
      }
      if (choice.blanks !== undefined) {
        if (!blankCellPolicies.includes(choice.blanks)) throw refuse(`The blanks of column ${quoted} must be one of ${blankCellPolicies.join(', ')}.`, 'CSV_CHOICE_INVALID', [name])
        column.blanks = choice.blanks
      }
      return column
    }
    case 'category': {
      if (profile.values === undefined)
        throw refuse(
          `Column ${quoted} cannot be a category: ${profile.distinctOver ? 'it has more than 1000 distinct values' : profile.distinct < 2 ? 'it has fewer than 2 distinct values' : 'it has values over 128 characters'}.`,
          'CSV_CHOICE_INVALID',
          [name],
        )
      if (choice.publishValues !== true) unconfirmed.push(name)
      return { name, type: 'category', values: [...profile.values] }
    }
    case 'date':
    case 'text':
      return { name, type }
    default:
      throw refuse(`Column ${quoted} has no type ${JSON.stringify(type)} (number, category, date or text).`, 'CSV_CHOICE_INVALID', [name])
  }
}

/**
 * Builds the public schema of a profiled table from the owner's choices. Each column takes the
 * profile's proposed type unless chosen otherwise; excluded columns are left out (drop them from
 * the file with `dropCsvColumns`). What it never does by default:
 * - publish data values: a `category` column needs `publishValues: true` (the owner was shown
 *   `profile.values`); otherwise it throws `CSV_VALUES_UNCONFIRMED` with every such column in
 *   `error.columns`: choose to publish them, give them another type (`text`, or `number` for
 *   numbers), or exclude them;
 * - publish bounds: `bounds: 'proposed'` (the profile's, rounded outward) or the owner's own;
 * - say how blanks are handled: absent means `skip-row`; `blanks` chooses.
 * The row count is published (buyers need it; differential privacy accounting uses it).
 *
 * Throws {@link CsvSchemaError}: `CSV_COLUMN_UNKNOWN` (a choice names no column),
 * `CSV_CHOICE_INVALID` (a choice the column cannot take: a number type on text, a category of
 * over 1000 values, blanks or bounds on a non-number), `CSV_VALUES_UNCONFIRMED`, `TABLE_UNUSABLE`
 * (every column excluded).
 *
 * @example
 * const profile = await profileCsv(file)
 * const { schema, keep, excluded } = buildDatasetSchema(profile, {
 *   columns: { notes: { exclude: true }, risk: { publishValues: true }, age: { bounds: 'proposed', blanks: 'fill-mean' } },
 * })
 */
export function buildDatasetSchema(profile: CsvProfile, { columns: choices = {} }: BuildDatasetSchemaParameters = {}): BuildDatasetSchemaReturnType {
  const names = new Set(profile.columns.map((column) => column.name))
  const unknown = Object.keys(choices).filter((name) => !names.has(name))
  if (unknown.length > 0) throw refuse(`There is no column ${unknown.map((name) => JSON.stringify(name)).join(', ')} in the file.`, 'CSV_COLUMN_UNKNOWN', unknown)
  const columns: DatasetColumn[] = []
  const keep: string[] = []
  const excluded: string[] = []
  const unconfirmed: string[] = []
  for (const column of profile.columns) {
    const choice = choices[column.name] ?? {}
    if (choice.exclude === true) {
      excluded.push(column.name)
      continue
    }
    columns.push(columnOf(column, choice, unconfirmed))
    keep.push(column.name)
  }
  if (columns.length === 0) throw new CsvSchemaError('Every column is excluded: nothing would be published.', { code: 'TABLE_UNUSABLE' })
  if (unconfirmed.length > 0)
    throw new CsvSchemaError(
      `${unconfirmed.length === 1 ? 'Column' : 'Columns'} ${unconfirmed.map((name) => JSON.stringify(name)).join(', ')} would publish ${unconfirmed.length === 1 ? 'its' : 'their'} values in the public schema: choose to publish them, give them another type, or exclude them.`,
      { code: 'CSV_VALUES_UNCONFIRMED', columns: unconfirmed },
    )
  // The same check the node makes: what is built here is what it accepts.
  const schema = datasetSchemaSchema.parse({ format: 'csv', columns, rows: profile.rows })
  return { schema, keep, excluded }
}
