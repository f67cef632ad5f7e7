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

/** Id of the built-in MLP-classifier trainer. */
export const mlpClassifierTrainerId = 'mlp-classifier'
/**
 * Version of the built-in MLP-classifier trainer this SDK reads and plans for. 1.1.0: category
 * features one-hot (`categories` metadata), held-out validation by default, float32 batched products.
 */
export const mlpClassifierTrainerVersion = '1.1.0'
/** Most weights and biases an MLP may have (16 MiB of F32). */
export const mlpClassifierMaxParameters = 4 * 1024 * 1024

/** Parameters of the MLP-classifier trainer; defaults are filled in on parse. */
export const mlpClassifierParametersSchema = z
  .object({
    label: z.string().min(1).max(128).describe('The label column: a category column, or a number column whose declared min and max are integers (classes min … max).'),
    features: featuresParameterSchema,
    hidden: z.array(z.number().int().min(1).max(1024)).min(1).max(2).default([32]).describe('Widths of the hidden ReLU layers: one or two layers of 1 to 1024 units.'),
    epochs: z.number().int().min(1).max(1000).default(50).describe('Passes over the training rows.'),
    learningRate: z.number().positive().max(10).default(0.01).describe("Adam's step size."),
    l2: z.number().min(0).max(100).default(0).describe('L2 penalty on the weights (not the biases), added to the gradient before Adam.'),
    batchSize: z.number().int().min(1).max(1_000_000).default(64).describe('Rows per mini-batch; under dp, the expected batch size of Poisson sampling.'),
    seed: z.number().int().min(0).max(0xffff_ffff).default(0).describe('Seed of the initial weights and the shuffling order (under dp, batches and noise come from a CSPRNG).'),
    dp: differentialPrivacyParametersSchema.optional(),
    validationFraction: validationFractionSchema,
  })
  .strict()

/** Parameters as a buyer writes them. */
export type MlpClassifierParametersInput = z.input<typeof mlpClassifierParametersSchema>
/** Parameters with defaults filled in. */
export type MlpClassifierParameters = z.output<typeof mlpClassifierParametersSchema>

/** Metrics of an MLP-classifier run without `dp`. */
export const mlpClassifierMetricNames: readonly string[] = ['loss', 'accuracy', 'rows', 'epochs']

/** One dense layer: tensors `${name}.weight` [outputs, inputs] and `${name}.bias` [outputs]. */
export type MlpLayer = { name: string; inputs: number; outputs: number }

/** What an MLP-classifier run on a dataset will produce, derived from schema and parameters only. */
export type MlpClassifierPlan = {
  label: string
  classes: LabelClass[]
  /** The columns read: number columns, and category columns one-hot encoded. */
  featureColumns: FeatureColumn[]
  /** The model's features, in the order its weights use them: a number column's name, or `column=value` (one-hot). */
  features: string[]
  /** Hidden layers (ReLU) then the output layer (softmax over `classes`). */
  layers: MlpLayer[]
  /** Weights and biases of all layers. */
  parameterCount: number
  scaling: FeatureScaling
  privacy?: DifferentialPrivacyPlan | undefined
  metrics: string[]
  /** Why a run without `validationFraction` holds nothing out on this dataset (too few declared rows); the model file's `validation` metadata. */
  validationNote?: string | undefined
  params: MlpClassifierParameters
}

/**
 * Checks parameters against a dataset's schema and derives the network: `layer0` … `layer{H}`
 * (H hidden ReLU layers, then a softmax layer with one output per class). Refuses a network of
 * more than {@link mlpClassifierMaxParameters} parameters (`model-too-large`).
 *
 * @example
 * const plan = planMlpClassifier(schema, { label: 'species', hidden: [64, 32] })
 * plan.layers // [{ name: 'layer0', inputs: 4, outputs: 64 }, { name: 'layer1', inputs: 64, outputs: 32 }, { name: 'layer2', inputs: 32, outputs: 3 }]
 */
export function planMlpClassifier(schema: DatasetSchema, parameters: unknown): MlpClassifierPlan {
  const params = parseTrainerParameters(mlpClassifierParametersSchema, parameters)
  const validation = resolveValidationFraction(schema, params.validationFraction)
  const classes = labelClasses(schema, params.label)
  const featureColumns = resolveFeatureColumns(schema, params.label, params.features)
  const features = featureNames(featureColumns)
  const widths = [features.length, ...params.hidden, classes.length]
  const layers = widths.slice(1).map((outputs, i) => ({ name: `layer${i}`, inputs: widths[i]!, outputs }))
  const parameterCount = layers.reduce((sum, layer) => sum + layer.outputs * (layer.inputs + 1), 0)
  if (parameterCount > mlpClassifierMaxParameters)
    throw new TrainerParametersError('model-too-large', `The network has ${parameterCount} parameters; at most ${mlpClassifierMaxParameters} are allowed.`)
  const privacy = params.dp === undefined ? undefined : planDifferentialPrivacy(schema, { dp: params.dp, batchSize: params.batchSize, epochs: params.epochs })
  return {
    label: params.label,
    classes,
    featureColumns,
    features,
    layers,
    parameterCount,
    scaling: privacy === undefined ? { kind: 'standardize' } : featureBoundsScaling(schema, featureColumns),
    privacy,
    metrics: [...(privacy === undefined ? mlpClassifierMetricNames : differentialPrivacyMetricNames), ...planValidation(validation.fraction, params.dp, 'classification')],
    params: { ...params, validationFraction: validation.fraction },
    validationNote: validation.note,
  }
}

/** The `__metadata__` of an MLP-classifier model file for `plan`: exactly these keys and values. */
export function mlpClassifierMetadata(plan: MlpClassifierPlan): Record<string, string> {
  return {
    trainer: mlpClassifierTrainerId,
    version: mlpClassifierTrainerVersion,
    classes: JSON.stringify(plan.classes),
    features: JSON.stringify(plan.features),
    ...categoriesMetadata(plan.featureColumns),
    hidden: JSON.stringify(plan.params.hidden),
    activation: 'relu',
    ...differentialPrivacyMetadata(plan.privacy),
    ...(plan.validationNote === undefined ? {} : { validation: plan.validationNote }),
  }
}
