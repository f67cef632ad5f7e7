import { DataVaultError } from '@datavault/sdk'

/** An (ε, δ) pair: a differential-privacy guarantee, or an amount of a budget. */
export type PrivacyAmount = { epsilon: number; delta: number }

/** An argument of the privacy accountant or ledger is out of its domain (a rate above 1, a negative ε…). */
export class PrivacyArgumentError extends DataVaultError {
  override name = 'PrivacyArgumentError'

  constructor(details: string) {
    super('Invalid privacy accounting argument.', { code: 'PRIVACY_ARGUMENT_INVALID', status: 400, details })
  }
}

/**
 * A job asks for more privacy budget than its dataset has left. `remaining` is what is still free
 * (budget − spent − reserved); a job that asks for at most that fits.
 */
export class PrivacyBudgetExceededError extends DataVaultError {
  override name = 'PrivacyBudgetExceededError'
  /** The dataset whose budget would be overspent. */
  readonly datasetId: string
  /** What the job asked for. */
  readonly requested: PrivacyAmount
  /** What is left of the dataset's budget. */
  readonly remaining: PrivacyAmount

  constructor(datasetId: string, requested: PrivacyAmount, remaining: PrivacyAmount, why: string) {
    super(`The dataset's privacy budget has ε = ${format(remaining.epsilon)}, δ = ${format(remaining.delta)} left.`, {
      code: 'PRIVACY_BUDGET_EXCEEDED',
      status: 409,
      details: `${why} The job asked for ε = ${format(requested.epsilon)}, δ = ${format(requested.delta)}.`,
    })
    this.datasetId = datasetId
    this.requested = requested
    this.remaining = remaining
  }
}

/** The dataset's owner has set no privacy budget, so no differentially private job may spend one. */
export class PrivacyBudgetNotSetError extends DataVaultError {
  override name = 'PrivacyBudgetNotSetError'

  constructor(datasetId: string) {
    super(`Dataset ${datasetId} has no privacy budget.`, { code: 'PRIVACY_BUDGET_NOT_SET', status: 409 })
  }
}

/** A ledger call contradicts what the ledger already holds for the job (a second reservation with other amounts, a commit after a release…). */
export class PrivacyLedgerConflictError extends DataVaultError {
  override name = 'PrivacyLedgerConflictError'

  constructor(jobId: string, details: string) {
    super(`The privacy ledger's entry for job ${jobId} does not allow this.`, { code: 'PRIVACY_LEDGER_CONFLICT', status: 409, details })
  }
}

/** The ledger holds no reservation for the job. */
export class PrivacyReservationNotFoundError extends DataVaultError {
  override name = 'PrivacyReservationNotFoundError'

  constructor(jobId: string) {
    super(`Job ${jobId} has no privacy reservation.`, { code: 'PRIVACY_RESERVATION_NOT_FOUND', status: 404 })
  }
}

const format = (value: number) => Number(value.toPrecision(6)).toString()
