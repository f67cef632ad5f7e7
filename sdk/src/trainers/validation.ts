import { z } from 'zod'
import { TrainerParametersError } from './errors.ts'

/**
 * The `validationFraction` parameter: the share of rows a run holds out (chosen by a permutation
 * seeded by `seed`, so a run can be reproduced) and scores the trained model on instead of
 * training on it. 0 (the default) holds out nothing. Not available under `dp` yet.
 */
export const validationFractionSchema = z
  .number()
  .min(0)
  .max(0.5)
  .default(0)
  .describe(
    'Share of rows held out (seeded by seed) to score the trained model on: adds validationRows, validationLoss and validationAccuracy (or validationR2); 0 holds out nothing; not with dp.',
  )

/** The metrics a run with a validation split adds, for a classifier or a regression. */
export function validationMetricNames(task: 'classification' | 'regression'): string[] {
  return ['validationRows', 'validationLoss', task === 'classification' ? 'validationAccuracy' : 'validationR2']
}

/** Every validation metric name any built-in trainer may write. */
export const allValidationMetricNames: readonly string[] = ['validationRows', 'validationLoss', 'validationAccuracy', 'validationR2']

/**
 * The validation metrics of a plan: none for a fraction of 0; refused (`bad-parameters`) under
 * `dp`, where releasing them would need their own noise and accounting.
 */
export function planValidation(fraction: number, dp: unknown, task: 'classification' | 'regression'): string[] {
  if (fraction === 0) return []
  if (dp !== undefined)
    throw new TrainerParametersError('bad-parameters', 'validationFraction is not available with dp: validation metrics would be released without privacy. Leave it out (0).')
  return validationMetricNames(task)
}
