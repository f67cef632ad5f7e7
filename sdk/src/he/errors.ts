import { DataVaultError } from '../errors/base.ts'

/** Why an HE object or bundle was refused before (or instead of) being loaded into SEAL. */
export type HeObjectRefusedReason =
  | 'bad-format'
  | 'bad-signature'
  | 'hash-mismatch'
  | 'too-large'
  | 'unsupported-parameters'
  | 'wrong-parameters'

/**
 * An HE bundle or one of its SEAL objects was refused: unsigned, tampered, oversized or made for
 * other parameters. Raised before node-seal (SEAL 4.1.2, unsafe on hostile input) parses anything.
 */
export class HeObjectRefusedError extends DataVaultError {
  override name = 'HeObjectRefusedError'
  readonly reason: HeObjectRefusedReason
  constructor(shortMessage: string, { reason, details }: { reason: HeObjectRefusedReason; details?: string }) {
    super(shortMessage, { code: 'HE_OBJECT_REFUSED', status: 422, details, expose: true })
    this.reason = reason
  }
}

/** Arguments the HE functions cannot use (no numeric columns, a column of another length, …). */
export class HeArgumentError extends DataVaultError {
  override name = 'HeArgumentError'
  constructor(shortMessage: string, { details }: { details?: string } = {}) {
    super(shortMessage, { code: 'HE_INVALID_ARGUMENT', status: 400, details, expose: true })
  }
}

/** The HE results cannot be released: too few rows for the policy, or a result that failed its checks. */
export class HeReleaseRefusedError extends DataVaultError {
  override name = 'HeReleaseRefusedError'
  constructor(shortMessage: string, { code = 'HE_RELEASE_REFUSED', details }: { code?: string; details?: string } = {}) {
    super(shortMessage, { code, status: 403, details, expose: true })
  }
}
