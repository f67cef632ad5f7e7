import {
  type DatasetSchema,
  mlpClassifierMetadata,
  mlpClassifierParametersSchema,
  mlpClassifierTrainerId,
  mlpClassifierTrainerVersion,
  planMlpClassifier,
} from '@datavault/sdk'
import { modelDeclaration, trainerPrivacy } from '../common/declaration.ts'
import { siblingModule } from '../siblingModule.ts'
import type { TrainerDefinition, TrainerOutputDeclaration, TrainerPrivacy } from '../definition.ts'

/**
 * The built-in MLP-classifier trainer: one or two hidden ReLU layers and a softmax over the
 * label's classes, trained with Adam and L2, optionally DP-SGD. Outputs `model.safetensors` (F32
 * `layer{i}.weight` [out, in] and `layer{i}.bias` [out] for each layer, `feature_mean` [D],
 * `feature_std` [D]) and `metrics.json` (`loss`, `accuracy`, `rows`, `epochs`; under DP the DP
 * metrics instead).
 */
export const mlpClassifierTrainer: TrainerDefinition = {
  id: mlpClassifierTrainerId,
  version: mlpClassifierTrainerVersion,
  description: 'Multilayer perceptron classifier (one or two hidden ReLU layers, softmax) on the number columns of a CSV dataset; optional DP-SGD.',
  parameters: mlpClassifierParametersSchema,
  outputs(schema: DatasetSchema, params: unknown): TrainerOutputDeclaration {
    const plan = planMlpClassifier(schema, params)
    const d = plan.features.length
    return modelDeclaration(
      [
        ...plan.layers.flatMap((layer) => [
          { name: `${layer.name}.weight`, shape: [layer.outputs, layer.inputs] },
          { name: `${layer.name}.bias`, shape: [layer.outputs] },
        ]),
        { name: 'feature_mean', shape: [d] },
        { name: 'feature_std', shape: [d] },
      ],
      mlpClassifierMetadata(plan),
      plan.metrics,
    )
  },
  privacy(schema: DatasetSchema, params: unknown): TrainerPrivacy | undefined {
    return trainerPrivacy(planMlpClassifier(schema, params).privacy)
  },
  entry: siblingModule(import.meta.url, 'main'),
}
