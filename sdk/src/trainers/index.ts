export { type LogisticRegressionModelReason, type TrainerParametersReason, LogisticRegressionModelError, TrainerParametersError } from './errors.ts'
export {
  type LogisticRegressionParameters,
  type LogisticRegressionParametersInput,
  type LogisticRegressionPlan,
  logisticRegressionMetadata,
  logisticRegressionParametersSchema,
  logisticRegressionTrainerId,
  logisticRegressionTrainerVersion,
  planLogisticRegression,
} from './logistic-regression-plan.ts'
export { type LogisticRegressionModel, loadLogisticRegression } from './loadLogisticRegression.ts'
export { type LogisticRegressionPrediction, type LogisticRegressionRows, predictLogisticRegression } from './predictLogisticRegression.ts'
export { evaluateAccuracy } from './evaluateAccuracy.ts'
