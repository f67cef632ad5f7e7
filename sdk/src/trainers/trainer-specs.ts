import { z } from 'zod'
import { differentialPrivacyMetricNames } from './differential-privacy.ts'
import { validationMetricNames } from './validation.ts'
import {
  linearRegressionMetricNames,
  linearRegressionParametersSchema,
  linearRegressionTrainerId,
  linearRegressionTrainerVersion,
} from './linear-regression-plan.ts'
import {
  logisticRegressionMetricNames,
  logisticRegressionParametersSchema,
  logisticRegressionTrainerId,
  logisticRegressionTrainerVersion,
} from './logistic-regression-plan.ts'
import { mlpClassifierMetricNames, mlpClassifierParametersSchema, mlpClassifierTrainerId, mlpClassifierTrainerVersion } from './mlp-classifier-plan.ts'
import {
  torchMlpClassificationMetricNames,
  torchMlpParametersSchema,
  torchMlpRegressionMetricNames,
  torchMlpTrainerId,
  torchMlpTrainerVersion,
} from './torch-mlp-plan.ts'

/**
 * One parameter of a built-in trainer, read from its zod schema (so it cannot drift from what the
 * trainer accepts). Nested parameters are named by their path (`dp.noiseMultiplier`).
 */
export type TrainerParameterSpec = {
  /** The parameter's path: `epochs`, `dp.noiseMultiplier`. */
  name: string
  /** `integer[]` and `string[]` are lists; `enum` is one of `values`; `object` groups nested parameters. */
  type: 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'string[]' | 'integer[]' | 'number[]' | 'object'
  /** Whether a job must set it (inside an optional object: whenever that object is set). */
  required: boolean
  /** The value used when the parameter is left out (a JSON value), if there is one. */
  default?: unknown
  /** Bounds of the number, or of each item of a number list. */
  minimum?: number | undefined
  exclusiveMinimum?: number | undefined
  maximum?: number | undefined
  exclusiveMaximum?: number | undefined
  /** Length bounds of a list. */
  minItems?: number | undefined
  maxItems?: number | undefined
  /** The allowed values of an `enum`. */
  values?: string[] | undefined
  /** One line: what it does. */
  description: string
  /** Set on `dp` and its fields: they apply only to a differentially private job. */
  dp?: true | undefined
}

/** A tensor of a built-in trainer's `model.safetensors`; the shape in words (D features, K classes). */
export type TrainerTensorSpec = { name: string; shape: string; description: string }

/** The metrics a run writes to `metrics.json`, for one kind of label, with or without `dp`. */
export type TrainerMetricsSpec = {
  task: 'classification' | 'regression'
  dp: boolean
  /** Set on the metrics a run adds when `validationFraction` > 0. */
  validation?: true | undefined
  names: readonly string[]
}

/** A built-in trainer as a buyer chooses it: what it does, its parameters and what it outputs. */
export type TrainerSpec = {
  id: string
  /** The trainer version this SDK plans for and reads. */
  version: string
  description: string
  /** Which label column types it takes. */
  labels: readonly ('category' | 'number')[]
  parameters: readonly TrainerParameterSpec[]
  outputs: { tensors: readonly TrainerTensorSpec[]; metrics: readonly TrainerMetricsSpec[] }
}

type JsonSchema = {
  type?: string
  description?: string
  default?: unknown
  enum?: unknown[]
  minimum?: number
  exclusiveMinimum?: number
  maximum?: number
  exclusiveMaximum?: number
  minItems?: number
  maxItems?: number
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  required?: string[]
}

/**
 * The parameters of a zod object schema as data: each field's type, bounds, default and
 * description (from `.describe()`), nested objects flattened after their own entry. A field
 * without a description is an error, so every listed parameter says what it does.
 *
 * @example
 * trainerParameterSpecs(logisticRegressionParametersSchema).find((p) => p.name === 'epochs')
 * // { name: 'epochs', type: 'integer', required: false, default: 50, minimum: 1, maximum: 1000, description: 'Passes over …' }
 */
export function trainerParameterSpecs(schema: z.ZodType): TrainerParameterSpec[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as JsonSchema
  const specs: TrainerParameterSpec[] = []
  const walk = (object: JsonSchema, prefix: string, inDp: boolean) => {
    for (const [key, field] of Object.entries(object.properties ?? {})) {
      const name = `${prefix}${key}`
      const dp = inDp || name === 'dp'
      if (field.description === undefined) throw new Error(`The trainer parameter ${name} has no description.`)
      specs.push({
        name,
        type: typeOf(field, name),
        required: (object.required ?? []).includes(key),
        ...(field.default === undefined ? {} : { default: field.default }),
        ...bounds(field.type === 'array' ? (field.items ?? {}) : field),
        ...(field.minItems === undefined ? {} : { minItems: field.minItems }),
        ...(field.maxItems === undefined ? {} : { maxItems: field.maxItems }),
        ...(field.enum === undefined ? {} : { values: field.enum.map(String) }),
        description: field.description,
        ...(dp ? { dp: true as const } : {}),
      })
      if (field.type === 'object') walk(field, `${name}.`, dp)
    }
  }
  walk(json, '', false)
  return specs
}

