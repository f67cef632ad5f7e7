import { DataVaultError } from '@datavault/sdk'

/** Why the egress guard refused a job's outputs. */
export type EgressViolationReason =
  | 'bad-declaration'
  | 'undeclared-file'
  | 'missing-file'
  | 'not-regular-file'
  | 'too-large'
  | 'bad-safetensors'
  | 'tensor-mismatch'
  | 'bad-metadata'
  | 'non-finite'
  | 'bad-metrics'

/**
 * A job's outputs are not exactly what its trainer declared; nothing of them may be released.
 * Messages name declared files and tensors only: never an undeclared file's name (it was chosen
 * by the program and could carry data) nor any content.
 */
export class EgressViolationError extends DataVaultError {
  override name = 'EgressViolationError'
  /** Which rule the outputs broke. */
  readonly reason: EgressViolationReason

  constructor(reason: EgressViolationReason, details?: string) {
    super(`The job's outputs were refused by the egress guard (${reason}).`, { code: 'EGRESS_VIOLATION', status: 422, details })
    this.reason = reason
  }
}
