import type { z } from 'zod'
import type { DatasetSchema } from '../api/schemas.ts'
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
