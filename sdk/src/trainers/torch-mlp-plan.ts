import { z } from 'zod'
import type { DatasetSchema } from '../api/schemas.ts'
import { boundsScaling, categoriesMetadata, featureBoundsScaling, type FeatureColumn, featureNames, type FeatureScaling, featuresParameterSchema, type LabelClass, labelClasses, parseTrainerParameters, resolveFeatureColumns } from './dataset-columns.ts'
import {
  type DifferentialPrivacyPlan,
  differentialPrivacyMetadata,
  differentialPrivacyMetricNames,
  differentialPrivacyParametersSchema,
  planDifferentialPrivacy,
} from './differential-privacy.ts'
import { TrainerParametersError } from './errors.ts'
import { planValidation, resolveValidationFraction, validationFractionSchema } from './validation.ts'
import type { MlpLayer } from './mlp-classifier-plan.ts'

/** Id of the built-in PyTorch MLP trainer. */
export const torchMlpTrainerId = 'torch-mlp'
/**
 * Version of the built-in PyTorch MLP trainer this SDK reads and plans for. 1.1.0: category
 * features one-hot (`categories` metadata), held-out validation by default.
 */
export const torchMlpTrainerVersion = '1.1.0'
/** Most weights and biases a torch-mlp network may have (16 MiB of F32). */
export const torchMlpMaxParameters = 4 * 1024 * 1024

/** Parameters of the torch-mlp trainer; defaults are filled in on parse. */
export const torchMlpParametersSchema = z
  .object({
    label: z.string().min(1).max(128).describe('The label: a category column (classification, softmax) or a number column (regression, squared error).'),
    features: featuresParameterSchema,
    hidden: z.array(z.number().int().min(1).max(1024)).min(1).max(4).default([32]).describe('Widths of the hidden ReLU layers: one to four layers of 1 to 1024 units.'),
    epochs: z.number().int().min(1).max(1000).default(50).describe('Passes over the training rows.'),
    learningRate: z.number().positive().max(10).default(0.01).describe("The optimizer's step size."),
    optimizer: z.enum(['adam', 'sgd']).default('adam').describe('adam (β 0.9, 0.999) or plain sgd.'),
    l2: z.number().min(0).max(100).default(0).describe('L2 penalty on the weights (not the biases), added to the gradient.'),
    batchSize: z.number().int().min(1).max(1_000_000).default(64).describe('Rows per mini-batch; under dp, the expected batch size of Poisson sampling.'),
    seed: z.number().int().min(0).max(0xffff_ffff).default(0).describe("Seed of the initial weights and the shuffling order (under dp, batches and noise come from the OS's CSPRNG)."),
    dp: differentialPrivacyParametersSchema.optional(),
    validationFraction: validationFractionSchema,
  })
  .strict()

/** Parameters as a buyer writes them. */
export type TorchMlpParametersInput = z.input<typeof torchMlpParametersSchema>
/** Parameters with defaults filled in. */
export type TorchMlpParameters = z.output<typeof torchMlpParametersSchema>

/** Metrics of a torch-mlp classification run without `dp`. */
export const torchMlpClassificationMetricNames: readonly string[] = ['loss', 'accuracy', 'rows', 'epochs']
/** Metrics of a torch-mlp regression run without `dp`: training MSE in the label's units, R², rows, epochs. */
export const torchMlpRegressionMetricNames: readonly string[] = ['loss', 'r2', 'rows', 'epochs']

/** What a torch-mlp run on a dataset will produce, derived from schema and parameters only. */
export type TorchMlpPlan = {
  /** `classification` for a category label, `regression` for a number label. */
  task: 'classification' | 'regression'
  label: string
  /** The label's classes (classification only). */
  classes?: LabelClass[] | undefined
  /** The columns read: number columns, and category columns one-hot encoded. */
  featureColumns: FeatureColumn[]
  /** The model's features, in the order its weights use them: a number column's name, or `column=value` (one-hot). */
  features: string[]
  /** Hidden layers (ReLU) then the output layer: one output per class, or one output. */
  layers: MlpLayer[]
  parameterCount: number
  scaling: FeatureScaling
  /** How the regression target is scaled while training (regression only). */
  labelScaling?: FeatureScaling | undefined
  privacy?: DifferentialPrivacyPlan | undefined
  metrics: string[]
  /** Why a run without `validationFraction` holds nothing out on this dataset (too few declared rows); the model file's `validation` metadata. */
  validationNote?: string | undefined
  params: TorchMlpParameters
}

