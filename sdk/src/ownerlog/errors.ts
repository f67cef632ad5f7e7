import { DataVaultError } from '../errors/base.ts'

/**
 * The owner log key this wallet derives is not the one the node holds for it: logs sealed to the
 * node's key cannot be opened with this wallet's signature (another signer, or a signer that does
 * not sign deterministically).
 */
export class OwnerLogKeyMismatchError extends DataVaultError {
  override name = 'OwnerLogKeyMismatchError'
  constructor() {
    super("This wallet's owner log key is not the one the node sealed the log to, so the log cannot be opened here.", {
      code: 'OWNER_LOG_KEY_MISMATCH',
      status: 409,
      details: 'The key is derived from a signature of a fixed message; the signer must be the same wallet and sign deterministically (RFC 6979), as viem local accounts do.',
      kind: 'refused',
    })
  }
}
