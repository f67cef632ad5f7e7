export type {
  TrainerDefinition,
  TrainerOutputDeclaration,
  TrainerOutputFile,
  TrainerOutputTensor,
  TrainerParametersSchema,
  TrainerPrivacy,
  TrainerRuntime,
  HomomorphicAggregates,
  HomomorphicTrainer,
} from './definition.ts'
export { type BuildTrainerBundleOptions, type BuildTrainerBundleReturnType, buildTrainerBundle } from './buildTrainerBundle.ts'
export { builtinTrainers, homomorphicTrainers } from './registry.ts'
export { heStatsParametersSchema, heStatsTrainer } from './he-stats/definition.ts'
export { heRidgeParametersSchema, heRidgeTrainer } from './he-ridge/definition.ts'
export { logisticRegressionMetricNames, logisticRegressionTrainer } from './logistic-regression/definition.ts'
export { linearRegressionTrainer } from './linear-regression/definition.ts'
export { mlpClassifierTrainer } from './mlp-classifier/definition.ts'
export { torchMlpTrainer } from './torch-mlp/definition.ts'
export { torchCustomTrainer } from './torch-custom/definition.ts'
export {
  type TorchCustomParameters,
  type TorchCustomPlan,
  planTorchCustom,
  torchCustomMaxParameters,
  torchCustomMaxSourceBytes,
  torchCustomMetadata,
  torchCustomParametersSchema,
  torchCustomTensors,
  torchCustomTrainerId,
  torchCustomTrainerVersion,
} from './torch-custom/plan.ts'
