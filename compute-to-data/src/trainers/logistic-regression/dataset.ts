import type { LogisticRegressionPlan } from '@datavault/sdk'
import { parseCsv } from './csv.ts'
import { TrainerDataError } from './errors.ts'

/** Rows ready for training: features row-major (rows × features) and class indices. */
export type TrainingTable = { x: Float64Array; y: Uint32Array; rows: number; features: number }

const numberPattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * Turns the CSV texts of the job's inputs into a training table for `plan`. Every input needs a
 * header row holding the label and feature columns (other columns are ignored); every feature
 * cell must be a plain decimal number and every label one of the schema's classes. Errors name
 * columns and line numbers, never cell contents.
 */
export function loadTable(plan: LogisticRegressionPlan, texts: readonly string[]): TrainingTable {
  const d = plan.features.length
  const classIndex = new Map(plan.classes.map((name, index) => [name, index]))
  let x = new Float64Array(1024 * d)
  let y = new Uint32Array(1024)
  let rows = 0

  texts.forEach((text, input) => {
    let header: string[] | undefined
    let featureColumns: number[] = []
    let labelColumn = -1
    parseCsv(text, (fields, line) => {
      if (header === undefined) {
        header = fields
        if (new Set(fields).size !== fields.length) throw new TrainerDataError('duplicate-header', `input ${input} repeats a column name`)
        const position = new Map(fields.map((name, index) => [name, index]))
        const find = (name: string) => {
          const index = position.get(name)
          if (index === undefined) throw new TrainerDataError('missing-column', `input ${input} has no column ${JSON.stringify(name)}`)
          return index
        }
        labelColumn = find(plan.label)
        featureColumns = plan.features.map(find)
        return
      }
      if (fields.length !== header.length)
        throw new TrainerDataError('ragged-row', `input ${input} line ${line} has ${fields.length} fields; the header has ${header.length}`)
      if (rows === y.length) {
        const grownX = new Float64Array(x.length * 2)
        grownX.set(x)
        x = grownX
        const grownY = new Uint32Array(y.length * 2)
        grownY.set(y)
        y = grownY
      }
      for (let j = 0; j < d; j++) {
        const cell = fields[featureColumns[j]!]!
        const value = numberPattern.test(cell) ? Number(cell) : Number.NaN
        if (!Number.isFinite(value))
          throw new TrainerDataError('non-numeric-cell', `input ${input} line ${line} column ${JSON.stringify(plan.features[j])}`)
        x[rows * d + j] = value
      }
      const label = classIndex.get(fields[labelColumn]!)
      if (label === undefined) throw new TrainerDataError('unknown-label-value', `input ${input} line ${line} column ${JSON.stringify(plan.label)}`)
      y[rows] = label
      rows++
    })
    if (header === undefined) throw new TrainerDataError('no-rows', `input ${input} is empty`)
  })
  if (rows === 0) throw new TrainerDataError('no-rows', 'the inputs have a header but no rows')
  return { x: x.subarray(0, rows * d), y: y.subarray(0, rows), rows, features: d }
}
