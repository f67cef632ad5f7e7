import { createHash } from 'node:crypto'
import { z } from 'zod'
import {
  type DatasetSchema,
  type DifferentialPrivacyPlan,
  TrainerParametersError,
  differentialPrivacyMetadata,
  differentialPrivacyMetricNames,
  differentialPrivacyParametersSchema,
  planDifferentialPrivacy,
} from '@datavault/sdk'

/** Id of the trainer that runs a buyer's own PyTorch model under the node's DP-SGD. */
export const torchCustomTrainerId = 'torch-custom'
/** Version of the torch-custom trainer (its `train.py`). */
export const torchCustomTrainerVersion = '1.1.0'
/** Most parameters a custom model may declare (4 MiB of F32). */
export const torchCustomMaxParameters = 1024 * 1024
/** Largest model source, bytes of UTF-8. */
export const torchCustomMaxSourceBytes = 64 * 1024
/** Tensor names the trainer writes itself beside the model's parameters. */
const reservedTensors = new Set(['feature_mean', 'feature_std', 'target_mean', 'target_std'])

const parameterSchema = z
  .object({
    /** The name `module.named_parameters()` gives it, e.g. `hidden.weight`. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.]{0,127}$/)
      .refine((name) => !reservedTensors.has(name), { message: 'is a name the trainer writes itself' }),
    shape: z.array(z.number().int().min(1).max(torchCustomMaxParameters)).min(1).max(4),
  })
  .strict()

/**
 * Parameters of torch-custom. `model.source` is Python that defines `build(inputs, outputs)`
 * returning a `torch.nn.Module` (no buffers) and `loss(output, target)` returning one example's
 * scalar loss (`target`: the class index as an int64 scalar, or the scaled number). `model.parameters`
 * declares the module's named parameters, in order: the node checks them against the module
 * before any data is read, initialises them itself and releases exactly these. DP is mandatory.
 */
export const torchCustomParametersSchema = z
  .object({
    label: z.string().min(1).max(128),
    features: z.array(z.string().min(1).max(128)).min(1).max(10_000).optional(),
    model: z
      .object({
        source: z.string().min(1).refine((source) => Buffer.byteLength(source, 'utf8') <= torchCustomMaxSourceBytes, {
          message: `at most ${torchCustomMaxSourceBytes} bytes`,
        }),
        parameters: z.array(parameterSchema).min(1).max(64),
      })
      .strict(),
    epochs: z.number().int().min(1).max(1000).default(5),
    /** Plain SGD's step size. */
    learningRate: z.number().positive().max(10).default(0.1),
    /** The expected batch size of Poisson sampling. */
    batchSize: z.number().int().min(1).max(1_000_000).default(32),
    /** Seed of the initial parameters (batches and noise come from the OS's CSPRNG). */
    seed: z.number().int().min(0).max(0xffff_ffff).default(0),
    /**
     * Share of the rows the node holds out (each on its own coin) to compute validation loss and
     * accuracy (or R²) of the final model itself, DP-noised and accounted as one more epoch of
     * steps (the built-in trainers' name). 0 (default) releases no validation metrics and spends
     * nothing on them.
     */
    validationFraction: z.number().min(0).max(0.5).default(0),
    dp: differentialPrivacyParametersSchema,
  })
  .strict()

/** Parameters with defaults filled in. */
export type TorchCustomParameters = z.output<typeof torchCustomParametersSchema>

/**
 * Validation metrics the node computes on held-out rows for a torch-custom run (never reported by
 * the buyer's code): loss, and accuracy or R², DP-noised.
 */
export const torchCustomValidationMetricNames = {
  classification: ['validationLoss', 'validationAccuracy'],
  regression: ['validationLoss', 'validationR2'],
} as const

/** What a torch-custom run on a dataset will produce, from the schema and the parameters only. */
export type TorchCustomPlan = {
  task: 'classification' | 'regression'
  label: string
  classes?: string[] | undefined
  features: string[]
  /** The module's outputs per example: the number of classes, or 1. */
  outputs: number
  parameters: { name: string; shape: number[] }[]
  /** SHA-256 of the model source, `0x`-prefixed: what a policy pin `torch-custom@<hash>` names. */
  modelHash: `0x${string}`
  privacy: DifferentialPrivacyPlan
  metrics: string[]
  params: TorchCustomParameters
}

/**
 * Checks parameters against a dataset's schema and derives the run. Refuses parameters that do
 * not parse, a label or feature that does not fit, more than {@link torchCustomMaxParameters}
 * parameters, a name declared twice, and whatever {@link planDifferentialPrivacy} refuses.
 * Columns the model reads need declared bounds (`dp-missing-bounds`). The Python trainer derives
 * the same plan inside the sandbox.
 *
 * @example
 * const plan = planTorchCustom(schema, { label: 'risk', model: { source, parameters: [{ name: 'linear.weight', shape: [2, 4] }, { name: 'linear.bias', shape: [2] }] }, dp: { noiseMultiplier: 1, maxGradNorm: 1 } })
 * plan.privacy.steps // epochs × round(rows / batchSize), plus round(rows / batchSize) for the validation pass
 */
export function planTorchCustom(schema: DatasetSchema, parameters: unknown): TorchCustomPlan {
  const parsed = torchCustomParametersSchema.safeParse(parameters)
  if (!parsed.success) {
    const paths = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)')
    throw new TrainerParametersError('bad-parameters', `Invalid parameters at: ${[...new Set(paths)].join(', ')}.`)
  }
  const params = parsed.data
  const columns = new Map(schema.columns.map((column) => [column.name, column]))
  const label = columns.get(params.label)
  if (label === undefined) throw new TrainerParametersError('missing-column', `The label column ${JSON.stringify(params.label)} is not in the schema.`)
  let task: TorchCustomPlan['task']
  let classes: string[] | undefined
  if (label.type === 'category' && label.values.length >= 2) {
    task = 'classification'
    classes = [...label.values]
  } else if (label.type === 'number') task = 'regression'
  else throw new TrainerParametersError('bad-label', `The label column ${JSON.stringify(params.label)} must be a number column or a category column with at least two values.`)
  const features = params.features ?? schema.columns.filter((column) => column.type === 'number' && column.name !== params.label).map((column) => column.name)
  if (new Set(features).size !== features.length) throw new TrainerParametersError('duplicate-feature', 'A feature column is listed twice.')
  for (const name of features) {
    const column = columns.get(name)
    if (column === undefined) throw new TrainerParametersError('missing-column', `The feature column ${JSON.stringify(name)} is not in the schema.`)
    if (column.type !== 'number' || name === params.label) throw new TrainerParametersError('bad-feature', `The feature column ${JSON.stringify(name)} is not a number column.`)
  }
  if (features.length === 0) throw new TrainerParametersError('no-numeric-features', 'The dataset has no number column to use as a feature.')
  for (const name of [...features, ...(task === 'regression' ? [params.label] : [])]) {
    const column = columns.get(name) as { min?: unknown; max?: unknown }
    if (typeof column.min !== 'number' || typeof column.max !== 'number' || !(column.min < column.max))
      throw new TrainerParametersError('dp-missing-bounds', `DP needs declared min and max on every column the model reads (${JSON.stringify(name)} has none).`)
  }
  const names = params.model.parameters.map((tensor) => tensor.name)
  if (new Set(names).size !== names.length) throw new TrainerParametersError('bad-parameters', 'A model parameter is declared twice.')
  const count = params.model.parameters.reduce((sum, tensor) => sum + tensor.shape.reduce((n, size) => n * size, 1), 0)
  if (count > torchCustomMaxParameters)
    throw new TrainerParametersError('model-too-large', `The model declares ${count} parameters; at most ${torchCustomMaxParameters} are allowed.`)
  const trainingPrivacy = planDifferentialPrivacy(schema, { dp: params.dp, batchSize: params.batchSize, epochs: params.epochs })
  // The node's validation pass: one epoch's worth of the same sampled Gaussian steps (train.py's validate).
  const validationSteps = params.validationFraction > 0 ? trainingPrivacy.stepsPerEpoch : 0
  const privacy = { ...trainingPrivacy, steps: trainingPrivacy.steps + validationSteps }
  return {
    task,
    label: params.label,
    classes,
    features,
    outputs: classes?.length ?? 1,
    parameters: params.model.parameters.map(({ name, shape }) => ({ name, shape: [...shape] })),
    modelHash: `0x${createHash('sha256').update(params.model.source, 'utf8').digest('hex')}`,
    privacy,
    metrics: [...differentialPrivacyMetricNames, ...(validationSteps > 0 ? torchCustomValidationMetricNames[task] : [])],
    params,
  }
}

/** The `__metadata__` of a torch-custom model file: exactly these keys and values. */
export function torchCustomMetadata(plan: TorchCustomPlan): Record<string, string> {
  return {
    trainer: torchCustomTrainerId,
    version: torchCustomTrainerVersion,
    task: plan.task,
    label: plan.label,
    features: JSON.stringify(plan.features),
    ...(plan.classes === undefined ? {} : { classes: JSON.stringify(plan.classes) }),
    model: plan.modelHash,
    ...differentialPrivacyMetadata(plan.privacy),
  }
}

/**
 * The tensors of a torch-custom model file (all F32): the declared parameters, then
 * `feature_mean` / `feature_std` [D] (centre and half-range of the declared bounds), and for
 * regression `target_mean` / `target_std` [1].
 */
export function torchCustomTensors(plan: TorchCustomPlan): { name: string; shape: number[] }[] {
  const d = plan.features.length
  return [
    ...plan.parameters,
    { name: 'feature_mean', shape: [d] },
    { name: 'feature_std', shape: [d] },
    ...(plan.task === 'regression' ? [{ name: 'target_mean', shape: [1] }, { name: 'target_std', shape: [1] }] : []),
  ]
}
