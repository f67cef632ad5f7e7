import { z } from 'zod'
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

/** The `features` parameter of the built-in trainers (what {@link resolveFeatures} reads). */
export const featuresParameterSchema = z
  .array(z.string().min(1).max(128))
  .min(1)
  .max(10_000)
  .optional()
  .describe('Feature columns, in this order: number columns, and category columns (one-hot: one 0/1 feature col=value per published value); default: every number and category column except the label.')

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
 * One column a model reads: a `number` column as one feature, or a `category` column (whose values
 * the owner published in the schema) one-hot encoded as one 0/1 feature per value, in the declared
 * order. A cell with another value stops the run (`unknown-category-value`); a blank cell encodes
 * as all zeros.
 */
export type FeatureColumn = { column: string; values?: readonly string[] | undefined }

/** The name of one-hot feature `value` of category column `column`: `column=value`. */
export function oneHotFeatureName(column: string, value: string): string {
  return `${column}=${value}`
}

/** The model's feature names for `columns`: a number column's name, or `column=value` for each value of a category column. */
export function featureNames(columns: readonly FeatureColumn[]): string[] {
  return columns.flatMap((feature) => (feature.values === undefined ? [feature.column] : feature.values.map((value) => oneHotFeatureName(feature.column, value))))
}

/**
 * The columns a built-in trainer reads: `features` as given (each a `number` column or a
 * `category` column, not the label, no repeats) or, when absent, every `number` and `category`
 * column except the label, in schema order. Category columns are one-hot encoded (see
 * {@link FeatureColumn}); `date` and `text` columns are never features.
 *
 * @example
 * featureNames(resolveFeatureColumns(schema, 'risk', undefined)) // ['age', 'bmi', 'sex=f', 'sex=m']
 */
export function resolveFeatureColumns(schema: DatasetSchema, label: string, features: readonly string[] | undefined): FeatureColumn[] {
  const columns = new Map(schema.columns.map((column) => [column.name, column]))
  const readable = (name: string) => {
    const column = columns.get(name)
    return column !== undefined && name !== label && (column.type === 'number' || column.type === 'category')
  }
  let names: string[]
  if (features === undefined) names = schema.columns.map((column) => column.name).filter(readable)
  else {
    names = [...features]
    if (new Set(names).size !== names.length) throw new TrainerParametersError('duplicate-feature', 'A feature column is listed twice.')
    for (const name of names) {
      if (!columns.has(name)) throw new TrainerParametersError('missing-column', `The feature column ${JSON.stringify(name)} is not in the schema.`)
      if (!readable(name))
        throw new TrainerParametersError('bad-feature', `The feature column ${JSON.stringify(name)} is not a number column or a category column with published values.`)
    }
  }
  if (names.length === 0) throw new TrainerParametersError('no-numeric-features', 'The dataset has no number or category column to use as a feature.')
  const resolved = names.map((name): FeatureColumn => {
    const column = columns.get(name)!
    return column.type === 'category' ? { column: name, values: [...column.values] } : { column: name }
  })
  // `a=b` could be both a number column and value b of category a: the model's inputs must be unambiguous.
  const expanded = featureNames(resolved)
  if (new Set(expanded).size !== expanded.length) throw new TrainerParametersError('duplicate-feature', 'Two features would have the same name (a number column named like a one-hot feature col=value).')
  return resolved
}

/** The `categories` metadata of a model file with one-hot features (JSON of {@link featureCategories}); none without. */
export function categoriesMetadata(columns: readonly FeatureColumn[]): Record<string, string> {
  const categories = featureCategories(columns)
  return Object.keys(categories).length === 0 ? {} : { categories: JSON.stringify(categories) }
}

/** The one-hot categories of `columns` (column to values, in feature order), as a model file's `categories` metadata holds them. */
export function featureCategories(columns: readonly FeatureColumn[]): Record<string, string[]> {
  return Object.fromEntries(columns.filter((feature) => feature.values !== undefined).map((feature) => [feature.column, [...feature.values!]]))
}

/**
 * Bounds scaling of feature columns under DP: a number column by its declared `min`/`max` (refused
 * without, `dp-missing-bounds`), each one-hot feature by [0, 1] (a 0/1 value is bounded by
 * construction, so nothing is read from the data).
 */
export function featureBoundsScaling(schema: DatasetSchema, columns: readonly FeatureColumn[]): { kind: 'bounds'; min: number[]; max: number[] } {
  const numbers = boundsScaling(
    schema,
    columns.filter((feature) => feature.values === undefined).map((feature) => feature.column),
  )
  const min: number[] = []
  const max: number[] = []
  let next = 0
  for (const feature of columns) {
    if (feature.values === undefined) {
      min.push(numbers.min[next]!)
      max.push(numbers.max[next++]!)
    } else
      for (let v = 0; v < feature.values.length; v++) {
        min.push(0)
        max.push(1)
      }
  }
  return { kind: 'bounds', min, max }
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
