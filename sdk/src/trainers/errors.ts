import { DataVaultError } from '../errors/base.ts'

/** Why a trainer's parameters do not fit a dataset; stable codes, also printed by the trainer itself. */
export type TrainerParametersReason =
  | 'bad-parameters'
  | 'bad-label'
  | 'missing-column'
  | 'bad-feature'
  | 'duplicate-feature'
  | 'no-numeric-features'
  /** The model would have more parameters than a trainer may write. */
  | 'model-too-large'
  /** Differential privacy needs the schema's declared `rows`. */
  | 'dp-missing-rows'
  /** Differential privacy needs declared `min`/`max` bounds on every column the model reads. */
  | 'dp-missing-bounds'
  /** The expected batch size is larger than the declared rows (a sample rate above 1). */
  | 'dp-batch-too-large'
  /** `delta` is not below 1 / rows, which would allow releasing a whole row. */
  | 'dp-delta-too-large'

/** A trainer's parameters are invalid, or do not fit the dataset's schema. Names columns, never data. */
export class TrainerParametersError extends DataVaultError {
  override name = 'TrainerParametersError'
  /** Which rule failed. */
  readonly reason: TrainerParametersReason

  constructor(reason: TrainerParametersReason, details?: string) {
    super(`Trainer parameters do not fit the dataset (${reason}).`, { code: 'TRAINER_PARAMETERS_INVALID', status: 400, details, kind: 'input' })
    this.reason = reason
  }
}

/** Why a model file written by a built-in trainer, or the rows given to it, were refused. */
export type TrainerModelReason = 'bad-file' | 'bad-metadata' | 'bad-tensors' | 'bad-input'

/** Why a logistic-regression model file, or the rows given to it, were refused. */
export type LogisticRegressionModelReason = TrainerModelReason

/** A logistic-regression model file is not one this SDK can use, or prediction input does not fit it. */
export class LogisticRegressionModelError extends DataVaultError {
  override name = 'LogisticRegressionModelError'
  /** Which rule failed. */
  readonly reason: LogisticRegressionModelReason

  constructor(reason: LogisticRegressionModelReason, details?: string, options: { cause?: unknown } = {}) {
    super(`Invalid logistic-regression model or input (${reason}).`, { code: 'LOGISTIC_REGRESSION_INVALID', status: 400, details, cause: options.cause })
    this.reason = reason
  }
}

/** A linear-regression model file is not one this SDK can use, or prediction input does not fit it. */
export class LinearRegressionModelError extends DataVaultError {
  override name = 'LinearRegressionModelError'
  /** Which rule failed. */
  readonly reason: TrainerModelReason

  constructor(reason: TrainerModelReason, details?: string, options: { cause?: unknown } = {}) {
    super(`Invalid linear-regression model or input (${reason}).`, { code: 'LINEAR_REGRESSION_INVALID', status: 400, details, cause: options.cause })
    this.reason = reason
  }
}

/** An MLP-classifier model file is not one this SDK can use, or prediction input does not fit it. */
export class MlpClassifierModelError extends DataVaultError {
  override name = 'MlpClassifierModelError'
  /** Which rule failed. */
  readonly reason: TrainerModelReason

  constructor(reason: TrainerModelReason, details?: string, options: { cause?: unknown } = {}) {
    super(`Invalid mlp-classifier model or input (${reason}).`, { code: 'MLP_CLASSIFIER_INVALID', status: 400, details, cause: options.cause })
    this.reason = reason
  }
}

/** A torch-mlp model file is not one this SDK can use, or prediction input does not fit it. */
export class TorchMlpModelError extends DataVaultError {
  override name = 'TorchMlpModelError'
  /** Which rule failed. */
  readonly reason: TrainerModelReason

  constructor(reason: TrainerModelReason, details?: string, options: { cause?: unknown } = {}) {
    super(`Invalid torch-mlp model or input (${reason}).`, { code: 'TORCH_MLP_INVALID', status: 400, details, cause: options.cause })
    this.reason = reason
  }
}

/** Model weights were not written by a trainer this SDK can predict with (a custom algorithm's, or an unknown trainer's). */
export class UnknownModelError extends DataVaultError {
  override name = 'UnknownModelError'
  /** The trainer the file names in its metadata, if any. */
  readonly trainer: string | undefined

  constructor(trainer: string | undefined) {
    super(
      trainer === undefined
        ? 'The weights do not say which trainer wrote them; read their tensors with loadWeights.'
        : `No built-in predictor for weights written by ${JSON.stringify(trainer)}; read their tensors with loadWeights.`,
      { code: 'MODEL_TRAINER_UNKNOWN', status: 400 },
    )
    this.trainer = trainer
  }
}
