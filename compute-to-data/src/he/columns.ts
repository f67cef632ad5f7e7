import { type DatasetSchema, TrainerParametersError } from '@datavault/sdk'
import { type HeReleaseDp, heReleaseDpSchema, heReleaseMaxColumns } from '@datavault/sdk/he'
import type { z } from 'zod'
import type { TrainerPrivacy } from '../trainers/definition.ts'

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
  const total = chosen.length + (exclude === undefined ? 0 : 1)
  if (total > heReleaseMaxColumns)
    throw new TrainerParametersError('bad-parameters', `One HE job releases at most ${heReleaseMaxColumns} columns' statistics (${total} asked): name fewer.`)
  return chosen
}

/**
 * The DP noise a homomorphic job asks for (`params.dp`: `noiseMultiplier` σ/Δ and `delta`), or
 * undefined. The decrypting key holder adds Gaussian noise of σ = noiseMultiplier × Δ to every
 * released value, Δ being the release's L2 sensitivity from the owner-signed column bounds.
 */
export function heDpOf(params: unknown): HeReleaseDp | undefined {
  const dp = (params as { dp?: unknown } | undefined)?.dp
  return dp === undefined ? undefined : heReleaseDpSchema.parse(dp)
}

/**
 * The privacy a homomorphic job spends, for the node's ledger: one release of the Gaussian
 * mechanism on the whole vector of sufficient statistics (sample rate 1, one step), so the
 * accountant's ε is that of the Gaussian mechanism at σ/Δ = noiseMultiplier.
 */
export function hePrivacyOf(params: unknown): TrainerPrivacy | undefined {
  const dp = heDpOf(params)
  return dp ? { sampleRate: 1, noiseMultiplier: dp.noiseMultiplier, steps: 1, delta: dp.delta } : undefined
}
