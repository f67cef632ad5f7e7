import { DataVaultError } from '../errors/base.ts'

/**
 * The text is not CSV this SDK reads: a quote inside an unquoted field, text after a closing
 * quote, an unterminated quoted field, a bare carriage return, a NUL character, a record with
 * more or fewer fields than the header, or bytes that are not UTF-8. `line` is where it was
 * found (1-based); the message never holds a cell's contents.
 */
export class CsvInvalidError extends DataVaultError {
  override name = 'CsvInvalidError'
  /** The 1-based line the problem was found on, when there is one. */
  readonly line: number | undefined
  /** What is wrong, without the line: `a bare carriage return`. */
  readonly reason: string
  constructor(reason: string, { line, cause }: { line?: number | undefined; cause?: unknown } = {}) {
    super(line === undefined ? `The CSV is malformed: ${reason}.` : `The CSV is malformed: ${reason} on line ${line}.`, { code: 'CSV_INVALID', status: 400, kind: 'input', cause })
    this.line = line
    this.reason = reason
  }
}

/** Codes of {@link CsvSchemaError}. */
export type CsvSchemaErrorCode =
  | 'CSV_EMPTY'
  | 'TABLE_UNUSABLE'
  | 'CSV_CATEGORY_INVALID'
  | 'CSV_COLUMN_UNKNOWN'
  | 'CSV_CHOICE_INVALID'
  | 'CSV_VALUES_UNCONFIRMED'

/**
 * The CSV parses but no schema can describe it as asked: it is empty (`CSV_EMPTY`); its header is
 * unusable, it has no rows or no column a trainer could use, or every column is excluded
 * (`TABLE_UNUSABLE`); a column forced to be a category is missing or cannot be one
 * (`CSV_CATEGORY_INVALID`); an owner's choice names no column (`CSV_COLUMN_UNKNOWN`) or is one the
 * column cannot take (`CSV_CHOICE_INVALID`); or category columns would publish values the owner
 * did not choose to publish (`CSV_VALUES_UNCONFIRMED`). `columns` names the columns concerned,
 * when there are some; the message never holds a cell's contents.
 */
export class CsvSchemaError extends DataVaultError {
  override name = 'CsvSchemaError'
  declare readonly code: CsvSchemaErrorCode
  /** The columns the error is about (for `CSV_VALUES_UNCONFIRMED`, every column to decide on). */
  readonly columns: string[]
  constructor(shortMessage: string, { code, columns = [] }: { code: CsvSchemaErrorCode; columns?: string[] | undefined }) {
    super(shortMessage, { code, status: 400, kind: 'input' })
    this.columns = columns
  }
}
