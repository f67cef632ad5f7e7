// What the CLI says about the built-in trainers: their parameters (from the SDK's specs, read from
// each trainer's zod schema), and which of them apply to one dataset under its policy. Used by
// `datavault trainers`, `datavault train --help` and `datavault dataset`.
import { type ComputePolicy, type DatasetSchema, type TrainerParameterSpec, type TrainerSpec, formatParameterRange, labelClasses, trainerMetricDescriptions, trainerSpecs } from '@datavault/sdk'

/**
 * Whether a trainer can predict a column: its type is one the trainer takes, and for a trainer that
 * only classifies, a number column must have the integer bounds that make its classes known.
 */
function predicts(spec: TrainerSpec, schema: DatasetSchema, column: DatasetSchema['columns'][number]): boolean {
  if (!(spec.labels as readonly string[]).includes(column.type)) return false
  if (column.type !== 'number' || spec.outputs.metrics.some((metrics) => metrics.task === 'regression')) return true
  try {
    labelClasses(schema, column.name)
    return true
  } catch {
    return false
  }
}

/** The built-in trainers the CLI describes, in the SDK's order. */
export const builtInTrainers: readonly TrainerSpec[] = trainerSpecs

/** The one line about a target ε: not a trainer parameter, the node turns it into `dp.noiseMultiplier`. */
export const targetEpsilonLine = `${'dp.targetEpsilon'.padEnd(19)} number > 0 and ≤ 1000, instead of dp.noiseMultiplier (CLI: --dp epsilon=E): the node
${' '.repeat(20)}picks the smallest σ whose run spends at most ε = E`

const json = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

/** One parameter in a line: name, allowed values, default or "required". */
export function parameterLine(parameter: TrainerParameterSpec, width = 19): string {
  const needs = parameter.required ? 'required' : parameter.default !== undefined ? `default ${json(parameter.default)}` : 'optional'
  return `${parameter.name.padEnd(width)} ${formatParameterRange(parameter)}; ${needs}`
}

/** A trainer in full, for `datavault trainers`: description, label types, parameters with what each does, outputs. */
export function describeTrainer(spec: TrainerSpec): string[] {
  const metricNames = [...new Set(spec.outputs.metrics.flatMap((metrics) => metrics.names))]
  return [
    `${spec.id} ${spec.version}: ${spec.description}`,
    `  label: a ${spec.labels.join(' or ')} column`,
    '  parameters:',
    ...spec.parameters.flatMap((parameter) => [`    ${parameterLine(parameter)}`, `      ${parameter.description}`]),
    ...(spec.parameters.some((parameter) => parameter.name === 'dp.noiseMultiplier') ? targetEpsilonLine.split('\n').map((line) => `    ${line}`) : []),
    '  outputs: model.safetensors',
    ...spec.outputs.tensors.map((tensor) => `    ${tensor.name.padEnd(19)} ${tensor.shape.padEnd(8)} ${tensor.description}`),
    '  metrics.json:',
    ...spec.outputs.metrics.map((metrics) => `    ${metrics.task}${metrics.dp ? ' under dp' : ''}${metrics.validation ? `, validationFraction > 0 adds${metrics.dp ? ' (noised, same ε)' : ''}` : ''}: ${metrics.names.join(', ')}`),
    ...metricNames.filter((name) => trainerMetricDescriptions[name]).map((name) => `    ${name.padEnd(19)} ${trainerMetricDescriptions[name]}`),
  ]
}

/** Every trainer's parameters, one line each, for `datavault train --help`. */
export function trainerParametersHelp(): string {
  return builtInTrainers
    .map((spec) => [`  ${spec.id} (label: ${spec.labels.join(' or ')})`, ...spec.parameters.map((parameter) => `    ${parameterLine(parameter)}`)].join('\n'))
    .join('\n')
}