/**
 * Checks parameters against a dataset's schema and derives the network: `layer0` … `layer{H}`, H
 * hidden ReLU layers then an output layer (a softmax over the classes for a category label, one
 * linear output for a number label). Refuses more than {@link torchMlpMaxParameters} parameters.
 * The Python trainer (`train.py`) derives the same plan inside the sandbox.
 *
 * @example
 * const plan = planTorchMlp(schema, { label: 'price', hidden: [64, 32] })
 * plan.task // 'regression'
 * plan.layers.at(-1) // { name: 'layer2', inputs: 32, outputs: 1 }
 */
export function planTorchMlp(schema: DatasetSchema, parameters: unknown): TorchMlpPlan {
  const params = parseTrainerParameters(torchMlpParametersSchema, parameters)
  const validation = resolveValidationFraction(schema, params.validationFraction)
  const label = schema.columns.find((column) => column.name === params.label)
  if (label === undefined) throw new TrainerParametersError('missing-column', `The label column ${JSON.stringify(params.label)} is not in the schema.`)
  let task: TorchMlpPlan['task']
  let classes: LabelClass[] | undefined
  if (label.type === 'category') {
    task = 'classification'
    classes = labelClasses(schema, params.label)
  } else if (label.type === 'number') task = 'regression'
  else
    throw new TrainerParametersError(
      'bad-label',
      `The label column ${JSON.stringify(params.label)} must be a number column or a category column with at least two values.`,
    )
  const featureColumns = resolveFeatureColumns(schema, params.label, params.features)
  const features = featureNames(featureColumns)
  const widths = [features.length, ...params.hidden, classes?.length ?? 1]
  const layers = widths.slice(1).map((outputs, i) => ({ name: `layer${i}`, inputs: widths[i]!, outputs }))
  const parameterCount = layers.reduce((sum, layer) => sum + layer.outputs * (layer.inputs + 1), 0)
  if (parameterCount > torchMlpMaxParameters)
    throw new TrainerParametersError('model-too-large', `The network has ${parameterCount} parameters; at most ${torchMlpMaxParameters} are allowed.`)
  const privacy = params.dp === undefined ? undefined : planDifferentialPrivacy(schema, { dp: params.dp, batchSize: params.batchSize, epochs: params.epochs })
  const standardize: FeatureScaling = { kind: 'standardize' }
  return {
    task,
    label: params.label,
    classes,
    featureColumns,
    features,
    layers,
    parameterCount,
    scaling: privacy === undefined ? standardize : featureBoundsScaling(schema, featureColumns),
    labelScaling: task === 'classification' ? undefined : privacy === undefined ? standardize : boundsScaling(schema, [params.label]),
    privacy,
    metrics: [
      ...(privacy !== undefined ? differentialPrivacyMetricNames : task === 'classification' ? torchMlpClassificationMetricNames : torchMlpRegressionMetricNames),
      ...planValidation(validation.fraction, params.dp, task),
    ],
    params: { ...params, validationFraction: validation.fraction },
    validationNote: validation.note,
  }
}

/** The `__metadata__` of a torch-mlp model file for `plan`: exactly these keys and values. */
export function torchMlpMetadata(plan: TorchMlpPlan): Record<string, string> {
  return {
    trainer: torchMlpTrainerId,
    version: torchMlpTrainerVersion,
    task: plan.task,
    label: plan.label,
    features: JSON.stringify(plan.features),
    ...categoriesMetadata(plan.featureColumns),
    ...(plan.classes === undefined ? {} : { classes: JSON.stringify(plan.classes) }),
    hidden: JSON.stringify(plan.params.hidden),
    activation: 'relu',
    ...differentialPrivacyMetadata(plan.privacy),
    ...(plan.validationNote === undefined ? {} : { validation: plan.validationNote }),
  }
}

/**
 * The tensors of a torch-mlp model file for `plan` (all F32): each layer's `weight` [out, in] and
 * `bias` [out], `feature_mean` / `feature_std` [D], and for regression `target_mean` / `target_std` [1].
 */
export function torchMlpTensors(plan: TorchMlpPlan): { name: string; shape: number[] }[] {
  const d = plan.features.length
  return [
    ...plan.layers.flatMap((layer) => [
      { name: `${layer.name}.weight`, shape: [layer.outputs, layer.inputs] },
      { name: `${layer.name}.bias`, shape: [layer.outputs] },
    ]),
    { name: 'feature_mean', shape: [d] },
    { name: 'feature_std', shape: [d] },
    ...(plan.task === 'regression' ? [{ name: 'target_mean', shape: [1] }, { name: 'target_std', shape: [1] }] : []),
  ]
}
