import { DataVaultError } from '../errors/base.ts'

/**
 * A sealed box could not be opened. Deliberately one error with one message for every cause (a
 * malformed box, a box sealed to another key, a different context, altered bytes), so that a caller
 * who can submit boxes learns nothing about which check failed.
 */
export class SealedBoxError extends DataVaultError {
  override name = 'SealedBoxError'
  constructor({ cause }: { cause?: unknown } = {}) {
    super('The sealed box cannot be opened with this key and context.', { code: 'SEALED_BOX_INVALID', status: 400, cause })
  }
}

/** A caller passed a key, context or secret the key-wrap functions cannot use. */
export class KeyWrapArgumentError extends DataVaultError {
  override name = 'KeyWrapArgumentError'
  constructor(shortMessage: string, { details }: { details?: string } = {}) {
    super(shortMessage, { code: 'KEYWRAP_INVALID_ARGUMENT', status: 400, details })
  }
}

/** Any error the key-wrap functions throw on purpose. */
export type KeyWrapErrorType = SealedBoxError | KeyWrapArgumentError
