import { z } from 'zod'
import type { DatasetSchema } from '../api/schemas.ts'
import { TrainerParametersError } from './errors.ts'

/** Id of the built-in logistic-regression trainer. */
export const logisticRegressionTrainerId = 'logistic-regression'
/** Version of the built-in logistic-regression trainer this SDK reads and plans for. */
export const logisticRegressionTrainerVersion = '1.0.0'

/** Parameters of the logistic-regression trainer; defaults are filled in on parse. */
export const logisticRegressionParametersSchema = z
  .object({
    /** The label column: a `category` column of the dataset's schema. */
    label: z.string().min(1).max(128),
    /** Feature columns (`number` columns); default: every number column except the label. */
    features: z.array(z.string().min(1).max(128)).min(1).max(10_000).optional(),
    epochs: z.number().int().min(1).max(1000).default(50),
    learningRate: z.number().positive().max(100).default(0.1),
    /** L2 penalty on the weights (not the bias). */
    l2: z.number().min(0).max(100).default(0),
    batchSize: z.number().int().min(1).max(1_000_000).default(64),
    /** Seed of the shuffling order, so a run can be reproduced. */
    seed: z.number().int().min(0).max(0xffff_ffff).default(0),
  })
  .strict()

/** Parameters as a buyer writes them. */
export type LogisticRegressionParametersInput = z.input<typeof logisticRegressionParametersSchema>
/** Parameters with defaults filled in. */
export type LogisticRegressionParameters = z.output<typeof logisticRegressionParametersSchema>

/** What a logistic-regression run on a dataset will produce, derived from schema and parameters only. */
export type LogisticRegressionPlan = {
  label: string
  /** Class names, in the order the schema declares them; the model's class indices. */
  classes: string[]
  /** Feature columns, in the order the model's weights use them. */
  features: string[]
  task: 'binary' | 'multiclass'
  /** Rows of the weight matrix: 1 for binary (the logit of `classes[1]`), else one per class. */
  outputs: number
  params: LogisticRegressionParameters
}

/**
 * Checks parameters against a dataset's schema and derives what the run will produce: the label's
 * classes, the feature columns, and the weight shapes. The trainer and the node's output
 * declaration both use it, so what is declared is exactly what is trained.
 *
 * @example
 * const plan = planLogisticRegression(schema, { label: 'species' })
 * plan.outputs // 3 for a three-class label
 */
export function planLogisticRegression(schema: DatasetSchema, parameters: unknown): LogisticRegressionPlan {
  const parsed = logisticRegressionParametersSchema.safeParse(parameters)
  if (!parsed.success) {
    const paths = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)')
    throw new TrainerParametersError('bad-parameters', `Invalid parameters at: ${[...new Set(paths)].join(', ')}.`)
  }
  const params = parsed.data
  const columns = new Map(schema.columns.map((column) => [column.name, column]))
  const label = columns.get(params.label)
  if (label === undefined) throw new TrainerParametersError('missing-column', `The label column ${JSON.stringify(params.label)} is not in the schema.`)
  if (label.type !== 'category' || label.values.length < 2)
    throw new TrainerParametersError('bad-label', `The label column ${JSON.stringify(params.label)} must be a category column with at least two values.`)

  let features: string[]
  if (params.features === undefined) {
    features = schema.columns.filter((column) => column.type === 'number' && column.name !== params.label).map((column) => column.name)
  } else {
    features = params.features
    if (new Set(features).size !== features.length) throw new TrainerParametersError('duplicate-feature', 'A feature column is listed twice.')
    for (const name of features) {
      const column = columns.get(name)
      if (column === undefined) throw new TrainerParametersError('missing-column', `The feature column ${JSON.stringify(name)} is not in the schema.`)
      if (column.type !== 'number' || name === params.label) throw new TrainerParametersError('bad-feature', `The feature column ${JSON.stringify(name)} is not a number column.`)
    }
  }
  if (features.length === 0) throw new TrainerParametersError('no-numeric-features', 'The dataset has no number column to use as a feature.')

  const classes = [...label.values]
  const task = classes.length === 2 ? 'binary' : 'multiclass'
  return { label: params.label, classes, features, task, outputs: task === 'binary' ? 1 : classes.length, params }
}

/** The `__metadata__` of a logistic-regression model file for `plan`: exactly these keys and values. */
export function logisticRegressionMetadata(plan: LogisticRegressionPlan): Record<string, string> {
  return {
    trainer: logisticRegressionTrainerId,
    version: logisticRegressionTrainerVersion,
    task: plan.task,
    classes: JSON.stringify(plan.classes),
    features: JSON.stringify(plan.features),
  }
}
