// A table's column profile, read on the owner's machine: what each column looks like (number,
// label, date, free text, category), its blank cells, distinct values and proposed bounds. The
// profile holds real data (category values, observed extremes): it is for the owner's eyes, to
// choose what becomes public; `buildDatasetSchema` turns it and the owner's choices into the
// public schema, which publishes no data value the owner did not choose. Streaming: memory is
// bounded by a constant (the piece being read, one field spanning pieces, at most 1001 distinct
// values per column), whatever the file's size.
import type { DatasetColumn } from '../api/schemas.ts'
import { isCsvBlank } from './blank.ts'
import { isCsvDate } from './date.ts'
import { checkCsvHeader, createCsvDistinctValues, maxCategoryValues, maxNameLength } from './distinct-values.ts'
import { CsvSchemaError } from './errors.ts'
import { type CsvNumberScan, csvCellHash, csvNumberValue, isCsvNumber, scanCsvDecimal } from './number.ts'
import { csvFieldEnd } from './parser.ts'
import { proposeBounds } from './proposeBounds.ts'
import { type CsvSource, csvTextOf } from './source.ts'
import { type CsvColumnsReader, createCsvTableReader } from './table.ts'

/** A string cell longer than this makes its column free text. */
export const maxCategoryValueLength = 64

/** Most distinct small integers (or two words: yes/no, true/false) a label-like column has. */
const maxLabelValues = 10
/** Largest magnitude of a label-like column's integers. */
const maxLabelMagnitude = 10
/** Past this many distinct values, a column with more distinct values than half its cells is free text. */
const mostlyUniqueFrom = 20

/**
 * What a column looks like:
 * - `number`: every non-blank cell is a number;
 * - `label`: a few small integers (0/1, 1–5: at most 10 values within ±10) or two words such as
 *   yes/no, true/false, y/n: something a classifier predicts;
 * - `date`: every non-blank cell is a date ({@link isCsvDate});
 * - `text`: free text: a value over 64 characters, over 1000 distinct values, more than 20
 *   distinct values that are most of its cells, or (3 cells or more) no value seen twice: names,
 *   notes, ids; or no value at all;
 * - `category`: any other column of strings (a few repeated values).
 */
export type CsvColumnKind = 'number' | 'label' | 'date' | 'text' | 'category'

/** One column as the owner's machine sees it. Holds real data: show it to the owner, publish none of it. */
export type CsvColumnProfile = {
  name: string
  kind: CsvColumnKind
  /** The schema type proposed for the kind: `number`, `category` (labels and categories), `date`, `text`. */
  type: DatasetColumn['type']
  /** Non-blank cells. */
  cells: number
  /** Blank cells ({@link isCsvBlank}: empty, `NA`, `N/A`, `NaN`, `null`, `?`). */
  blanks: number
  /** Distinct non-blank values, counted up to 1001 (then `distinctOver` is true). */
  distinct: number
  /** Whether there are more than 1000 distinct values (then `distinct` is 1001). */
  distinctOver: boolean
  /**
   * The distinct non-blank values, sorted (numerically when all are numbers), when the column
   * could be a category (2–1000 values of at most 128 characters); otherwise undefined.
   */
  values: string[] | undefined
  /** Number columns: the smallest and largest value seen. */
  min: number | undefined
  max: number | undefined
  /** Number columns: whether every value is an integer. */
  integer: boolean
  /** Number columns: the bounds to propose ({@link proposeBounds}: the extremes rounded outward). */
  bounds: { min: number; max: number } | undefined
  /** The longest non-blank cell, in UTF-16 code units. */
  longest: number
}

/** A table's profile: its columns in file order and its data rows. */
export type CsvProfile = { columns: CsvColumnProfile[]; rows: number }

