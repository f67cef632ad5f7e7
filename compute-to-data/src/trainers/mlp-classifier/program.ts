import { type MlpClassifierPlan, differentialPrivacyMetrics, mlpClassifierMetadata, planMlpClassifier } from '@datavault/sdk'
import type { TrainerProgram } from '../common/program.ts'
import { trainMlpClassifier } from './train.ts'

/** The MLP-classifier program: F32 `layer{i}.weight` [out, in], `layer{i}.bias` [out], `feature_mean` / `feature_std` [D]. */
export const mlpClassifierProgram: TrainerProgram<MlpClassifierPlan> = {
  plan: planMlpClassifier,
  metadata: mlpClassifierMetadata,
  train(plan, table, onEpoch) {
    const model = trainMlpClassifier(plan, table, { onEpoch })
    const d = plan.features.length
    const tensors: Record<string, { shape: number[]; data: Float64Array }> = {
      feature_mean: { shape: [d], data: model.featureMean },
      feature_std: { shape: [d], data: model.featureStd },
    }
    plan.layers.forEach((layer, i) => {
      tensors[`${layer.name}.weight`] = { shape: [layer.outputs, layer.inputs], data: model.layers[i]!.weight }
      tensors[`${layer.name}.bias`] = { shape: [layer.outputs], data: model.layers[i]!.bias }
    })
    return {
      tensors,
      metrics:
        plan.privacy === undefined
          ? { loss: model.loss!, accuracy: model.accuracy!, rows: table.rows, epochs: plan.params.epochs }
          : differentialPrivacyMetrics(plan.privacy, plan.params.epochs),
    }
  },
}
