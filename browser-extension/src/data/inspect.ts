// What the owner is adding: a table (CSV, JSON array of records, JSON Lines, a captured page
// table), described by the schema trainers and buyers will see, or any other file, kept as an
// opaque encrypted blob. Runs in the data worker, so a large file never blocks the page.
import { type CsvProfile, CsvInvalidError, CsvSchemaError, createCsvColumnDropper, createCsvProfiler, createTableProfiler, csvLine } from '@datavault/sdk'
import { DataFileError } from '../errors.ts'

/** How a file is read. */
export type DataFormat = 'csv' | 'json' | 'jsonl' | 'file'

/**
 * A table: the profile of its columns (the SDK's: proposed type, blanks, distinct values, proposed
 * bounds; it holds real data, for the owner's eyes only), its rows, and the CSV to encrypt.
 */
export type TableInspection = {
  kind: 'table'
  format: Exclude<DataFormat, 'file'>
  profile: CsvProfile
  rows: number
  /** The plaintext to encrypt: the CSV file itself, or the CSV made from JSON records. */
  plaintext: Blob
}

/** Any other file, kept whole as an opaque blob. */
export type FileInspection = { kind: 'file'; format: 'file'; mediaType: string; plaintext: Blob }

export type Inspection = TableInspection | FileInspection

export type InspectDataParameters = {
  data: Blob
  /** The file name (its extension decides the format when the media type does not). */
  name: string
  /** Largest plaintext accepted, in bytes. */
  maxBytes: number
  /** Bytes read so far, of `data.size`. */
  onProgress?: ((bytes: number, total: number) => void) | undefined
}

/** Most distinct values a category column may have (the schema's limit): the SDK's. */
export { maxCategoryValues } from '@datavault/sdk'
/** JSON arrays are parsed whole: past this size, JSON Lines or CSV are the way. */
export const maxJsonBytes = 64 * 1024 ** 2

/**
 * The format of a file from its name and media type: `.csv`, `.json`, `.jsonl`/`.ndjson` are
 * tables; anything else is an opaque file.
 *
 * @example
 * dataFormat('heart.csv', 'text/csv') // 'csv'
 */
export function dataFormat(name: string, mediaType = ''): DataFormat {
  const extension = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase()
  if (extension === 'csv' || mediaType === 'text/csv') return 'csv'
  if (extension === 'jsonl' || extension === 'ndjson' || mediaType === 'application/x-ndjson' || mediaType === 'application/jsonl') return 'jsonl'
  if (extension === 'json' || mediaType === 'application/json') return 'json'
  return 'file'
}

/** Formats a byte count for people: `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`
}

/**
 * Reads what the owner is adding and describes it. Tables get the SDK's column profile (as the
 * datavault CLI does): each column's proposed type (number with its blank cells, a label-like or
 * other category, date, free text), distinct values and proposed bounds. Nothing of it is public
 * yet: the owner chooses what becomes public (`buildDatasetSchema`) after seeing it.
 *
 * Throws `DataFileError`: `FILE_EMPTY`, `FILE_TOO_LARGE`, `CSV_INVALID`, `JSON_INVALID`,
 * `TABLE_UNUSABLE`.
 *
 * @example
 * const inspection = await inspectData({ data: file, name: file.name, maxBytes: 1024 ** 3 })
 */
export async function inspectData({ data, name, maxBytes, onProgress }: InspectDataParameters): Promise<Inspection> {
  if (data.size === 0) throw new DataFileError(`${name} is empty.`, { code: 'FILE_EMPTY' })
  if (data.size > maxBytes)
    throw new DataFileError(`${name} is too big: ${formatBytes(data.size)}, and the most this vault takes is ${formatBytes(maxBytes)}.`, { code: 'FILE_TOO_LARGE' })
  const format = dataFormat(name, data.type)
  if (format === 'file') {
    onProgress?.(data.size, data.size)
    return { kind: 'file', format, mediaType: data.type || 'application/octet-stream', plaintext: data }
  }
  if (format === 'csv') return inspectCsv(data, name, onProgress)
  const records = format === 'json' ? await readJsonArray(data, name, onProgress) : await readJsonLines(data, name, onProgress)
  return tableFromRecords(records, format, name, maxBytes)
}

