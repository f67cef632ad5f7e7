import { siblingModule } from '../siblingModule.ts'
import type { DatasetSchema } from '@datavault/sdk'
import { z } from 'zod'
import { heReleaseDpSchema, heReleaseMaxColumns } from '@datavault/sdk/he'
import { heNumberColumns, hePrivacyOf, parseHeParameters } from '../../he/columns.ts'
import { heStatisticsFrom } from '../../he/solve.ts'
import { modelDeclaration } from '../common/declaration.ts'
import type { HomomorphicAggregates, TrainerDefinition, TrainerOutputDeclaration } from '../definition.ts'

/** Parameters of `he-stats`. */
export const heStatsParametersSchema = z
  .object({
    /** The encrypted number columns to describe; every number column of the schema by default. */
    columns: z.array(z.string().min(1).max(128)).min(1).max(heReleaseMaxColumns).optional(),
    /** Differential privacy: Gaussian noise on the released statistics, σ = noiseMultiplier × their sensitivity (from the owner's bounds). */
    dp: heReleaseDpSchema.optional(),
  })
  .strict()

const metricNames = ['rows'] as const

function columnsOf(schema: DatasetSchema, params: unknown): string[] {
  return heNumberColumns(schema, parseHeParameters(heStatsParametersSchema, params).columns)
}

const metadataOf = (columns: string[]) => ({ trainer: 'he-stats', version: '1.0.0', columns: JSON.stringify(columns) })

/**
 * `he-stats`: count, means, sample variances, covariance and correlation matrices of an HE
 * dataset's columns, computed on CKKS ciphertexts and released by the key holders with noise
 * flooding. Outputs `model.safetensors` (F32 `mean` [d], `variance` [d], `covariance` [d, d],
 * `correlation` [d, d]) and `metrics.json` (`rows`).
 */
export const heStatsTrainer: TrainerDefinition = {
  id: 'he-stats',
  version: '1.0.0',
  description: 'Count, mean, variance, covariance and correlation of an HE (CKKS) dataset, computed on ciphertexts.',
  parameters: heStatsParametersSchema,
  privacy(_schema: DatasetSchema, params: unknown) {
    return hePrivacyOf(parseHeParameters(heStatsParametersSchema, params))
  },
  outputs(schema: DatasetSchema, params: unknown): TrainerOutputDeclaration {
    const columns = columnsOf(schema, params)
    const d = columns.length
    return modelDeclaration(
      [
        { name: 'mean', shape: [d] },
        { name: 'variance', shape: [d] },
        { name: 'covariance', shape: [d, d] },
        { name: 'correlation', shape: [d, d] },
      ],
      metadataOf(columns),
      metricNames,
    )
  },
  homomorphic: {
    columns: columnsOf,
    finish(aggregates: HomomorphicAggregates, params: unknown, schema: DatasetSchema) {
      const columns = columnsOf(schema, params)
      const d = columns.length
      const stats = heStatisticsFrom(aggregates)
      return {
        tensors: {
          mean: { shape: [d], data: Float32Array.from(stats.mean) },
          variance: { shape: [d], data: Float32Array.from(stats.variance) },
          covariance: { shape: [d, d], data: Float32Array.from(stats.covariance) },
          correlation: { shape: [d, d], data: Float32Array.from(stats.correlation) },
        },
        metadata: metadataOf(columns),
        metrics: { rows: aggregates.rows },
      }
    },
  },
  entry: siblingModule(import.meta.url, 'finish'),
}