function typeOf(field: JsonSchema, name: string): TrainerParameterSpec['type'] {
  if (field.enum !== undefined) return 'enum'
  switch (field.type) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'object':
      return field.type
    case 'array': {
      const item = field.items?.type
      if (item === 'string' || item === 'integer' || item === 'number') return `${item}[]`
    }
  }
  throw new Error(`The trainer parameter ${name} has a type the specs do not describe.`)
}

function bounds(field: JsonSchema): Pick<TrainerParameterSpec, 'minimum' | 'exclusiveMinimum' | 'maximum' | 'exclusiveMaximum'> {
  const { minimum, exclusiveMinimum, maximum, exclusiveMaximum } = field
  return Object.fromEntries(Object.entries({ minimum, exclusiveMinimum, maximum, exclusiveMaximum }).filter(([, value]) => value !== undefined))
}

/**
 * A parameter's allowed values in a few words, for help text: `integer 1 to 1000`, `number > 0
 * and ≤ 100`, `1 to 2 integers, each 1 to 1024`, `one of: adam, sgd`.
 *
 * @example
 * formatParameterRange({ name: 'epochs', type: 'integer', required: false, default: 50, minimum: 1, maximum: 1000, description: '' }) // 'integer 1 to 1000'
 */
export function formatParameterRange(spec: TrainerParameterSpec): string {
  if (spec.type === 'enum') return `one of: ${(spec.values ?? []).join(', ')}`
  if (spec.type === 'object') return 'object'
  const number = (type: string) => {
    const { minimum, exclusiveMinimum, maximum, exclusiveMaximum } = spec
    if (minimum !== undefined && maximum !== undefined) return `${type} ${minimum} to ${maximum}`
    const parts = [
      exclusiveMinimum !== undefined ? `> ${exclusiveMinimum}` : minimum !== undefined ? `≥ ${minimum}` : undefined,
      exclusiveMaximum !== undefined ? `< ${exclusiveMaximum}` : maximum !== undefined ? `≤ ${maximum}` : undefined,
    ].filter((part) => part !== undefined)
    return parts.length === 0 ? type : `${type} ${parts.join(' and ')}`
  }
  if (spec.type.endsWith('[]')) {
    const item = spec.type.slice(0, -2)
    const count = spec.minItems === spec.maxItems ? `${spec.minItems}` : `${spec.minItems ?? 0} to ${spec.maxItems ?? 'any'}`
    const each = item === 'string' ? 'column names' : `${item}s, each ${number('').trim()}`
    return `${count} ${each}`
  }
  return spec.type === 'string' ? 'text' : number(spec.type)
}

/** What each metric a built-in trainer may write means. */
export const trainerMetricDescriptions: Readonly<Record<string, string>> = {
  loss: 'Training loss: mean cross-entropy (classifiers) or mean squared error in the label’s units (regression).',
  accuracy: 'Fraction of training rows classified correctly.',
  r2: 'Coefficient of determination on the training rows.',
  rows: 'Rows trained on (under dp: the rows the schema declares).',
  epochs: 'Passes over the training rows.',
  steps: 'Noisy DP-SGD steps taken (each a sampled Gaussian mechanism).',
  sampleRate: 'q: the chance each row joins a step’s batch.',
  noiseMultiplier: 'σ, as set in dp.',
  maxGradNorm: 'C, as set in dp.',
  delta: 'δ of the (ε, δ) guarantee.',
  validationRows: 'Rows held out (validationFraction of the rows, chosen by seed) and never trained on (under dp: a noisy count).',
  validationLoss:
    'Loss of the released model on the held-out rows (mean cross-entropy, or mean squared error in the label’s units); under dp noised, each row’s loss clipped to max(1, 2·ln K) (or its error to the label’s declared range).',
  validationAccuracy: 'Fraction of held-out rows the released model classifies correctly (under dp noised, at no extra ε).',
  validationR2: 'Coefficient of determination of the released model on the held-out rows (under dp noised, at no extra ε).',
}

