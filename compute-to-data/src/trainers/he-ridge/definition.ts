import { siblingModule } from '../siblingModule.ts'
import { type DatasetSchema, TrainerParametersError } from '@datavault/sdk'
import { z } from 'zod'
import { heReleaseDpSchema, heReleaseMaxColumns } from '@datavault/sdk/he'
import { heNumberColumns, hePrivacyOf, parseHeParameters } from '../../he/columns.ts'
import { heRidgeFrom } from '../../he/solve.ts'
import { modelDeclaration } from '../common/declaration.ts'
import type { HomomorphicAggregates, TrainerDefinition, TrainerOutputDeclaration } from '../definition.ts'

/** Parameters of `he-ridge`. */
export const heRidgeParametersSchema = z
  .object({
    /** The target: a number column. */
    label: z.string().min(1).max(128),
    /** Feature columns; every other number column by default. */
    features: z.array(z.string().min(1).max(128)).min(1).max(heReleaseMaxColumns - 1).optional(),
    /** Ridge penalty λ on standardized features (0: ordinary least squares). */
    lambda: z.number().min(0).max(1e6).default(0),
    /** Differential privacy: Gaussian noise on the released statistics, σ = noiseMultiplier × their sensitivity (from the owner's bounds). */
    dp: heReleaseDpSchema.optional(),
  })
  .strict()

const metricNames = ['rows', 'loss', 'r2', 'lambda'] as const

function columnsOf(schema: DatasetSchema, params: unknown): string[] {
  const { label, features } = parseHeParameters(heRidgeParametersSchema, params)
  const column = schema.columns.find((entry) => entry.name === label)
  if (!column || column.type !== 'number') throw new TrainerParametersError('bad-label', `The label ${JSON.stringify(label)} is not a number column of the schema.`)
  return [...heNumberColumns(schema, features, label), label]
}

const metadataOf = (columns: string[]) => ({
  trainer: 'he-ridge',
  version: '1.0.0',
  label: columns[columns.length - 1] as string,
  features: JSON.stringify(columns.slice(0, -1)),
})

/**
 * `he-ridge`: ridge (or, with λ = 0, ordinary least squares) regression solved from XᵀX and Xᵀy
 * computed on CKKS ciphertexts and released by the key holders with noise flooding. Outputs the
 * linear-regression model format: `model.safetensors` (F32 `weights` [1, D] on standardized
 * features, `bias` [1], `feature_mean` [D], `feature_std` [D]) and `metrics.json` (`rows`,
 * `loss` = training MSE, `r2`, `lambda`).
 */
export const heRidgeTrainer: TrainerDefinition = {
  id: 'he-ridge',
  version: '1.0.0',
  description: 'Ridge / least-squares regression on an HE (CKKS) dataset through encrypted XᵀX and Xᵀy.',
  parameters: heRidgeParametersSchema,
  privacy(_schema: DatasetSchema, params: unknown) {
    return hePrivacyOf(parseHeParameters(heRidgeParametersSchema, params))
  },
  outputs(schema: DatasetSchema, params: unknown): TrainerOutputDeclaration {
    const columns = columnsOf(schema, params)
    const d = columns.length - 1
    return modelDeclaration(
      [
        { name: 'weights', shape: [1, d] },
        { name: 'bias', shape: [1] },
        { name: 'feature_mean', shape: [d] },
        { name: 'feature_std', shape: [d] },
      ],
      metadataOf(columns),
      metricNames,
    )
  },
  homomorphic: {
    columns: columnsOf,
    finish(aggregates: HomomorphicAggregates, params: unknown, schema: DatasetSchema) {
      const { lambda } = parseHeParameters(heRidgeParametersSchema, params)
      const columns = columnsOf(schema, params)
      const d = columns.length - 1
      const fit = heRidgeFrom(aggregates, { lambda })
      return {
        tensors: {
          weights: { shape: [1, d], data: Float32Array.from(fit.weights) },
          bias: { shape: [1], data: Float32Array.of(fit.bias) },
          feature_mean: { shape: [d], data: Float32Array.from(fit.featureMean) },
          feature_std: { shape: [d], data: Float32Array.from(fit.featureStd) },
        },
        metadata: metadataOf(columns),
        metrics: { rows: aggregates.rows, loss: fit.mse, r2: fit.r2, lambda },
      }
    },
  },
  entry: siblingModule(import.meta.url, 'finish'),
}
