import { DataVaultError } from '../errors/base.ts'

/** A threshold, holder list or share the key-share functions cannot use. */
export class KeyShareArgumentError extends DataVaultError {
  override name = 'KeyShareArgumentError'
  constructor(shortMessage: string, { details }: { details?: string } = {}) {
    super(shortMessage, { code: 'KEY_SHARE_INVALID_ARGUMENT', status: 400, details })
  }
}

/**
 * The shares did not give back the escrowed key: fewer than the threshold were valid, or what they
 * combine to does not match the owner's key commitment. Never carries share or key bytes.
 */
export class KeyShareCombineError extends DataVaultError {
  override name = 'KeyShareCombineError'
  constructor(shortMessage: string, { details }: { details?: string } = {}) {
    super(shortMessage, { code: 'KEY_SHARES_INVALID', status: 502, details })
  }
}
