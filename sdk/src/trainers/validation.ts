import { z } from 'zod'

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
  .default(0)
  .describe(
    'Share of rows held out (seeded by seed) to score the trained model on: adds validationRows, validationLoss and validationAccuracy (or validationR2); 0 holds out nothing; under dp the scores are noised and the job\'s ε is unchanged.',
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
