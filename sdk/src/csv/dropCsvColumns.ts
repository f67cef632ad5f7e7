// The CSV rewritten with only the columns the owner keeps, streamed, before encryption: excluded
// columns never leave the owner's machine, not even encrypted.
import { CsvInvalidError, CsvSchemaError } from './errors.ts'
import { type CsvReader, createCsvTokenizer } from './parser.ts'
import { type CsvSource, csvTextOf } from './source.ts'
import { csvField } from './writer.ts'

/** Options of the column-dropping rewrite. */
export type DropCsvColumnsOptions = {
  /** The columns to keep (`buildDatasetSchema`'s `keep`); they come out in the file's order. */
  keep: readonly string[]
}

/** A rewrite fed text in pieces: `push` returns the rewritten text so far, `end` the rest. */
export type CsvColumnDropper = { push(text: string): string; end(): string }

/**
 * Creates a rewrite of CSV text pushed in pieces (pieces may end anywhere) that keeps only the
 * `keep` columns: the header and every record, fields quoted only where needed
 * ({@link csvField}), lines ending in `\n`, blank lines left out. Throws
 * {@link CsvSchemaError} (`CSV_COLUMN_UNKNOWN`) when a kept column is not in the header,
 * {@link CsvInvalidError} for malformed CSV or a ragged record.
 *
 * @example
 * const dropper = createCsvColumnDropper({ keep: ['age', 'risk'] })
 * dropper.push('age,notes,risk\n61,"called, twice",high\n') + dropper.end() // 'age,risk\n61,high\n'
 */
export function createCsvColumnDropper({ keep }: DropCsvColumnsOptions): CsvColumnDropper {
  if (keep.length === 0) throw new CsvSchemaError('No column to keep: nothing would be published.', { code: 'TABLE_UNUSABLE' })
  let header: string[] | undefined = []
  let kept: Uint8Array | undefined
  let column = 0
  let first = true
  let out: string[] = []
  const reader: CsvReader = createCsvTokenizer({
    cell(text, start, end) {
      if (header !== undefined) header.push(text.slice(start, end))
      else if (column < kept!.length && kept![column] === 1) {
        out.push(first ? '' : ',', csvField(start === 0 && end === text.length ? text : text.slice(start, end)))
        first = false
      }
      column++
    },
    record(line) {
      if (header !== undefined) {
        const names = header
        const missing = keep.filter((name) => !names.includes(name))
        if (missing.length > 0)
          throw new CsvSchemaError(`There is no column ${missing.map((name) => JSON.stringify(name)).join(', ')} in the file.`, { code: 'CSV_COLUMN_UNKNOWN', columns: missing })
        kept = Uint8Array.from(names, (name) => (keep.includes(name) ? 1 : 0))
        out.push(names.filter((name) => keep.includes(name)).map(csvField).join(','), '\n')
        header = undefined
      } else {
        if (column !== kept!.length) throw new CsvInvalidError(`a record with ${column} fields (the header has ${kept!.length})`, { line })
        out.push('\n')
      }
      column = 0
      first = true
    },
  })
  const take = () => {
    const text = out.join('')
    out = []
    return text
  }
  return {
    push(text) {
      reader.push(text)
      return take()
    },
    end() {
      reader.end()
      if (header !== undefined) throw new CsvSchemaError('The CSV is empty.', { code: 'CSV_EMPTY' })
      return take()
    },
  }
}

/** Options of {@link dropCsvColumns}. */
export type DropCsvColumnsParameters = DropCsvColumnsOptions & {
  /** Called after each piece read with the bytes of the source read so far. */
  onProgress?: ((bytes: number) => void) | undefined
}

/**
 * The CSV with only the `keep` columns, as a byte stream (UTF-8) read as it is consumed: pass it
 * to `publishDataset` as `data`, and the excluded columns never leave this machine. Memory is
 * bounded by a piece of the source, whatever its size. The stream errors with
 * {@link CsvSchemaError} (`CSV_COLUMN_UNKNOWN`, `CSV_EMPTY`) or {@link CsvInvalidError} as
 * {@link createCsvColumnDropper} throws them. When nothing is excluded, publish the file itself.
 *
 * @example
 * const { schema, keep, excluded } = buildDatasetSchema(profile, { columns: { notes: { exclude: true } } })
 * const data = excluded.length === 0 ? file : dropCsvColumns(file, { keep })
 * await client.publishDataset({ data, schema, name, policy, price })
 */
export function dropCsvColumns(source: CsvSource, { keep, onProgress }: DropCsvColumnsParameters): ReadableStream<Uint8Array> {
  const dropper = createCsvColumnDropper({ keep })
  const encoder = new TextEncoder()
  let pieces: AsyncGenerator<string> | undefined
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      pieces ??= csvTextOf(source, onProgress)
      // Read until there is something to send (a piece may end inside the first record).
      for (;;) {
        const next = await pieces.next()
        const text = next.done ? dropper.end() : dropper.push(next.value)
        if (text !== '') controller.enqueue(encoder.encode(text))
        if (next.done) {
          controller.close()
          return
        }
        if (text !== '') return
      }
    },
    async cancel() {
      await pieces?.return(undefined)
    },
  })
}
