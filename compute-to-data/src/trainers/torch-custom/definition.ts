import { fileURLToPath } from 'node:url'
import type { DatasetSchema } from '@datavault/sdk'
import { modelDeclaration, trainerPrivacy } from '../common/declaration.ts'
import type { TrainerDefinition, TrainerOutputDeclaration, TrainerPrivacy } from '../definition.ts'
import { planTorchCustom, torchCustomMetadata, torchCustomParametersSchema, torchCustomTensors, torchCustomTrainerId, torchCustomTrainerVersion } from './plan.ts'

/**
 * A buyer's own PyTorch model under the node's DP-SGD: the buyer supplies the module definition
 * and the per-example loss (Python source in `params.model`); the node's `train.py` owns the
 * parameters, the Poisson batches, the per-example gradients (each in a fresh confined process),
 * the clipping, the noise and the update, and releases only the parameters it kept. DP is
 * mandatory, so ε comes from the node's accountant like a built-in trainer's. See README.md.
 */
export const torchCustomTrainer: TrainerDefinition = {
  id: torchCustomTrainerId,
  version: torchCustomTrainerVersion,
  description:
    "A buyer's own PyTorch module and loss, trained by the node's DP-SGD loop (the node owns parameters, sampling, clipping and noise; each example's gradient is computed in a fresh confined process).",
  parameters: torchCustomParametersSchema,
  outputs(schema: DatasetSchema, params: unknown): TrainerOutputDeclaration {
    const plan = planTorchCustom(schema, params)
    return modelDeclaration(torchCustomTensors(plan), torchCustomMetadata(plan), plan.metrics)
  },
  privacy(schema: DatasetSchema, params: unknown): TrainerPrivacy | undefined {
    return trainerPrivacy(planTorchCustom(schema, params).privacy)
  },
  entry: fileURLToPath(new URL('./train.py', import.meta.url)),
  runtime: 'pytorch',
}
