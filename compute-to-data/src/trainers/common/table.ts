import { CsvInvalidError, parseCsv, parseCsvNumber } from '@datavault/sdk'
import { TrainerDataError } from './errors.ts'

/** Which columns to read: the label (a category column when `classes` is given, else a number column) and the features. */
export type TableSpec = { label: string; classes?: readonly string[] | undefined; features: readonly string[] }

/** Rows ready for training: features row-major (rows × features), and per row a class index or a number target. */
export type TrainingTable = { x: Float64Array; y: Float64Array; rows: number; features: number }

/**
 * Turns the CSV texts of the job's inputs into a training table. Every input needs a header row
 * holding the label and feature columns (other columns are ignored); every feature cell (and a
 * number label) must be a plain decimal number, and a category label one of `classes`. Errors
 * name columns and line numbers, never cell contents.
 */
export function loadTable(spec: TableSpec, texts: readonly string[]): TrainingTable {
  const d = spec.features.length
  const classIndex = spec.classes === undefined ? undefined : new Map(spec.classes.map((name, index) => [name, index]))
  let x = new Float64Array(1024 * d)
  let y = new Float64Array(1024)
  let rows = 0

  texts.forEach((text, input) => {
    let header: string[] | undefined
    let featureColumns: number[] = []
    let labelColumn = -1
    readCsv(text, (fields, line) => {
      if (header === undefined) {
        header = fields
        if (new Set(fields).size !== fields.length) throw new TrainerDataError('duplicate-header', `input ${input} repeats a column name`)
        const position = new Map(fields.map((name, index) => [name, index]))
        const find = (name: string) => {
          const index = position.get(name)
          if (index === undefined) throw new TrainerDataError('missing-column', `input ${input} has no column ${JSON.stringify(name)}`)
          return index
        }
        labelColumn = find(spec.label)
        featureColumns = spec.features.map(find)
        return
      }
      if (fields.length !== header.length)
        throw new TrainerDataError('ragged-row', `input ${input} line ${line} has ${fields.length} fields; the header has ${header.length}`)
      if (rows === y.length) {
        const grownX = new Float64Array(x.length * 2)
        grownX.set(x)
        x = grownX
        const grownY = new Float64Array(y.length * 2)
        grownY.set(y)
        y = grownY
      }
      for (let j = 0; j < d; j++) {
        const value = parseNumber(fields[featureColumns[j]!]!)
        if (value === undefined) throw new TrainerDataError('non-numeric-cell', `input ${input} line ${line} column ${JSON.stringify(spec.features[j])}`)
        x[rows * d + j] = value
      }
      const cell = fields[labelColumn]!
      if (classIndex === undefined) {
        const value = parseNumber(cell)
        if (value === undefined) throw new TrainerDataError('non-numeric-cell', `input ${input} line ${line} column ${JSON.stringify(spec.label)}`)
        y[rows] = value
      } else {
        const label = classIndex.get(cell)
        if (label === undefined) throw new TrainerDataError('unknown-label-value', `input ${input} line ${line} column ${JSON.stringify(spec.label)}`)
        y[rows] = label
      }
      rows++
    })
    if (header === undefined) throw new TrainerDataError('no-rows', `input ${input} is empty`)
  })
  if (rows === 0) throw new TrainerDataError('no-rows', 'the inputs have a header but no rows')
  return { x: x.subarray(0, rows * d), y: y.subarray(0, rows), rows, features: d }
}

// The SDK's number syntax (the one the schema inference used when the dataset was published).
const parseNumber = parseCsvNumber

// The SDK's CSV reader (blank lines skipped); malformed CSV is `bad-csv` with the line and what is
// wrong, never a cell's contents.
function readCsv(text: string, onRecord: (fields: string[], line: number) => void): void {
  try {
    parseCsv(text, onRecord)
  } catch (error) {
    if (error instanceof CsvInvalidError) throw new TrainerDataError('bad-csv', `${error.reason}${error.line === undefined ? '' : ` on line ${error.line}`}`)
    throw error
  }
}