/** Accumulates the cells of a table's records, then profiles its columns. */
export type TableProfiler = {
  /** Adds one data record (a missing trailing cell counts as blank). */
  add(cells: readonly string[]): void
  /** The profile of everything added. Throws {@link CsvSchemaError} if the table has no rows. */
  finish(): CsvProfile
}

const labelWords = new Set(['yes|no', 'true|false', 'y|n', 't|f'])

type Columns = CsvColumnsReader & { finish(rows: number): CsvProfile }

function columnsOf(names: readonly string[]): Columns {
  checkCsvHeader(names)
  const width = names.length
  const numeric = new Uint8Array(width).fill(1)
  const dated = new Uint8Array(width).fill(1)
  const integer = new Uint8Array(width).fill(1)
  const cells = new Float64Array(width)
  const blanks = new Float64Array(width)
  const longest = new Float64Array(width)
  const min = new Float64Array(width).fill(Number.POSITIVE_INFINITY)
  const max = new Float64Array(width).fill(Number.NEGATIVE_INFINITY)
  const distinctValues = createCsvDistinctValues(width)
  const { values } = distinctValues
  const scanned: CsvNumberScan = { end: 0, value: 0, hash: 0, key: 0 }

  const number = (column: number, value: number) => {
    dated[column] = 0
    if (value < min[column]!) min[column] = value
    if (value > max[column]!) max[column] = value
    if (integer[column] === 1 && !Number.isInteger(value)) integer[column] = 0
  }
  const cell = (column: number, text: string, start: number, end: number) => {
    if (isCsvBlank(text, start, end)) {
      blanks[column]!++
      return
    }
    cells[column]!++
    if (end - start > longest[column]!) longest[column] = end - start
    if (numeric[column] === 1) {
      if (isCsvNumber(text, start, end)) number(column, csvNumberValue(text, start, end))
      else numeric[column] = 0
    }
    if (dated[column] === 1 && !isCsvDate(text, start, end)) dated[column] = 0
    const set = values[column]
    if (set === undefined) return
    distinctValues.add(column, text, start, end, csvCellHash(text, start, end))
  }

  return {
    width,
    cell,
    scan(column, text, start, limit) {
      // A plain decimal, read in one pass (syntax, value and the key of its characters): a number
      // cell, never blank. Its value is recognised by the key while the column's values are collected.
      if (!scanCsvDecimal(text, start, limit, scanned)) {
        const end = csvFieldEnd(text, start, limit)
        cell(column, text, start, end)
        return end
      }
      const end = scanned.end
      cells[column]!++
      if (end - start > longest[column]!) longest[column] = end - start
      if (numeric[column] === 1) number(column, scanned.value)
      else if (dated[column] === 1 && !isCsvDate(text, start, end)) dated[column] = 0
      if (values[column] !== undefined) {
        const key = scanned.key!
        if (key === -1) distinctValues.add(column, text, start, end, csvCellHash(text, start, end))
        else distinctValues.addDecimal(column, key, text, start, end)
      }
      return end
    },
    finish(rows) {
      if (rows === 0) throw new CsvSchemaError('The table has a header but no rows.', { code: 'TABLE_UNUSABLE' })
      const columns = names.map((name, j): CsvColumnProfile => {
        const set = values[j]
        const distinct = set === undefined ? maxCategoryValues + 1 : set.size
        const count = cells[j]!
        const isNumber = count > 0 && numeric[j] === 1
        const sorted = set === undefined ? undefined : isNumber ? [...set].sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0)) : [...set].sort()
        const low = isNumber ? min[j]! : undefined
        const high = isNumber ? max[j]! : undefined
        const kind: CsvColumnKind =
          count === 0
            ? 'text'
            : isNumber
              ? integer[j] === 1 && distinct <= maxLabelValues && Math.max(Math.abs(low!), Math.abs(high!)) <= maxLabelMagnitude && distinct >= 2
                ? 'label'
                : 'number'
              : dated[j] === 1
                ? 'date'
                : longest[j]! > maxCategoryValueLength || set === undefined || (distinct > mostlyUniqueFrom && distinct > count / 2) || (count >= 3 && distinct === count)
                  ? 'text'
                  : distinct === 2 && labelWords.has(sorted!.map((value) => value.toLowerCase()).sort().reverse().join('|'))
                    ? 'label'
                    : 'category'
        const fitsCategory = sorted !== undefined && sorted.length >= 2 && longest[j]! <= maxNameLength
        return {
          name,
          kind,
          type: kind === 'label' ? 'category' : kind,
          cells: count,
          blanks: blanks[j]!,
          distinct,
          distinctOver: set === undefined,
          values: fitsCategory ? sorted : undefined,
          min: low,
          max: high,
          integer: isNumber && integer[j] === 1,
          bounds: isNumber ? proposeBounds(low!, high!) : undefined,
          longest: longest[j]!,
        }
      })
      return { columns, rows }
    },
  }
}