const scalingTensors: TrainerTensorSpec[] = [
  { name: 'feature_mean', shape: 'D', description: 'Subtracted from each input before the weights (under dp: the middle of the declared bounds). D counts a category column once per published value (one-hot, feature col=value).' },
  { name: 'feature_std', shape: 'D', description: 'Divides each centered input (under dp: half the declared range; inputs are then clipped to [-1, 1]).' },
]
const mlpTensors: TrainerTensorSpec[] = [
  { name: 'layer{i}.weight', shape: 'out × in', description: 'Each dense layer: hidden ReLU layers, then the output layer.' },
  { name: 'layer{i}.bias', shape: 'out', description: 'Each dense layer’s bias.' },
]
const dpMetrics = (task: TrainerMetricsSpec['task']): TrainerMetricsSpec => ({ task, dp: true, names: differentialPrivacyMetricNames })
const validation = (task: TrainerMetricsSpec['task'], dp = false): TrainerMetricsSpec => ({ task, dp, validation: true, names: validationMetricNames(task) })

/**
 * The built-in trainers a buyer can choose (not `torch-custom` nor the homomorphic ones), as data:
 * id, version, description, the label types each takes, every parameter (type, bounds, default,
 * description, read from its zod schema) and the tensors and metrics it outputs. A test checks
 * these against the node's trainer definitions.
 *
 * @example
 * for (const trainer of trainerSpecs) console.log(trainer.id, trainer.parameters.map((p) => p.name).join(' '))
 */
export const trainerSpecs: readonly TrainerSpec[] = [
  {
    id: logisticRegressionTrainerId,
    version: logisticRegressionTrainerVersion,
    description: 'Logistic regression (binary or multiclass); full-batch L-BFGS, mini-batch SGD, or DP-SGD.',
    labels: ['category', 'number'],
    parameters: trainerParameterSpecs(logisticRegressionParametersSchema),
    outputs: {
      tensors: [
        { name: 'weights', shape: 'K × D', description: 'One row per class (K = 1 for two classes: the logit of the second class).' },
        { name: 'bias', shape: 'K', description: 'One per row of weights.' },
        ...scalingTensors,
      ],
      metrics: [{ task: 'classification', dp: false, names: logisticRegressionMetricNames }, validation('classification'), dpMetrics('classification'), validation('classification', true)],
    },
  },
  {
    id: linearRegressionTrainerId,
    version: linearRegressionTrainerVersion,
    description: 'Linear (ridge) regression of a number column; exact normal equations, mini-batch SGD, or DP-SGD.',
    labels: ['number'],
    parameters: trainerParameterSpecs(linearRegressionParametersSchema),
    outputs: {
      tensors: [
        { name: 'weights', shape: '1 × D', description: 'Predicts in the label’s own units from the scaled inputs.' },
        { name: 'bias', shape: '1', description: 'The intercept.' },
        ...scalingTensors,
      ],
      metrics: [{ task: 'regression', dp: false, names: linearRegressionMetricNames }, validation('regression'), dpMetrics('regression'), validation('regression', true)],
    },
  },
  {
    id: mlpClassifierTrainerId,
    version: mlpClassifierTrainerVersion,
    description: 'Multilayer perceptron classifier: one or two hidden ReLU layers and a softmax, trained with Adam; optional DP-SGD.',
    labels: ['category', 'number'],
    parameters: trainerParameterSpecs(mlpClassifierParametersSchema),
    outputs: {
      tensors: [...mlpTensors, ...scalingTensors],
      metrics: [{ task: 'classification', dp: false, names: mlpClassifierMetricNames }, validation('classification'), dpMetrics('classification'), validation('classification', true)],
    },
  },
  {
    id: torchMlpTrainerId,
    version: torchMlpTrainerVersion,
    description: 'PyTorch multilayer perceptron (one to four hidden ReLU layers) for classification or regression; Adam or SGD; optional DP-SGD.',
    labels: ['category', 'number'],
    parameters: trainerParameterSpecs(torchMlpParametersSchema),
    outputs: {
      tensors: [
        ...mlpTensors,
        ...scalingTensors,
        { name: 'target_mean', shape: '1', description: 'Regression only: added back to the scaled output.' },
        { name: 'target_std', shape: '1', description: 'Regression only: multiplies the scaled output.' },
      ],
      metrics: [
        { task: 'classification', dp: false, names: torchMlpClassificationMetricNames },
        { task: 'regression', dp: false, names: torchMlpRegressionMetricNames },
        validation('classification'),
        validation('regression'),
        dpMetrics('classification'),
        dpMetrics('regression'),
        validation('classification', true),
        validation('regression', true),
      ],
    },
  },
]

/**
 * The spec of the built-in trainer `id`, or `undefined` for any other trainer.
 *
 * @example
 * trainerSpec('mlp-classifier')?.parameters.map((p) => p.name) // ['label', 'features', 'hidden', 'epochs', …]
 */
export function trainerSpec(id: string): TrainerSpec | undefined {
  return trainerSpecs.find((spec) => spec.id === id)
}
