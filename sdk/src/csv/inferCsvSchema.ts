// Schema inference, streaming: memory is bounded by a constant (the piece being read, one field
// spanning pieces, at most 1001 distinct values per column), whatever the file's size. A column
// whose every cell is a plain decimal number (as the trainers parse them) is a `number`; any
// other is a `category` with its distinct values in first-seen order.
import type { DatasetSchema } from '../api/schemas.ts'
import { checkCsvHeader, createCsvDistinctValues, maxCategoryValues, maxNameLength } from './distinct-values.ts'
import { CsvSchemaError } from './errors.ts'
import { type CsvNumberScan, csvCellHash, csvPlainNumberEnd, isCsvNumber, scanCsvNumberCell } from './number.ts'
import { csvFieldEnd } from './parser.ts'
import { type CsvSource, csvTextOf } from './source.ts'
import { type CsvColumnsReader, createCsvTableReader } from './table.ts'

/** A column left out of an inferred schema, and why (no trainer could use it as it is). */
export type SkippedColumn = { name: string; reason: string }

/** Options of the schema inference. */
export type InferCsvSchemaOptions = {
  /** Columns that must be categories even if every cell is a number (a 0/1 label, say). */
  categories?: readonly string[] | undefined
}

/** An inferred schema, the columns left out, and the data rows counted. */
export type InferCsvSchemaReturnType = { schema: DatasetSchema; skipped: SkippedColumn[]; rows: number }

/** Accumulates the cells of a table's records, then says what each column is. */
export type TableSchemaInference = {
  /** Adds one data record (a missing trailing cell counts as empty). */
  add(cells: readonly string[]): void
  /** The schema of everything added. Throws {@link CsvSchemaError} if nothing usable is left. */
  finish(): InferCsvSchemaReturnType
}

type Columns = CsvColumnsReader & { finish(rows: number): InferCsvSchemaReturnType }

function columnsOf(names: readonly string[], categories: readonly string[]): Columns {
  checkCsvHeader(names)
  for (const name of categories)
    if (!names.includes(name)) throw new CsvSchemaError(`There is no column ${JSON.stringify(name)} to make a category.`, { code: 'CSV_CATEGORY_INVALID' })
  const width = names.length
  const numeric = Uint8Array.from(names, (name) => (categories.includes(name) ? 0 : 1))
  const empty = new Uint8Array(width)
  const tooLong = new Uint8Array(width)
  const distinctValues = createCsvDistinctValues(width, (column, value) => {
    if (value.length > maxNameLength) tooLong[column] = 1
  })
  const { values } = distinctValues
  const scanned: CsvNumberScan = { end: 0, value: 0, hash: 0 }

  const cell = (column: number, text: string, start: number, end: number) => {
    if (start === end) empty[column] = 1
    if (numeric[column] === 1 && !isCsvNumber(text, start, end)) numeric[column] = 0
    const set = values[column]
    if (set === undefined) return
    distinctValues.add(column, text, start, end, csvCellHash(text, start, end))
  }

  return {
    width,
    cell,
    scan(column, text, start, limit) {
      const set = values[column]
      if (set === undefined) {
        // A column with too many values to collect (most number columns): its syntax alone.
        const end = csvPlainNumberEnd(text, start, limit)
        if (end !== -1) return end
      } else if (scanCsvNumberCell(text, start, limit, scanned)) {
        // A plain decimal, read in one pass: a number cell, not empty, its hash made on the way.
        distinctValues.add(column, text, start, scanned.end, scanned.hash)
        return scanned.end
      }
      const end = csvFieldEnd(text, start, limit)
      cell(column, text, start, end)
      return end
    },
    finish(rows) {
      if (rows === 0) throw new CsvSchemaError('The table has a header but no rows.', { code: 'TABLE_UNUSABLE' })
      const columns: DatasetSchema['columns'] = []
      const skipped: SkippedColumn[] = []
      names.forEach((name, j) => {
        if (numeric[j] === 1) {
          columns.push({ name, type: 'number' })
          return
        }
        const set = values[j]
        const reason =
          empty[j] === 1
            ? 'it has empty cells'
            : set === undefined
              ? `it has more than ${maxCategoryValues} distinct values`
              : tooLong[j] === 1
                ? `it has values over ${maxNameLength} characters`
                : set.size < 2
                  ? 'it has a single value'
                  : undefined
        if (reason === undefined) {
          columns.push({ name, type: 'category', values: [...set!] })
          return
        }
        if (categories.includes(name)) throw new CsvSchemaError(`Column ${JSON.stringify(name)} cannot be a category: ${reason}.`, { code: 'CSV_CATEGORY_INVALID' })
        skipped.push({ name, reason })
      })
      if (columns.length === 0)
        throw new CsvSchemaError(`No column can be trained on: ${skipped.map((column) => `${column.name} (${column.reason})`).join(', ')}.`, { code: 'TABLE_UNUSABLE' })
      return { schema: { format: 'csv', columns, rows }, skipped, rows }
    },
  }
}

