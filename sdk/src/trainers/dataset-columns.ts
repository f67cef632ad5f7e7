import type { z } from 'zod'
import type { DatasetSchema } from '../api/schemas.ts'
import { parseCsvNumber } from '../csv/number.ts'
import { TrainerParametersError } from './errors.ts'

/**
 * How a trainer maps feature values to the scale its weights use. `standardize`: the training
 * rows' mean and standard deviation (not differentially private). `bounds`: the owner's declared
 * `min`/`max` of each column, mapped to [-1, 1], and values outside are clipped; nothing is
 * learned from the data, which is what differential privacy needs.
 */
export type FeatureScaling = { kind: 'standardize' } | { kind: 'bounds'; min: number[]; max: number[] }

/** Parses a trainer's parameters with its zod schema; failures name the paths, never the values. */
export function parseTrainerParameters<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const paths = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)')
    throw new TrainerParametersError('bad-parameters', `Invalid parameters at: ${[...new Set(paths)].join(', ')}.`)
  }
  return parsed.data
}

/**
 * The feature columns of a run: `features` as given (each a `number` column, not the label, no
 * repeats) or, when absent, every `number` column except the label, in schema order.
 */
export function resolveFeatures(schema: DatasetSchema, label: string, features: readonly string[] | undefined): string[] {
  const columns = new Map(schema.columns.map((column) => [column.name, column]))
  let resolved: string[]
  if (features === undefined) {
    resolved = schema.columns.filter((column) => column.type === 'number' && column.name !== label).map((column) => column.name)
  } else {
    resolved = [...features]
    if (new Set(resolved).size !== resolved.length) throw new TrainerParametersError('duplicate-feature', 'A feature column is listed twice.')
    for (const name of resolved) {
      const column = columns.get(name)
      if (column === undefined) throw new TrainerParametersError('missing-column', `The feature column ${JSON.stringify(name)} is not in the schema.`)
      if (column.type !== 'number' || name === label) throw new TrainerParametersError('bad-feature', `The feature column ${JSON.stringify(name)} is not a number column.`)
    }
  }
  if (resolved.length === 0) throw new TrainerParametersError('no-numeric-features', 'The dataset has no number column to use as a feature.')
  return resolved
}

/**
 * The `min`/`max` the owner declared on a `number` column, or `undefined`. Read defensively (finite
 * numbers, `min < max`) so a schema object from any source is safe to use.
 */
export function columnBounds(schema: DatasetSchema, name: string): { min: number; max: number } | undefined {
  const column = schema.columns.find((candidate) => candidate.name === name) as { type?: unknown; min?: unknown; max?: unknown } | undefined
  if (column?.type !== 'number') return undefined
  const { min, max } = column
  if (typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) return undefined
  return { min, max }
}

/** Bounds scaling for `names`; refuses (`dp-missing-bounds`) when a column has no declared bounds. */
export function boundsScaling(schema: DatasetSchema, names: readonly string[]): { kind: 'bounds'; min: number[]; max: number[] } {
  const missing = names.filter((name) => columnBounds(schema, name) === undefined)
  if (missing.length > 0)
    throw new TrainerParametersError(
      'dp-missing-bounds',
      `Differentially private training scales by declared bounds, not by the data; declare min and max on ${missing.map((name) => JSON.stringify(name)).join(', ')}.`,
    )
  const bounds = names.map((name) => columnBounds(schema, name)!)
  return { kind: 'bounds', min: bounds.map((b) => b.min), max: bounds.map((b) => b.max) }
}

/** A class of a classifier's label: a category value, or a number when the label's values are numbers. */
export type LabelClass = string | number

/**
 * Most classes an integer `number` label may have (max − min + 1): a 0/1 flag or a 1–5 score
 * classifies; an age or a count declared 18–90 is a quantity, trained by regression.
 */
export const maxIntegerLabelClasses = 20

/**
 * The classes of a classification label, in a stable order with their original type:
 * - a `category` column: its declared values, in the declared order, as strings; when every value
 *   is a number (`0`, `1`, `2.5`), as numbers in increasing order;
 * - a `number` column whose declared `min` and `max` are integers at most
 *   {@link maxIntegerLabelClasses} − 1 apart: the integers min … max (a cell that is not one of them
 *   stops the run with `unknown-label-value`).
 * Anything else is refused (`bad-label`) with the fix in the message.
 *
 * @example
 * labelClasses(schema, 'diagnosis') // [0, 1] for a number column declared with min 0, max 1
 */
export function labelClasses(schema: DatasetSchema, label: string): LabelClass[] {
  const column = schema.columns.find((candidate) => candidate.name === label)
  if (column === undefined) throw new TrainerParametersError('missing-column', `The label column ${JSON.stringify(label)} is not in the schema.`)
  const quoted = JSON.stringify(label)
  if (column.type === 'category') {
    if (column.values.length < 2) throw new TrainerParametersError('bad-label', `The label column ${quoted} needs at least two values.`)
    const numbers = column.values.map(parseCsvNumber)
    if (numbers.every((value) => value !== undefined) && new Set(numbers).size === numbers.length) return (numbers as number[]).sort((a, b) => a - b)
    return [...column.values]
  }
  if (column.type === 'number') {
    const bounds = columnBounds(schema, label)
    if (bounds !== undefined && Number.isSafeInteger(bounds.min) && Number.isSafeInteger(bounds.max) && bounds.max - bounds.min < maxIntegerLabelClasses)
      return Array.from({ length: bounds.max - bounds.min + 1 }, (_, i) => bounds.min + i)
    throw new TrainerParametersError(
      'bad-label',
      `The label column ${quoted} is a number column without integer bounds, so its classes are not known before the run. ` +
        `To classify on it, the owner declares its min and max as integers at most ${maxIntegerLabelClasses - 1} apart (e.g. min 0, max 1), or makes it a category column; ` +
        'or train a regression (linear-regression, torch-mlp) on it.',
    )
  }
  throw new TrainerParametersError('bad-label', `The label column ${quoted} is a ${column.type} column; ${column.type} columns are never read by trainers.`)
}
