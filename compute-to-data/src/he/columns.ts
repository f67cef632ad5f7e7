import { type DatasetSchema, TrainerParametersError } from '@datavault/sdk'
import type { z } from 'zod'

/** Parses a homomorphic trainer's parameters; a mismatch is a `TrainerParametersError` naming the field. */
export function parseHeParameters<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new TrainerParametersError('bad-parameters', `Invalid parameters${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}.`)
  }
  return parsed.data
}

/**
 * The encrypted columns a job reads: `wanted` (each a number column, none twice, not `exclude`),
 * or every number column but `exclude`. An HE dataset encrypts exactly its number columns.
 */
export function heNumberColumns(schema: DatasetSchema, wanted: readonly string[] | undefined, exclude?: string): string[] {
  const numeric = schema.columns.filter((column) => column.type === 'number' && column.name !== exclude).map((column) => column.name)
  const chosen = wanted ? [...wanted] : numeric
  if (new Set(chosen).size !== chosen.length) throw new TrainerParametersError('duplicate-feature', 'A column is listed twice.')
  for (const name of chosen)
    if (!numeric.includes(name)) throw new TrainerParametersError('bad-feature', `The column ${JSON.stringify(name)} is not an encrypted number column here.`)
  if (chosen.length === 0) throw new TrainerParametersError('no-numeric-features', 'The dataset has no number column to use.')
  return chosen
}
