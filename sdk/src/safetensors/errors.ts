import { DataVaultError } from '../errors/base.ts'

/** Why a safetensors buffer was refused; stable, for programs. */
export type SafetensorsFormatReason =
  | 'too-short'
  | 'header-too-large'
  | 'header-out-of-bounds'
  | 'header-not-utf8'
  | 'header-not-json'
  | 'header-not-object'
  | 'bad-metadata'
  | 'bad-tensor-entry'
  | 'unknown-dtype'
  | 'bad-shape'
  | 'bad-offsets'
  | 'size-mismatch'
  | 'offsets-not-contiguous'
  | 'trailing-bytes'
  | 'data-mismatch'
  | 'reserved-name'
  | 'unsupported-platform'

/**
 * A buffer is not a well-formed safetensors file, or tensors given to the encoder are inconsistent.
 * `reason` says which rule failed; the message names tensors and sizes, never tensor contents.
 */
export class SafetensorsFormatError extends DataVaultError {
  override name = 'SafetensorsFormatError'
  /** The rule that failed. */
  readonly reason: SafetensorsFormatReason

  constructor(reason: SafetensorsFormatReason, details?: string) {
    super(`Invalid safetensors (${reason}).`, { code: 'SAFETENSORS_FORMAT', status: 400, details })
    this.reason = reason
  }
}
