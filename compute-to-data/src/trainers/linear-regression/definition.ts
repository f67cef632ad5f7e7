import {
  type DatasetSchema,
  linearRegressionMetadata,
  linearRegressionParametersSchema,
  linearRegressionTrainerId,
  linearRegressionTrainerVersion,
  planLinearRegression,
} from '@datavault/sdk'
import { modelDeclaration, trainerPrivacy } from '../common/declaration.ts'
import { siblingModule } from '../siblingModule.ts'
import type { TrainerDefinition, TrainerOutputDeclaration, TrainerPrivacy } from '../definition.ts'

/**
 * The built-in linear-regression trainer: least squares (ridge with `l2`) on a CSV dataset's
 * number columns against a number label, mini-batch SGD, optionally DP-SGD. Outputs
 * `model.safetensors` (F32 `weights` [1, D], `bias` [1], `feature_mean` [D], `feature_std` [D])
 * and `metrics.json` (`loss` = MSE, `r2`, `rows`, `epochs`; under DP the DP metrics instead).
 */
export const linearRegressionTrainer: TrainerDefinition = {
  id: linearRegressionTrainerId,
  version: linearRegressionTrainerVersion,
  description: 'Linear (ridge) regression of a number column on the number columns of a CSV dataset; optional DP-SGD.',
  parameters: linearRegressionParametersSchema,
  outputs(schema: DatasetSchema, params: unknown): TrainerOutputDeclaration {
    const plan = planLinearRegression(schema, params)
    const d = plan.features.length
    return modelDeclaration(
      [
        { name: 'weights', shape: [1, d] },
        { name: 'bias', shape: [1] },
        { name: 'feature_mean', shape: [d] },
        { name: 'feature_std', shape: [d] },
      ],
      linearRegressionMetadata(plan),
      plan.metrics,
    )
  },
  privacy(schema: DatasetSchema, params: unknown): TrainerPrivacy | undefined {
    return trainerPrivacy(planLinearRegression(schema, params).privacy)
  },
  entry: siblingModule(import.meta.url, 'main'),
}
