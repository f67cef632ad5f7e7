import { CsvInvalidError, type FeatureColumn, isCsvBlank, parseCsv, parseCsvNumber } from '@datavault/sdk'
import { TrainerDataError } from './errors.ts'

/**
 * Which columns to read: the label (a classifier's when `classes` is given: category values as
 * strings, or numbers matched by value; else a number target) and the features: `featureColumns`
 * when given (number columns, and category columns one-hot encoded over their values; `features`
 * then names the encoded features), else `features` as number columns.
 */
export type TableSpec = {
  label: string
  classes?: readonly (string | number)[] | undefined
  features: readonly string[]
  featureColumns?: readonly FeatureColumn[] | undefined
}

/** How a blank feature cell is handled, per feature (the schema's `blanks`); `skip-row` when absent. A one-hot column's blank is all zeros. */
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
  const sources: readonly FeatureColumn[] = spec.featureColumns ?? spec.features.map((column) => ({ column }))
  // Per source column: its first feature, and for a one-hot column each value's offset from it.
  const offsets: number[] = []
  const oneHot = sources.map((source) => {
    offsets.push(offsets.length === 0 ? 0 : offsets.at(-1)! + width(sources[offsets.length - 1]!))
    return source.values === undefined ? undefined : categoryIndex(source.values)
  })
  if (sources.reduce((sum, source) => sum + width(source), 0) !== d) throw new Error('the feature columns do not match the features')
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
        featureColumns = sources.map((source) => find(source.column))
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
      for (let s = 0; s < sources.length; s++) {
        const text = fields[featureColumns[s]!]!
        const j = offsets[s]!
        const index = oneHot[s]
        if (index !== undefined) {
          // One-hot: 1 at the value's feature, 0 elsewhere; a blank cell is all zeros.
          for (let v = 0; v < index.size; v++) x[rows * d + j + v] = 0
          if (isBlankCell(text)) continue
          const at = index.get(text) ?? index.get(parseNumber(text) ?? Number.NaN)
          if (at === undefined) throw new TrainerDataError('unknown-category-value', `input ${input} line ${line} column ${JSON.stringify(sources[s]!.column)}`)
          x[rows * d + j + at] = 1
          continue
        }
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

function width(source: FeatureColumn): number {
  return source.values === undefined ? 1 : source.values.length
}

// A category value's position: by its text, and when every value reads as a number, by that number too (`1.0` is `1`).
function categoryIndex(values: readonly string[]): Map<string | number, number> {
  const index = new Map<string | number, number>(values.map((value, i) => [value, i]))
  const numbers = values.map((value) => parseNumber(value))
  if (numbers.every((value) => value !== undefined) && new Set(numbers).size === numbers.length) numbers.forEach((value, i) => index.set(value!, i))
  return index
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
