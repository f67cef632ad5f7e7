export type { TrainerDefinition, TrainerOutputDeclaration, TrainerOutputFile, TrainerOutputTensor, TrainerParametersSchema } from './definition.ts'
export { type BuildTrainerBundleOptions, type BuildTrainerBundleReturnType, buildTrainerBundle } from './buildTrainerBundle.ts'
export { builtinTrainers } from './registry.ts'
export { logisticRegressionMetricNames, logisticRegressionTrainer } from './logistic-regression/definition.ts'