/**
 * Infers a schema from records given one by one (a table read from JSON, say), with the same
 * rules as {@link inferCsvSchema}. Throws {@link CsvSchemaError} for an unusable header.
 *
 * @example
 * const inference = createTableSchemaInference(['age', 'risk'])
 * inference.add(['61', 'high'])
 * inference.add(['34', 'low'])
 * const { schema } = inference.finish()
 */
export function createTableSchemaInference(names: readonly string[], { categories = [] }: InferCsvSchemaOptions = {}): TableSchemaInference {
  const columns = columnsOf(names, categories)
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
 * Infers a schema from CSV text pushed in pieces (pieces may end anywhere). `end` returns the
 * schema. Throws {@link CsvInvalidError} (`CSV_INVALID`) for malformed CSV or a record whose field
 * count is not the header's, {@link CsvSchemaError} for a CSV no schema can describe.
 *
 * @example
 * const inference = createCsvSchemaInference({ categories: ['smoker'] })
 * inference.push('age,smoker\n61,1\n')
 * inference.push('34,0\n')
 * const { schema, rows } = inference.end()
 */
export function createCsvSchemaInference({ categories = [] }: InferCsvSchemaOptions = {}): { push(text: string): void; end(): InferCsvSchemaReturnType } {
  const table = createCsvTableReader((names) => columnsOf(names, categories))
  return {
    push: (text) => table.push(text),
    end() {
      const { columns, rows } = table.end()
      return columns.finish(rows)
    },
  }
}

/** What {@link inferCsvSchema} reads: a file (a `Blob`), a byte stream, or pieces of bytes or text. */
export type { CsvSource }

/** Options of {@link inferCsvSchema}. */
export type InferCsvSchemaParameters = InferCsvSchemaOptions & {
  /** Called after each piece with the bytes read so far (characters, for text pieces). */
  onProgress?: ((bytes: number) => void) | undefined
}

/**
 * Reads a CSV (UTF-8, streamed: constant memory whatever its size) and infers its schema: header
 * names, `number` or `category` per column, category values in first-seen order, and the number
 * of data rows. Columns no trainer could use as inferred (empty cells, a single value, more than
 * 1000 values, values over 128 characters) are left out and listed in `skipped`; a column named
 * in `categories` that cannot be a category is an error. Blank lines are skipped.
 *
 * Throws {@link CsvInvalidError} (`CSV_INVALID`: malformed, ragged, not UTF-8) or
 * {@link CsvSchemaError} (`CSV_EMPTY`, `TABLE_UNUSABLE`, `CSV_CATEGORY_INVALID`).
 *
 * @example
 * const { schema, skipped, rows } = await inferCsvSchema(file, { categories: ['smoker'] })
 */
export async function inferCsvSchema(source: CsvSource, { onProgress, ...options }: InferCsvSchemaParameters = {}): Promise<InferCsvSchemaReturnType> {
  const inference = createCsvSchemaInference(options)
  for await (const text of csvTextOf(source, onProgress)) inference.push(text)
  return inference.end()
}
