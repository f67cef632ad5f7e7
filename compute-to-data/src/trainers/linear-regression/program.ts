import { type LinearRegressionPlan, differentialPrivacyMetrics, linearRegressionMetadata, planLinearRegression } from '@datavault/sdk'
import type { TrainerProgram } from '../common/program.ts'
import { trainLinearRegression } from './train.ts'

/** The linear-regression program: F32 `weights` [1, D], `bias` [1], `feature_mean` / `feature_std` [D]. */
export const linearRegressionProgram: TrainerProgram<LinearRegressionPlan> = {
  plan: planLinearRegression,
  metadata: linearRegressionMetadata,
  train(plan, table, onEpoch) {
    const model = trainLinearRegression(plan, table, { onEpoch })
    const d = plan.features.length
    return {
      tensors: {
        weights: { shape: [1, d], data: model.weights },
        bias: { shape: [1], data: Float64Array.of(model.bias) },
        feature_mean: { shape: [d], data: model.featureMean },
        feature_std: { shape: [d], data: model.featureStd },
      },
      metrics:
        plan.privacy === undefined
          ? { loss: model.loss!, r2: model.r2!, rows: table.rows, epochs: plan.params.epochs }
          : differentialPrivacyMetrics(plan.privacy, plan.params.epochs),
    }
  },
}
