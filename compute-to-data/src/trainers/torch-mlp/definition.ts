import { fileURLToPath } from 'node:url'
import { type DatasetSchema, planTorchMlp, torchMlpMetadata, torchMlpParametersSchema, torchMlpTensors, torchMlpTrainerId, torchMlpTrainerVersion } from '@datavault/sdk'
import { modelDeclaration, trainerPrivacy } from '../common/declaration.ts'
import type { TrainerDefinition, TrainerOutputDeclaration, TrainerPrivacy } from '../definition.ts'

/**
 * The built-in PyTorch trainer: a multilayer perceptron (one to four hidden ReLU layers) for a
 * category label (softmax, cross-entropy) or a number label (squared error), Adam or SGD,
 * optionally DP-SGD with per-example gradients in torch. Its program is `train.py`, run as it is
 * (runtime `pytorch`: CPU in the local sandbox, `cuda` where the environment has a GPU). Outputs
 * `model.safetensors` (F32 `layer{i}.weight` [out, in], `layer{i}.bias` [out], `feature_mean` /
 * `feature_std` [D], and for regression `target_mean` / `target_std` [1]) and `metrics.json`.
 */
export const torchMlpTrainer: TrainerDefinition = {
  id: torchMlpTrainerId,
  version: torchMlpTrainerVersion,
  description:
    'PyTorch multilayer perceptron (one to four hidden ReLU layers) for classification or regression on the number columns of a CSV dataset; Adam or SGD; optional DP-SGD.',
  parameters: torchMlpParametersSchema,
  outputs(schema: DatasetSchema, params: unknown): TrainerOutputDeclaration {
    const plan = planTorchMlp(schema, params)
    return modelDeclaration(torchMlpTensors(plan), torchMlpMetadata(plan), plan.metrics)
  },
  privacy(schema: DatasetSchema, params: unknown): TrainerPrivacy | undefined {
    return trainerPrivacy(planTorchMlp(schema, params).privacy)
  },
  entry: fileURLToPath(new URL('./train.py', import.meta.url)),
  runtime: 'pytorch',
}
