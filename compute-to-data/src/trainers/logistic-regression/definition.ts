import {
  type DatasetSchema,
  logisticRegressionMetadata,
  logisticRegressionMetricNames as metricNames,
  logisticRegressionParametersSchema,
  logisticRegressionTrainerId,
  logisticRegressionTrainerVersion,
  planLogisticRegression,
} from '@datavault/sdk'
import { modelDeclaration, trainerPrivacy } from '../common/declaration.ts'
import { siblingModule } from '../siblingModule.ts'
import type { TrainerDefinition, TrainerOutputDeclaration, TrainerPrivacy } from '../definition.ts'

/** Names of the metrics the trainer writes to `metrics.json` without DP (with DP: `differentialPrivacyMetricNames`). */
export const logisticRegressionMetricNames: readonly string[] = metricNames

/**
 * The built-in logistic-regression trainer: binary (sigmoid) or multiclass (softmax) on a CSV
 * dataset's number columns, mini-batch gradient descent with L2, optionally DP-SGD. Outputs
 * `model.safetensors` (F32 `weights` [K, D], `bias` [K], `feature_mean` [D], `feature_std` [D];
 * K = 1 for binary) and `metrics.json` (`loss`, `accuracy`, `rows`, `epochs`; under DP the DP
 * metrics instead).
 */
export const logisticRegressionTrainer: TrainerDefinition = {
  id: logisticRegressionTrainerId,
  version: logisticRegressionTrainerVersion,
  description: 'Logistic regression (binary or multiclass) on the number columns of a CSV dataset; optional DP-SGD.',
  parameters: logisticRegressionParametersSchema,
  outputs(schema: DatasetSchema, params: unknown): TrainerOutputDeclaration {
    const plan = planLogisticRegression(schema, params)
    const k = plan.outputs
    const d = plan.features.length
    return modelDeclaration(
      [
        { name: 'weights', shape: [k, d] },
        { name: 'bias', shape: [k] },
        { name: 'feature_mean', shape: [d] },
        { name: 'feature_std', shape: [d] },
      ],
      logisticRegressionMetadata(plan),
      plan.metrics,
    )
  },
  privacy(schema: DatasetSchema, params: unknown): TrainerPrivacy | undefined {
    return trainerPrivacy(planLogisticRegression(schema, params).privacy)
  },
  entry: siblingModule(import.meta.url, 'main'),
}
