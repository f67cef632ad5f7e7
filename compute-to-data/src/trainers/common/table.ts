import { CsvInvalidError, isCsvBlank, parseCsv, parseCsvNumber } from '@datavault/sdk'
import { TrainerDataError } from './errors.ts'

/**
 * Which columns to read: the label (a classifier's when `classes` is given: category values as
 * strings, or numbers matched by value; else a number target) and the features.
 */
export type TableSpec = { label: string; classes?: readonly (string | number)[] | undefined; features: readonly string[] }

/** How a blank feature cell is handled, per feature (the schema's `blanks`); `skip-row` when absent. */
export type BlankHandling = {
  blanks?: readonly ('skip-row' | 'fill-mean' | 'fill-zero' | undefined)[] | undefined
  /** Under DP, what `fill-mean` fills with: the midpoint of each feature's declared bounds (no data read). */
  midpoints?: readonly number[] | undefined
}

/**
 * Rows ready for training: features row-major (rows × features), and per row a class index or a
 * number target. `fileRows` counts every data row of the inputs, `skippedRows` those left out
 * for a blank (`rows` = fileRows − skippedRows).
 */
export type TrainingTable = { x: Float64Array; y: Float64Array; rows: number; features: number; fileRows: number; skippedRows: number }

/** Whether a cell is blank (empty, spaces, or `NA`, `N/A`, `NaN`, `null`, `?` in any case): the SDK's CSV profile's reading, so the owner's preview and the trainers agree. */
export const isBlankCell = (cell: string): boolean => isCsvBlank(cell)

/**
 * Turns the CSV texts of the job's inputs into a training table. Every input needs a header row
 * holding the label and feature columns (other columns are ignored); every feature cell (and a
 * number label) must be a plain decimal number or blank, and a classifier's label one of
 * `classes`. A row with a blank label is left out; a blank feature cell leaves its row out
 * (`skip-row`, the default) or is filled (`fill-zero`: 0; `fill-mean`: the mean of the column's
 * other cells, or under DP the given midpoint of its declared bounds). Errors name columns and
 * line numbers, never cell contents.
 */
export function loadTable(spec: TableSpec, texts: readonly string[], handling: BlankHandling = {}): TrainingTable {
  const d = spec.features.length
  const numericClasses = spec.classes !== undefined && spec.classes.every((value) => typeof value === 'number')
  const classIndex = spec.classes === undefined ? undefined : new Map<string | number, number>(spec.classes.map((name, index) => [name, index]))
  const blanks = spec.features.map((_, j) => handling.blanks?.[j] ?? 'skip-row')
  const sums = new Float64Array(d)
  const counts = new Float64Array(d)
  const blank = new Uint8Array(d)
  let filled = false
  let x = new Float64Array(1024 * d)
  let y = new Float64Array(1024)
  let rows = 0
  let fileRows = 0

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
      fileRows++
      const cell = fields[labelColumn]!
      if (isBlankCell(cell)) return
      if (classIndex === undefined || numericClasses) {
        const value = parseNumber(cell)
        if (value === undefined) throw new TrainerDataError(classIndex === undefined ? 'non-numeric-cell' : 'unknown-label-value', `input ${input} line ${line} column ${JSON.stringify(spec.label)}`)
        if (classIndex === undefined) y[rows] = value
        else {
          const label = classIndex.get(value)
          if (label === undefined) throw new TrainerDataError('unknown-label-value', `input ${input} line ${line} column ${JSON.stringify(spec.label)}`)
          y[rows] = label
        }
      } else {
        const label = classIndex.get(cell)
        if (label === undefined) throw new TrainerDataError('unknown-label-value', `input ${input} line ${line} column ${JSON.stringify(spec.label)}`)
        y[rows] = label
      }
      for (let j = 0; j < d; j++) {
        const text = fields[featureColumns[j]!]!
        const value = parseNumber(text)
        blank[j] = value === undefined ? 1 : 0
        if (value !== undefined) {
          x[rows * d + j] = value
          continue
        }
        if (!isBlankCell(text)) throw new TrainerDataError('non-numeric-cell', `input ${input} line ${line} column ${JSON.stringify(spec.features[j])}`)
        // A left-out row is overwritten by the next one.
        if (blanks[j] === 'skip-row') return
        x[rows * d + j] = blanks[j] === 'fill-zero' ? 0 : Number.NaN
        filled ||= blanks[j] === 'fill-mean'
      }
      for (let j = 0; j < d; j++)
        if (blank[j] === 0) {
          sums[j]! += x[rows * d + j]!
          counts[j]!++
        }
      rows++
    })
    if (header === undefined) throw new TrainerDataError('no-rows', `input ${input} is empty`)
  })
  if (rows === 0) throw new TrainerDataError('no-rows', fileRows === 0 ? 'the inputs have a header but no rows' : 'every row has a blank cell that leaves it out')
  if (filled) {
    // fill-mean: the mean of the column's non-blank cells, or under DP the midpoint of its bounds.
    const fill = blanks.map((_, j) => handling.midpoints?.[j] ?? (counts[j]! > 0 ? sums[j]! / counts[j]! : 0))
    for (let i = 0; i < rows * d; i++) if (Number.isNaN(x[i]!)) x[i] = fill[i % d]!
  }
  return { x: x.subarray(0, rows * d), y: y.subarray(0, rows), rows, features: d, fileRows, skippedRows: fileRows - rows }
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
