import { z } from 'zod'
import type { DatasetSchema } from '../api/schemas.ts'
import { categoriesMetadata, featureBoundsScaling, type FeatureColumn, featureNames, type FeatureScaling, featuresParameterSchema, type LabelClass, labelClasses, parseTrainerParameters, resolveFeatureColumns } from './dataset-columns.ts'
import {
  type DifferentialPrivacyPlan,
  differentialPrivacyMetadata,
  differentialPrivacyMetricNames,
  differentialPrivacyParametersSchema,
  planDifferentialPrivacy,
} from './differential-privacy.ts'
import { TrainerParametersError } from './errors.ts'
import { planValidation, resolveValidationFraction, validationFractionSchema } from './validation.ts'

/** Id of the built-in logistic-regression trainer. */
export const logisticRegressionTrainerId = 'logistic-regression'
/**
 * Version of the built-in logistic-regression trainer this SDK reads and plans for. 1.1.0 added
 * `dp`; 1.2.0 category features one-hot (`categories` metadata), held-out validation by default.
 */
export const logisticRegressionTrainerVersion = '1.2.0'

/** Parameters of the logistic-regression trainer; defaults are filled in on parse. */
export const logisticRegressionParametersSchema = z
  .object({
    label: z.string().min(1).max(128).describe('The label column: a category column, or a number column whose declared min and max are integers (classes min … max).'),
    features: featuresParameterSchema,
    epochs: z.number().int().min(1).max(1000).default(50).describe('Passes over the training rows (sgd and dp only).'),
    learningRate: z.number().positive().max(100).default(0.1).describe('Step size of gradient descent (sgd and dp only).'),
    l2: z.number().min(0).max(100).default(0).describe('L2 penalty on the weights (not the bias), on standardized features.'),
    batchSize: z.number().int().min(1).max(1_000_000).default(64).describe('Rows per mini-batch; under dp, the expected batch size of Poisson sampling.'),
    seed: z.number().int().min(0).max(0xffff_ffff).default(0).describe('Seed of the shuffling order, so a run can be reproduced (under dp, batches and noise come from a CSPRNG instead).'),
    dp: differentialPrivacyParametersSchema.optional(),
    validationFraction: validationFractionSchema,
    solver: z
      .enum(['full-batch', 'sgd'])
      .optional()
      .describe(
        'Without dp: full-batch (L-BFGS on the mean cross-entropy plus L2; the default; epochs, learningRate, batchSize and seed do not apply) or sgd (mini-batch epochs). Under dp the fit is DP-SGD and full-batch is refused.',
      ),
  })
  .strict()

/** Parameters as a buyer writes them. */
export type LogisticRegressionParametersInput = z.input<typeof logisticRegressionParametersSchema>
/** Parameters with defaults filled in. */
export type LogisticRegressionParameters = z.output<typeof logisticRegressionParametersSchema>

/** Metrics of a logistic-regression run without `dp`. */
export const logisticRegressionMetricNames: readonly string[] = ['loss', 'accuracy', 'rows', 'epochs']

/** What a logistic-regression run on a dataset will produce, derived from schema and parameters only. */
export type LogisticRegressionPlan = {
  label: string
  /** Class names, in the order the schema declares them; the model's class indices. */
  classes: LabelClass[]
  /** The columns read: number columns, and category columns one-hot encoded. */
  featureColumns: FeatureColumn[]
  /** The model's features, in the order its weights use them: a number column's name, or `column=value` (one-hot). */
  features: string[]
  task: 'binary' | 'multiclass'
  /** Rows of the weight matrix: 1 for binary (the logit of `classes[1]`), else one per class. */
  outputs: number
  /** Standardize by the data, or (under `dp`) scale and clip by the schema's bounds. */
  scaling: FeatureScaling
  /** The DP-SGD the run does, when `dp` is set. */
  privacy?: DifferentialPrivacyPlan | undefined
  /** Names of the metrics the run writes. */
  metrics: string[]
  /** Why a run without `validationFraction` holds nothing out on this dataset (too few declared rows); the model file's `validation` metadata. */
  validationNote?: string | undefined
  params: LogisticRegressionParameters
}

/**
 * Checks parameters against a dataset's schema and derives what the run will produce: the label's
 * classes, the feature columns, the weight shapes and, under `dp`, the DP-SGD steps. The trainer
 * and the node's output declaration both use it, so what is declared is exactly what is trained.
 *
 * @example
 * const plan = planLogisticRegression(schema, { label: 'species' })
 * plan.outputs // 3 for a three-class label
 */
export function planLogisticRegression(schema: DatasetSchema, parameters: unknown): LogisticRegressionPlan {
  const params = parseTrainerParameters(logisticRegressionParametersSchema, parameters)
  const validation = resolveValidationFraction(schema, params.validationFraction)
  const classes = labelClasses(schema, params.label)
  if (params.dp !== undefined && params.solver === 'full-batch')
    throw new TrainerParametersError('bad-parameters', 'Under `dp` the fit is DP-SGD: the `full-batch` solver is not allowed.')
  const featureColumns = resolveFeatureColumns(schema, params.label, params.features)
  const features = featureNames(featureColumns)
  const privacy = params.dp === undefined ? undefined : planDifferentialPrivacy(schema, { dp: params.dp, batchSize: params.batchSize, epochs: params.epochs })
  const scaling: FeatureScaling = privacy === undefined ? { kind: 'standardize' } : featureBoundsScaling(schema, featureColumns)

  const task = classes.length === 2 ? 'binary' : 'multiclass'
  return {
    label: params.label,
    classes,
    featureColumns,
    features,
    task,
    outputs: task === 'binary' ? 1 : classes.length,
    scaling,
    privacy,
    metrics: [...(privacy === undefined ? logisticRegressionMetricNames : differentialPrivacyMetricNames), ...planValidation(validation.fraction, params.dp, 'classification')],
    params: { ...params, validationFraction: validation.fraction },
    validationNote: validation.note,
  }
}

/** The `__metadata__` of a logistic-regression model file for `plan`: exactly these keys and values. */
export function logisticRegressionMetadata(plan: LogisticRegressionPlan): Record<string, string> {
  return {
    trainer: logisticRegressionTrainerId,
    version: logisticRegressionTrainerVersion,
    task: plan.task,
    classes: JSON.stringify(plan.classes),
    features: JSON.stringify(plan.features),
    ...categoriesMetadata(plan.featureColumns),
    ...differentialPrivacyMetadata(plan.privacy),
    ...(plan.validationNote === undefined ? {} : { validation: plan.validationNote }),
  }
}