async function* readText(data: Blob, name: string, onProgress: InspectDataParameters['onProgress'], code: 'CSV_INVALID' | 'JSON_INVALID'): AsyncGenerator<string> {
  const reader = data.stream().getReader()
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let bytes = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
      yield decoder.decode(value, { stream: true })
      onProgress?.(bytes, data.size)
    }
    yield decoder.decode()
  } catch (error) {
    if (error instanceof TypeError) throw new DataFileError(`${name} is not UTF-8 text.`, { code })
    throw error
  } finally {
    reader.releaseLock()
  }
}

// The SDK's CSV and schema errors, as the extension's own (its pages know DataFileError's codes).
function asDataFileError(error: unknown, name: string): unknown {
  if (error instanceof CsvInvalidError) return new DataFileError(`This is not a CSV file the extension can read: ${error.shortMessage.replace(/^The CSV is malformed: /, '')}`, { code: 'CSV_INVALID' })
  if (error instanceof CsvSchemaError) {
    if (error.code === 'CSV_EMPTY') return new DataFileError(`${name} is empty.`, { code: 'FILE_EMPTY' })
    return new DataFileError(`${name}: ${error.shortMessage}`, { code: 'TABLE_UNUSABLE' })
  }
  return error
}

async function inspectCsv(data: Blob, name: string, onProgress: InspectDataParameters['onProgress']): Promise<TableInspection> {
  const profiler = createCsvProfiler()
  try {
    for await (const text of readText(data, name, onProgress, 'CSV_INVALID')) profiler.push(text)
    const profile = profiler.end()
    return { kind: 'table', format: 'csv', profile, rows: profile.rows, plaintext: data.type === 'text/csv' ? data : new Blob([data], { type: 'text/csv' }) }
  } catch (error) {
    throw asDataFileError(error, name)
  }
}

type JsonRecord = Record<string, unknown>

function asRecord(value: unknown, where: string, name: string): JsonRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new DataFileError(`${name} is not a table: ${where} is not an object of named values.`, { code: 'TABLE_UNUSABLE' })
  return value as JsonRecord
}

async function readJsonArray(data: Blob, name: string, onProgress: InspectDataParameters['onProgress']): Promise<JsonRecord[]> {
  if (data.size > maxJsonBytes)
    throw new DataFileError(`${name} is too big to read as one JSON document (over ${formatBytes(maxJsonBytes)}): save it as JSON Lines or CSV.`, { code: 'FILE_TOO_LARGE' })
  let text = ''
  for await (const piece of readText(data, name, onProgress, 'JSON_INVALID')) text += piece
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new DataFileError(`${name} is not valid JSON.`, { code: 'JSON_INVALID', details: cause instanceof SyntaxError ? cause.message : undefined })
  }
  if (!Array.isArray(parsed)) throw new DataFileError(`${name} is not a table: a JSON file must hold an array of records.`, { code: 'TABLE_UNUSABLE' })
  return parsed.map((value, index) => asRecord(value, `item ${index + 1}`, name))
}

async function readJsonLines(data: Blob, name: string, onProgress: InspectDataParameters['onProgress']): Promise<JsonRecord[]> {
  const records: JsonRecord[] = []
  let rest = ''
  let line = 0
  const take = (text: string) => {
    line++
    if (text.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new DataFileError(`${name} is not valid JSON Lines: line ${line} is not JSON.`, { code: 'JSON_INVALID' })
    }
    records.push(asRecord(value, `line ${line}`, name))
  }
  for await (const piece of readText(data, name, onProgress, 'JSON_INVALID')) {
    const lines = (rest + piece).split('\n')
    rest = lines.pop()!
    for (const text of lines) take(text)
  }
  take(rest)
  return records
}