/**
 * Profiles records given one by one (a table read from JSON, say), with the same rules as
 * {@link profileCsv}. Throws {@link CsvSchemaError} (`TABLE_UNUSABLE`) for an unusable header.
 *
 * @example
 * const profiler = createTableProfiler(['age', 'smoker'])
 * profiler.add(['61', 'yes'])
 * profiler.add(['34', 'no'])
 * const profile = profiler.finish() // smoker: kind 'label'
 */
export function createTableProfiler(names: readonly string[]): TableProfiler {
  const columns = columnsOf(names)
  let rows = 0
  return {
    add(cells) {
      rows++
      for (let j = 0; j < columns.width; j++) {
        const cell = cells[j] ?? ''
        columns.cell(j, cell, 0, cell.length)
      }
    },
    finish: () => columns.finish(rows),
  }
}

/**
 * Profiles CSV text pushed in pieces (pieces may end anywhere); `end` returns the profile. Throws
 * {@link CsvInvalidError} (`CSV_INVALID`) for malformed CSV or a record whose field count is not
 * the header's, {@link CsvSchemaError} (`CSV_EMPTY`, `TABLE_UNUSABLE`) for an empty CSV, an
 * unusable header or no rows.
 *
 * @example
 * const profiler = createCsvProfiler()
 * profiler.push('age,smoker\n61,1\n')
 * profiler.push('34,0\n')
 * const { columns, rows } = profiler.end()
 */
export function createCsvProfiler(): { push(text: string): void; end(): CsvProfile } {
  const table = createCsvTableReader(columnsOf)
  return {
    push: (text) => table.push(text),
    end() {
      const { columns, rows } = table.end()
      return columns.finish(rows)
    },
  }
}

/** Options of {@link profileCsv}. */
export type ProfileCsvParameters = {
  /** Called after each piece with the bytes read so far (characters, for text pieces). */
  onProgress?: ((bytes: number) => void) | undefined
}

/**
 * Reads a CSV (UTF-8, streamed: constant memory whatever its size) on this machine and profiles
 * each column: its kind (number, label, date, free text, category), blank cells, distinct
 * values, and for number columns the observed extremes and proposed bounds. Nothing is sent
 * anywhere; the profile holds real data, for the owner to choose what becomes public with
 * `buildDatasetSchema`.
 *
 * Throws {@link CsvInvalidError} (`CSV_INVALID`: malformed, ragged, not UTF-8) or
 * {@link CsvSchemaError} (`CSV_EMPTY`, `TABLE_UNUSABLE`).
 *
 * @example
 * const profile = await profileCsv(file)
 * for (const column of profile.columns) console.log(column.name, column.kind, column.blanks)
 */
export async function profileCsv(source: CsvSource, { onProgress }: ProfileCsvParameters = {}): Promise<CsvProfile> {
  const profiler = createCsvProfiler()
  for await (const text of csvTextOf(source, onProgress)) profiler.push(text)
  return profiler.end()
}
