import { z } from 'zod'
import type { DatasetSchema } from '../api/schemas.ts'

/** The share held out when a job does not set `validationFraction` and the dataset is large enough. */
export const defaultValidationFractionValue = 0.2
/** Fewest training rows a default split must leave (with 0.2 held out: a schema declaring at least 63 rows). */
export const minimumTrainingRows = 50

/**
 * The `validationFraction` a run uses: the job's own, or by default
 * {@link defaultValidationFractionValue} when the schema declares its rows and at least
 * {@link minimumTrainingRows} remain to train on; otherwise 0, with a `note` saying why (the model
 * file's `validation` metadata carries it when the schema declares too few rows).
 *
 * @example
 * resolveValidationFraction({ format: 'csv', rows: 569, columns }, undefined) // { fraction: 0.2 }
 * resolveValidationFraction({ format: 'csv', rows: 40, columns }, undefined).note // 'no validation split: …'
 */
export function resolveValidationFraction(schema: DatasetSchema, fraction: number | undefined): { fraction: number; note?: string | undefined } {
  if (fraction !== undefined) return { fraction }
  const rows = schema.rows
  if (rows === undefined) return { fraction: 0 }
  if (rows - Math.round(defaultValidationFractionValue * rows) >= minimumTrainingRows) return { fraction: defaultValidationFractionValue }
  return {
    fraction: 0,
    note: `no validation split: the schema declares ${rows} rows, and holding out ${defaultValidationFractionValue} of them would leave fewer than ${minimumTrainingRows} to train on; set validationFraction to hold out rows anyway`,
  }
}

/**
 * The `validationFraction` parameter: the share of rows a run holds out (chosen by a permutation
 * seeded by `seed`, so a run can be reproduced; under `dp`, row by row by a seeded hash) and scores
 * the trained model on instead of training on it. 0 holds out nothing. Under `dp` the scores are
 * released with noise.
 */
export const validationFractionSchema = z
  .number()
  .min(0)
  .max(0.5)
  .optional()
  .describe(
    `Share of rows held out (seeded by seed) to score the trained model on: adds validationRows, validationLoss and validationAccuracy (or validationR2); 0 holds out nothing; default ${defaultValidationFractionValue} when the schema declares rows and at least ${minimumTrainingRows} are left to train on, else 0; under dp the scores are noised and the job's ε is unchanged.`,
  )

/** The metrics a run with a validation split adds, for a classifier or a regression. */
export function validationMetricNames(task: 'classification' | 'regression'): string[] {
  return ['validationRows', 'validationLoss', task === 'classification' ? 'validationAccuracy' : 'validationR2']
}

/** Every validation metric name any built-in trainer may write. */
export const allValidationMetricNames: readonly string[] = ['validationRows', 'validationLoss', 'validationAccuracy', 'validationR2']

/**
 * The validation metrics of a plan: none for a fraction of 0. Under `dp` the same names, released
 * with noise: the split is row by row and the scores go through one epoch of the job's own sampled
 * Gaussian mechanism, so they compose in parallel with the training and the job's ε is unchanged
 * (see the trainers README).
 */
export function planValidation(fraction: number, _dp: unknown, task: 'classification' | 'regression'): string[] {
  if (fraction === 0) return []
  return validationMetricNames(task)
}