/** What one trainer may do on one dataset under its policy. */
export type ApplicableTrainer = {
  id: string
  /** False for a trainer the SDK has no spec of (a custom algorithm's hash, a newer trainer). */
  known: boolean
  /** Columns it may predict (the types it takes). */
  labels: string[]
  /** Columns it may read as features by default (number columns, and category columns one-hot encoded; never the job's label). */
  features: string[]
  /** Where the policy narrows a parameter: its maximum under the policy, and the trainer's own default. */
  limits: { name: string; maximum: number; default?: unknown }[]
}

/** What applies to a dataset: each allowed trainer, and whether DP is required (and with what budget left). */
export type ApplicableTrainers = {
  trainers: ApplicableTrainer[]
  dp: { required: boolean; remaining: { epsilon: number; delta: number } | null }
}

/**
 * Which trainers and parameters apply to a dataset under its policy: the allowed trainers, the
 * columns each may predict, the parameters the policy caps (`maxEpochs`, `maxHiddenUnits`), and DP.
 * The node decides at submission (`train --dry-run` asks it); this is for a person choosing.
 *
 * @example
 * applicableTrainers(dataset.schema, dataset.policy, usage.remaining).trainers[0].limits // [{ name: 'epochs', maximum: 10, default: 50 }]
 */
export function applicableTrainers(
  schema: DatasetSchema,
  policy: Pick<ComputePolicy, 'maxEpochs' | 'maxHiddenUnits' | 'privacyBudget'> & { trainers: string[] },
  remaining: { epsilon: number; delta: number } | null | undefined,
): ApplicableTrainers {
  const trainers = policy.trainers.map((entry): ApplicableTrainer => {
    const id = entry.split('@')[0] ?? entry
    const spec = builtInTrainers.find((candidate) => candidate.id === id)
    if (!spec) return { id: entry, known: false, labels: [], features: [], limits: [] }
    const limits: ApplicableTrainer['limits'] = []
    for (const parameter of spec.parameters) {
      const cap = parameter.name === 'epochs' ? policy.maxEpochs : parameter.name === 'hidden' ? policy.maxHiddenUnits : undefined
      if (cap === undefined) continue
      const own = parameter.maximum ?? Number.POSITIVE_INFINITY
      limits.push({ name: parameter.name, maximum: Math.min(cap, own), ...(parameter.default === undefined ? {} : { default: parameter.default }) })
    }
    return {
      id,
      known: true,
      labels: schema.columns.filter((column) => predicts(spec, schema, column)).map((column) => column.name),
      features: schema.columns.filter((column) => column.type === 'number' || column.type === 'category').map((column) => column.name),
      limits,
    }
  })
  return { trainers, dp: { required: policy.privacyBudget !== undefined, remaining: remaining ?? null } }
}

/** {@link applicableTrainers} as lines for `datavault dataset`. */
export function describeApplicable(applicable: ApplicableTrainers, budget: { epsilon: number; delta: number } | undefined): string[] {
  const short = (value: number) => String(Number(value.toPrecision(4)))
  const lines = applicable.trainers.flatMap((trainer) => {
    if (!trainer.known) return [`  ${trainer.id}: not a built-in trainer (its parameters are its author's)`]
    const capped = trainer.limits.map((limit) => {
      const over = typeof limit.default === 'number' && limit.default > limit.maximum ? ` (its default ${limit.default} is above: pass --param ${limit.name}=N)` : ''
      return `${limit.name} ≤ ${limit.maximum}${over}`
    })
    return [
      `  ${trainer.id}: label ${trainer.labels.length ? trainer.labels.join('|') : '(no column of a type it predicts)'}`,
      ...(capped.length ? [`      policy: ${capped.join('; ')}`] : []),
      `      parameters: \`datavault trainers ${trainer.id}\``,
    ]
  })
  const dp = applicable.dp.required
    ? `  dp: required (--dp epsilon=E or --dp sigma=S)${budget ? `; budget ε = ${budget.epsilon}, δ = ${budget.delta}` : ''}${applicable.dp.remaining ? `; left ε = ${short(applicable.dp.remaining.epsilon)}` : ''}; check a job's ε with \`datavault train … --dry-run\``
    : '  dp: optional (no privacy budget); --dp epsilon=E or sigma=S trains with DP-SGD'
  return [...lines, dp]
}
