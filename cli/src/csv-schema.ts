// Infers a dataset schema from a CSV file, streaming (constant memory but for the distinct values
// of category columns, capped): a column whose every cell is a plain decimal number (as the
// trainers parse them) is a `number`; any other is a `category` with its distinct values.
import { createReadStream } from 'node:fs'
import type { DatasetSchema } from '@datavault/sdk'
import { CliFileError, CliUsageError } from './errors.ts'

// The trainers' number syntax (compute-to-data/src/trainers/common/table.ts).
const numberPattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** Most distinct values a category column may have (the schema's limit). */
export const maxCategoryValues = 1000

/** A column left out of an inferred schema, and why (a trainer could not use it as it is). */
export type SkippedColumn = { name: string; reason: string }

/** An inferred schema, the columns left out, and the rows counted. */
export type InferCsvSchemaReturnType = { schema: DatasetSchema; skipped: SkippedColumn[]; rows: number }

/**
 * Parses RFC 4180 CSV pushed in pieces (a state machine, so a piece may end anywhere): quoted
 * fields with `""` and line breaks inside, CRLF or LF, a leading byte-order mark skipped. Calls
 * `onRecord` for each record (the header first); malformed input is a `CSV_INVALID` usage error.
 */
export function createCsvParser(onRecord: (fields: string[], line: number) => void) {
  type State = 'start' | 'unquoted' | 'quoted' | 'quote-in-quoted' | 'cr'
  let state: State = 'start'
  let field = ''
  let fields: string[] = []
  let line = 1
  let recordLine = 1
  let first = true

  const bad = (why: string) => new CliUsageError(`The CSV is malformed: ${why} on line ${line}.`, { code: 'CSV_INVALID' })
  const endField = () => {
    fields.push(field)
    field = ''
    state = 'start'
  }
  const endRecord = () => {
    endField()
    onRecord(fields, recordLine)
    fields = []
    line++
    recordLine = line
  }

  return {
    push(text: string) {
      let i = 0
      if (first && text.length > 0) {
        first = false
        if (text.charCodeAt(0) === 0xfeff) i = 1
      }
      for (; i < text.length; i++) {
        const c = text[i]!
        switch (state) {
          case 'quoted':
            if (c === '"') state = 'quote-in-quoted'
            else {
              if (c === '\n') line++
              field += c
            }
            break
          case 'quote-in-quoted':
            if (c === '"') {
              field += '"'
              state = 'quoted'
            } else if (c === ',') endField()
            else if (c === '\n') endRecord()
            else if (c === '\r') state = 'cr'
            else throw bad('text after a closing quote')
            break
          case 'cr':
            if (c !== '\n') throw bad('a bare carriage return')
            endRecord()
            break
          default:
            if (c === ',') endField()
            else if (c === '\n') endRecord()
            else if (c === '\r') state = 'cr'
            else if (c === '"') {
              if (state === 'unquoted') throw bad('a quote inside an unquoted field')
              state = 'quoted'
            } else {
              field += c
              state = 'unquoted'
            }
        }
      }
    },
    end() {
      if (state === 'quoted') throw bad('an unterminated quoted field')
      if (state === 'cr') throw bad('a bare carriage return')
      if (state !== 'start' || fields.length > 0) endRecord()
    },
  }
}

type ColumnStats = { name: string; numeric: boolean; values: Set<string> | undefined; empty: boolean; tooLong: boolean }

/**
 * Reads a CSV file and infers its schema: header names, `number` or `category` per column,
 * category values in first-seen order, and the number of data rows. `categories` forces columns
 * to be categories (a 0/1 label, say). Columns no trainer could use as inferred (empty cells, a
 * single value, more than 1000 values, values over 128 characters) are left out and listed in
 * `skipped`. `onProgress` gets the bytes read.
 *
 * @example
 * const { schema, skipped } = await inferCsvSchema('health.csv', { categories: ['smoker'] })
 */
export async function inferCsvSchema(
  path: string,
  { categories = [], onProgress }: { categories?: readonly string[]; onProgress?: (bytesRead: number) => void } = {},
): Promise<InferCsvSchemaReturnType> {
  let columns: ColumnStats[] | undefined
  let rows = 0
  const parser = createCsvParser((fields, line) => {
    if (columns === undefined) {
      if (fields.some((name) => name === '' || name.length > 128)) throw new CliUsageError('The CSV header has an empty or over-long column name.', { code: 'CSV_INVALID' })
      if (new Set(fields).size !== fields.length) throw new CliUsageError('The CSV header repeats a column name.', { code: 'CSV_INVALID' })
      columns = fields.map((name) => ({ name, numeric: !categories.includes(name), values: new Set(), empty: false, tooLong: false }))
      for (const name of categories)
        if (!fields.includes(name)) throw new CliUsageError(`--category ${name}: the CSV has no such column.`)
      return
    }
    if (fields.length !== columns.length)
      throw new CliUsageError(`The CSV is malformed: line ${line} has ${fields.length} fields; the header has ${columns.length}.`, { code: 'CSV_INVALID' })
    rows++
    for (let j = 0; j < fields.length; j++) {
      const column = columns[j]!
      const cell = fields[j]!
      if (cell === '') column.empty = true
      if (column.numeric && !(numberPattern.test(cell) && Number.isFinite(Number(cell)))) column.numeric = false
      if (column.values !== undefined) {
        if (cell.length > 128) column.tooLong = true
        column.values.add(cell)
        // Number columns need no values; a category past the cap is dropped from the schema.
        if (column.values.size > maxCategoryValues && !column.numeric) column.values = undefined
      }
    }
  })

  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 })
  let bytes = 0
  try {
    for await (const piece of stream as AsyncIterable<string>) {
      bytes += Buffer.byteLength(piece)
      parser.push(piece)
      onProgress?.(bytes)
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).syscall !== undefined) throw new CliFileError(path, error)
    throw error
  } finally {
    stream.destroy()
  }
  parser.end()
  if (columns === undefined) throw new CliUsageError(`${path} is empty.`, { code: 'CSV_INVALID' })
  if (rows === 0) throw new CliUsageError(`${path} has a header but no rows.`, { code: 'CSV_INVALID' })

  const schemaColumns: DatasetSchema['columns'] = []
  const skipped: SkippedColumn[] = []
  for (const column of columns as ColumnStats[]) {
    if (column.numeric) {
      schemaColumns.push({ name: column.name, type: 'number' })
      continue
    }
    const forced = categories.includes(column.name)
    const reason = column.empty
      ? 'it has empty cells'
      : column.values === undefined
        ? `it has more than ${maxCategoryValues} distinct values`
        : column.tooLong
          ? 'it has values over 128 characters'
          : column.values.size < 2
            ? 'it has a single value'
            : undefined
    if (reason === undefined) {
      schemaColumns.push({ name: column.name, type: 'category', values: [...column.values!] })
      continue
    }
    if (forced) throw new CliUsageError(`--category ${column.name}: the column cannot be a category: ${reason}.`)
    skipped.push({ name: column.name, reason })
  }
  if (schemaColumns.length === 0) throw new CliUsageError('No column of the CSV could be described; give a schema with --schema.', { code: 'CSV_INVALID' })
  return { schema: { format: 'csv', columns: schemaColumns, rows }, skipped, rows }
}
