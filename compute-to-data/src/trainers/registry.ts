import type { TrainerDefinition } from './definition.ts'
import { heRidgeTrainer } from './he-ridge/definition.ts'
import { heStatsTrainer } from './he-stats/definition.ts'
import { linearRegressionTrainer } from './linear-regression/definition.ts'
import { logisticRegressionTrainer } from './logistic-regression/definition.ts'
import { mlpClassifierTrainer } from './mlp-classifier/definition.ts'
import { torchCustomTrainer } from './torch-custom/definition.ts'
import { torchMlpTrainer } from './torch-mlp/definition.ts'

/** The trainers shipped with the node. A node runs only trainers from its catalog. */
export const builtinTrainers: readonly TrainerDefinition[] = [logisticRegressionTrainer, linearRegressionTrainer, mlpClassifierTrainer, torchMlpTrainer, torchCustomTrainer]

/**
 * The homomorphic trainers shipped with the node: they run on HE (CKKS) datasets' ciphertexts in
 * the engine's worker threads, not in the sandbox, and need `heWorkers` in the engine.
 */
export const homomorphicTrainers: readonly TrainerDefinition[] = [heStatsTrainer, heRidgeTrainer]
