import { fileURLToPath } from 'node:url'
import {
  type DatasetSchema,
  logisticRegressionMetadata,
  logisticRegressionParametersSchema,
  logisticRegressionTrainerId,
  logisticRegressionTrainerVersion,
  planLogisticRegression,
} from '@datavault/sdk'
import type { TrainerDefinition, TrainerOutputDeclaration } from '../definition.ts'

/** Names of the metrics the trainer writes to `metrics.json`. */
export const logisticRegressionMetricNames = ['loss', 'accuracy', 'rows', 'epochs']

/**
 * The built-in logistic-regression trainer: binary (sigmoid) or multiclass (softmax) on a CSV
 * dataset's number columns, mini-batch gradient descent with L2. Outputs `model.safetensors`
 * (F32 `weights` [K, D], `bias` [K], `feature_mean` [D], `feature_std` [D]; K = 1 for binary)
 * and `metrics.json` (`loss`, `accuracy`, `rows`, `epochs`).
 */
export const logisticRegressionTrainer: TrainerDefinition = {
  id: logisticRegressionTrainerId,
  version: logisticRegressionTrainerVersion,
  description: 'Logistic regression (binary or multiclass) on the number columns of a CSV dataset.',
  parameters: logisticRegressionParametersSchema,
  outputs(schema: DatasetSchema, params: unknown): TrainerOutputDeclaration {
    const plan = planLogisticRegression(schema, params)
    const k = plan.outputs
    const d = plan.features.length
    const metadataValues = logisticRegressionMetadata(plan)
    return {
      files: [
        {
          name: 'model.safetensors',
          kind: 'safetensors',
          tensors: [
            { name: 'weights', dtype: 'F32', shape: [k, d] },
            { name: 'bias', dtype: 'F32', shape: [k] },
            { name: 'feature_mean', dtype: 'F32', shape: [d] },
            { name: 'feature_std', dtype: 'F32', shape: [d] },
          ],
          metadataKeys: Object.keys(metadataValues),
          metadataValues,
        },
        { name: 'metrics.json', kind: 'metrics', names: [...logisticRegressionMetricNames] },
      ],
    }
  },
  entry: fileURLToPath(new URL('./main.ts', import.meta.url)),
}
