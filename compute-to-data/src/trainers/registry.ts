import type { TrainerDefinition } from './definition.ts'
import { linearRegressionTrainer } from './linear-regression/definition.ts'
import { logisticRegressionTrainer } from './logistic-regression/definition.ts'
import { mlpClassifierTrainer } from './mlp-classifier/definition.ts'
import { torchCustomTrainer } from './torch-custom/definition.ts'
import { torchMlpTrainer } from './torch-mlp/definition.ts'

/** The trainers shipped with the node. A node runs only trainers from its catalog. */
export const builtinTrainers: readonly TrainerDefinition[] = [logisticRegressionTrainer, linearRegressionTrainer, mlpClassifierTrainer, torchMlpTrainer, torchCustomTrainer]