function cellOf(value: unknown, where: () => string, name: string): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new DataFileError(`${name} is not a flat table: ${where()} holds ${Array.isArray(value) ? 'a list' : 'an object'}.`, { code: 'TABLE_UNUSABLE' })
}

function tableFromRecords(records: JsonRecord[], format: 'json' | 'jsonl', name: string, maxBytes: number): TableInspection {
  if (records.length === 0) throw new DataFileError(`${name} holds no records.`, { code: 'TABLE_UNUSABLE' })
  const names: string[] = []
  const seen = new Set<string>()
  for (const record of records)
    for (const key of Object.keys(record))
      if (!seen.has(key)) {
        seen.add(key)
        names.push(key)
      }
  let builder: ReturnType<typeof createTableProfiler>
  try {
    builder = createTableProfiler(names)
  } catch (error) {
    throw asDataFileError(error, name)
  }
  const lines: string[] = [csvLine(names)]
  records.forEach((record, index) => {
    const cells = names.map((column) => cellOf(record[column], () => `record ${index + 1}, "${column}",`, name))
    builder.add(cells)
    lines.push(csvLine(cells))
  })
  const plaintext = new Blob(lines, { type: 'text/csv' })
  if (plaintext.size > maxBytes)
    throw new DataFileError(`${name} is too big as a table: ${formatBytes(plaintext.size)}, and the most this vault takes is ${formatBytes(maxBytes)}.`, { code: 'FILE_TOO_LARGE' })
  try {
    const profile = builder.finish()
    return { kind: 'table', format, profile, rows: profile.rows, plaintext }
  } catch (error) {
    throw asDataFileError(error, name)
  }
}

// The dropper's and the decoder's errors as DataFileError (a TypeError is the fatal decoder's).
function cutError(error: unknown, name: string): unknown {
  if (error instanceof TypeError) return new DataFileError(`${name} is not UTF-8 text.`, { code: 'CSV_INVALID' })
  return asDataFileError(error, name)
}

/**
 * The table's CSV with only the `keep` columns, as a transform of its bytes, so excluded columns
 * never leave this browser, not even encrypted. Streamed: nothing is held but the piece being
 * read (the cut CSV is never whole in memory, whatever the file's size). Errors are
 * `DataFileError`s: `CSV_INVALID`, `TABLE_UNUSABLE`.
 *
 * @example
 * const kept = file.stream().pipeThrough(keepColumnsStream(['age', 'risk'], 'heart.csv'))
 */
export function keepColumnsStream(keep: readonly string[], name: string): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const encoder = new TextEncoder()
  let dropper: ReturnType<typeof createCsvColumnDropper>
  const emit = (controller: TransformStreamDefaultController<Uint8Array>, cut: () => string) => {
    let text: string
    try {
      text = cut()
    } catch (error) {
      throw cutError(error, name)
    }
    if (text) controller.enqueue(encoder.encode(text))
  }
  return new TransformStream<Uint8Array, Uint8Array>({
    start() {
      try {
        dropper = createCsvColumnDropper({ keep })
      } catch (error) {
        throw cutError(error, name)
      }
    },
    transform: (piece, controller) => emit(controller, () => dropper.push(decoder.decode(piece, { stream: true }))),
    flush: (controller) => emit(controller, () => dropper.push(decoder.decode()) + dropper.end()),
  })
}

/**
 * The size in bytes of the table's CSV with only the `keep` columns ({@link keepColumnsStream}),
 * counted in one streamed pass that keeps nothing: an upload declares its exact size before the
 * first byte.
 *
 * @example
 * const bytes = await keptColumnsBytes(file, ['age', 'risk'], 'heart.csv')
 */
export async function keptColumnsBytes(plaintext: Blob, keep: readonly string[], name: string, onProgress?: InspectDataParameters['onProgress']): Promise<number> {
  let read = 0
  let kept = 0
  const counted = plaintext.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        read += piece.byteLength
        onProgress?.(read, plaintext.size)
        controller.enqueue(piece)
      },
    }),
  )
  const reader = counted.pipeThrough(keepColumnsStream(keep, name)).getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return kept
    kept += value.byteLength
  }
}
