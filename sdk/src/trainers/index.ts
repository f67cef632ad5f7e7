export {
  type LogisticRegressionModelReason,
  type TrainerModelReason,
  type TrainerParametersReason,
  LinearRegressionModelError,
  LogisticRegressionModelError,
  MlpClassifierModelError,
  TorchMlpModelError,
  TrainerParametersError,
} from './errors.ts'
export {
  type FeatureColumn,
  type FeatureScaling,
  type LabelClass,
  columnBounds,
  featureNames,
  labelClasses,
  maxIntegerLabelClasses,
  oneHotFeatureName,
  resolveFeatureColumns,
} from './dataset-columns.ts'
export {
  type DifferentialPrivacyParameters,
  type DifferentialPrivacyPlan,
  differentialPrivacyMetadata,
  differentialPrivacyMetricNames,
  differentialPrivacyMetrics,
  differentialPrivacyParametersSchema,
  planDifferentialPrivacy,
} from './differential-privacy.ts'
export type { ModelPrivacy, ModelRows, ModelScaling } from './model-file.ts'
export {
  type LogisticRegressionParameters,
  type LogisticRegressionParametersInput,
  type LogisticRegressionPlan,
  logisticRegressionMetadata,
  logisticRegressionMetricNames,
  logisticRegressionParametersSchema,
  logisticRegressionTrainerId,
  logisticRegressionTrainerVersion,
  planLogisticRegression,
} from './logistic-regression-plan.ts'
export { type LogisticRegressionModel, loadLogisticRegression } from './loadLogisticRegression.ts'
export { type LogisticRegressionPrediction, type LogisticRegressionRows, predictLogisticRegression } from './predictLogisticRegression.ts'
export {
  type LinearRegressionParameters,
  type LinearRegressionParametersInput,
  type LinearRegressionPlan,
  linearRegressionMetadata,
  linearRegressionMetricNames,
  linearRegressionParametersSchema,
  linearRegressionTrainerId,
  linearRegressionTrainerVersion,
  planLinearRegression,
} from './linear-regression-plan.ts'
export { type LinearRegressionModel, loadLinearRegression } from './loadLinearRegression.ts'
export { type RegressionEvaluation, evaluateRegression, predictLinearRegression } from './predictLinearRegression.ts'
export {
  type MlpClassifierParameters,
  type MlpClassifierParametersInput,
  type MlpClassifierPlan,
  type MlpLayer,
  mlpClassifierMaxParameters,
  mlpClassifierMetadata,
  mlpClassifierMetricNames,
  mlpClassifierParametersSchema,
  mlpClassifierTrainerId,
  mlpClassifierTrainerVersion,
  planMlpClassifier,
} from './mlp-classifier-plan.ts'
export { type MlpClassifierLayer, type MlpClassifierModel, loadMlpClassifier } from './loadMlpClassifier.ts'
export { type ClassPrediction, predictMlpClassifier } from './predictMlpClassifier.ts'
export {
  type TorchMlpParameters,
  type TorchMlpParametersInput,
  type TorchMlpPlan,
  planTorchMlp,
  torchMlpClassificationMetricNames,
  torchMlpMaxParameters,
  torchMlpMetadata,
  torchMlpParametersSchema,
  torchMlpRegressionMetricNames,
  torchMlpTensors,
  torchMlpTrainerId,
  torchMlpTrainerVersion,
} from './torch-mlp-plan.ts'
export { type TorchMlpClassifierModel, type TorchMlpModel, type TorchMlpRegressionModel, loadTorchMlp } from './loadTorchMlp.ts'
export { predictTorchMlp } from './predictTorchMlp.ts'
export { type ClassifierModel, evaluateAccuracy, predictClasses } from './evaluateAccuracy.ts'
export { UnknownModelError } from './errors.ts'
export { type LoadWeightsErrorType, type LoadWeightsReturnType, type Weights, loadWeights } from './loadWeights.ts'
export { type BuiltInModel, type LoadModelErrorType, type LoadModelReturnType, loadModel } from './loadModel.ts'
export { type Prediction, type PredictErrorType, predict } from './predict.ts'
export {
  type TrainerMetricsSpec,
  type TrainerParameterSpec,
  type TrainerSpec,
  type TrainerTensorSpec,
  formatParameterRange,
  trainerMetricDescriptions,
  trainerParameterSpecs,
  trainerSpec,
  trainerSpecs,
} from './trainer-specs.ts'
export {
  allValidationMetricNames,
  defaultValidationFractionValue,
  minimumTrainingRows,
  resolveValidationFraction,
  validationFractionSchema,
  validationMetricNames,
} from './validation.ts'
