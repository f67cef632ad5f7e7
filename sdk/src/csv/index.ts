// One CSV reader for the whole project (the CLI, the extension, the trainers): browser-safe.
export { CsvInvalidError, CsvSchemaError, type CsvSchemaErrorCode } from './errors.ts'
export {
  createCsvSchemaInference,
  createTableSchemaInference,
  type CsvSource,
  type InferCsvSchemaOptions,
  type InferCsvSchemaParameters,
  type InferCsvSchemaReturnType,
  inferCsvSchema,
  maxCategoryValues,
  type SkippedColumn,
  type TableSchemaInference,
} from './inferCsvSchema.ts'
export { isCsvNumber, parseCsvNumber } from './number.ts'
export { type CsvReader, type CsvSink, createCsvParser, createCsvTokenizer, parseCsv } from './parser.ts'
export { csvField, csvLine } from './writer.ts'
