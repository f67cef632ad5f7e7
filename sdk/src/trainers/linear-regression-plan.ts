import { z } from 'zod'
import type { DatasetSchema } from '../api/schemas.ts'
import { boundsScaling, categoriesMetadata, featureBoundsScaling, type FeatureColumn, featureNames, type FeatureScaling, featuresParameterSchema, parseTrainerParameters, resolveFeatureColumns } from './dataset-columns.ts'
import {
  type DifferentialPrivacyPlan,
  differentialPrivacyMetadata,
  differentialPrivacyMetricNames,
  differentialPrivacyParametersSchema,
  planDifferentialPrivacy,
} from './differential-privacy.ts'
import { TrainerParametersError } from './errors.ts'
import { planValidation, resolveValidationFraction, validationFractionSchema } from './validation.ts'

/** Id of the built-in linear-regression trainer. */
export const linearRegressionTrainerId = 'linear-regression'
/**
 * Version of the built-in linear-regression trainer this SDK reads and plans for. 1.1.0: category
 * features one-hot (`categories` metadata), held-out validation by default.
 */
export const linearRegressionTrainerVersion = '1.1.0'

/** Parameters of the linear-regression trainer; defaults are filled in on parse. */
export const linearRegressionParametersSchema = z
  .object({
    label: z.string().min(1).max(128).describe('The target column: a number column.'),
    features: featuresParameterSchema,
    epochs: z.number().int().min(1).max(1000).default(50).describe('Passes over the training rows (sgd and dp only).'),
    learningRate: z.number().positive().max(100).default(0.05).describe('Step size of gradient descent (sgd and dp only).'),
    l2: z.number().min(0).max(100).default(0).describe('L2 penalty on the weights (ridge regression when > 0), on the scaled features and target.'),
    batchSize: z.number().int().min(1).max(1_000_000).default(64).describe('Rows per mini-batch; under dp, the expected batch size of Poisson sampling.'),
    seed: z.number().int().min(0).max(0xffff_ffff).default(0).describe('Seed of the shuffling order (under dp, batches and noise come from a CSPRNG instead).'),
    dp: differentialPrivacyParametersSchema.optional(),
    validationFraction: validationFractionSchema,
    solver: z
      .enum(['full-batch', 'sgd'])
      .optional()
      .describe(
        'Without dp: full-batch (the normal equations, solved exactly; the default; epochs, learningRate, batchSize and seed do not apply) or sgd (mini-batch epochs). Under dp the fit is DP-SGD and full-batch is refused.',
      ),
  })
  .strict()

/** Parameters as a buyer writes them. */
export type LinearRegressionParametersInput = z.input<typeof linearRegressionParametersSchema>
/** Parameters with defaults filled in. */
export type LinearRegressionParameters = z.output<typeof linearRegressionParametersSchema>

/** Metrics of a linear-regression run without `dp`: training MSE (in the label's units), R², rows, epochs. */
export const linearRegressionMetricNames: readonly string[] = ['loss', 'r2', 'rows', 'epochs']

/** What a linear-regression run on a dataset will produce, derived from schema and parameters only. */
export type LinearRegressionPlan = {
  label: string
  /** The columns read: number columns, and category columns one-hot encoded. */
  featureColumns: FeatureColumn[]
  /** The model's features, in the order its weights use them: a number column's name, or `column=value` (one-hot). */
  features: string[]
  /** Standardize the features by the data, or (under `dp`) scale and clip by the schema's bounds. */
  scaling: FeatureScaling
  /** The same for the target while training; the written weights predict in the label's own units. */
  labelScaling: FeatureScaling
  privacy?: DifferentialPrivacyPlan | undefined
  metrics: string[]
  /** Why a run without `validationFraction` holds nothing out on this dataset (too few declared rows); the model file's `validation` metadata. */
  validationNote?: string | undefined
  params: LinearRegressionParameters
}

/**
 * Checks parameters against a dataset's schema: the label must be a `number` column; under `dp`
 * the schema must declare `rows` and bounds on the label and every feature.
 *
 * @example
 * const plan = planLinearRegression(schema, { label: 'price', l2: 0.01 })
 * plan.features // every other number column
 */
export function planLinearRegression(schema: DatasetSchema, parameters: unknown): LinearRegressionPlan {
  const params = parseTrainerParameters(linearRegressionParametersSchema, parameters)
  const validation = resolveValidationFraction(schema, params.validationFraction)
  const label = schema.columns.find((column) => column.name === params.label)
  if (label === undefined) throw new TrainerParametersError('missing-column', `The label column ${JSON.stringify(params.label)} is not in the schema.`)
  if (label.type !== 'number') throw new TrainerParametersError('bad-label', `The label column ${JSON.stringify(params.label)} must be a number column.`)
  if (params.dp !== undefined && params.solver === 'full-batch')
    throw new TrainerParametersError('bad-parameters', 'Under `dp` the fit is DP-SGD: the `full-batch` solver is not allowed.')
  const featureColumns = resolveFeatureColumns(schema, params.label, params.features)
  const features = featureNames(featureColumns)
  const privacy = params.dp === undefined ? undefined : planDifferentialPrivacy(schema, { dp: params.dp, batchSize: params.batchSize, epochs: params.epochs })
  const standardize: FeatureScaling = { kind: 'standardize' }
  return {
    label: params.label,
    featureColumns,
    features,
    scaling: privacy === undefined ? standardize : featureBoundsScaling(schema, featureColumns),
    labelScaling: privacy === undefined ? standardize : boundsScaling(schema, [params.label]),
    privacy,
    metrics: [...(privacy === undefined ? linearRegressionMetricNames : differentialPrivacyMetricNames), ...planValidation(validation.fraction, params.dp, 'regression')],
    params: { ...params, validationFraction: validation.fraction },
    validationNote: validation.note,
  }
}

/** The `__metadata__` of a linear-regression model file for `plan`: exactly these keys and values. */
export function linearRegressionMetadata(plan: LinearRegressionPlan): Record<string, string> {
  return {
    trainer: linearRegressionTrainerId,
    version: linearRegressionTrainerVersion,
    label: plan.label,
    features: JSON.stringify(plan.features),
    ...categoriesMetadata(plan.featureColumns),
    ...differentialPrivacyMetadata(plan.privacy),
    ...(plan.validationNote === undefined ? {} : { validation: plan.validationNote }),
  }
}
