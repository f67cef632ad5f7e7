import { DataVaultError } from '../errors/base.ts'

/** Why a trainer's parameters do not fit a dataset; stable codes, also printed by the trainer itself. */
export type TrainerParametersReason =
  | 'bad-parameters'
  | 'bad-label'
  | 'missing-column'
  | 'bad-feature'
  | 'duplicate-feature'
  | 'no-numeric-features'

/** A trainer's parameters are invalid, or do not fit the dataset's schema. Names columns, never data. */
export class TrainerParametersError extends DataVaultError {
  override name = 'TrainerParametersError'
  /** Which rule failed. */
  readonly reason: TrainerParametersReason

  constructor(reason: TrainerParametersReason, details?: string) {
    super(`Trainer parameters do not fit the dataset (${reason}).`, { code: 'TRAINER_PARAMETERS_INVALID', status: 400, details })
    this.reason = reason
  }
}

/** Why a logistic-regression model file, or the rows given to it, were refused. */
export type LogisticRegressionModelReason = 'bad-file' | 'bad-metadata' | 'bad-tensors' | 'bad-input'

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
