// One CSV reader for the whole project (the CLI, the extension, the trainers): browser-safe.
export { isCsvBlank, csvBlankTokens } from './blank.ts'
export {
  type BlankCellPolicy,
  type BuildDatasetSchemaErrorType,
  type BuildDatasetSchemaParameters,
  type BuildDatasetSchemaReturnType,
  type ColumnChoice,
  buildDatasetSchema,
} from './buildDatasetSchema.ts'
export { checkDatasetSchema } from './checkDatasetSchema.ts'
export { isCsvDate } from './date.ts'
export { type CsvColumnDropper, type DropCsvColumnsOptions, type DropCsvColumnsParameters, createCsvColumnDropper, dropCsvColumns } from './dropCsvColumns.ts'
export { CsvInvalidError, CsvSchemaError, type CsvSchemaErrorCode } from './errors.ts'
export {
  createCsvSchemaInference,
  createTableSchemaInference,
  type CsvSource,
  type InferCsvSchemaOptions,
  type InferCsvSchemaParameters,
  type InferCsvSchemaReturnType,
  inferCsvSchema,
  type SkippedColumn,
  type TableSchemaInference,
} from './inferCsvSchema.ts'
export { maxCategoryValues } from './distinct-values.ts'
export { isCsvNumber, parseCsvNumber } from './number.ts'
export { type CsvReader, type CsvSink, createCsvParser, createCsvTokenizer, parseCsv } from './parser.ts'
export {
  type CsvColumnKind,
  type CsvColumnProfile,
  type CsvProfile,
  type ProfileCsvParameters,
  type TableProfiler,
  createCsvProfiler,
  createTableProfiler,
  maxCategoryValueLength,
  profileCsv,
} from './profileCsv.ts'
export { proposeBounds } from './proposeBounds.ts'
export { csvField, csvLine } from './writer.ts'
