import { DataVaultError } from '@datavault/sdk'

/** An upload over one of the node's quotas (programs or ciphertexts): 429, with which limit in `details`. */
export class UploadQuotaExceededError extends DataVaultError {
  override name = 'UploadQuotaExceededError'
  constructor(shortMessage: string, details: string) {
    super(shortMessage, { code: 'UPLOAD_QUOTA_EXCEEDED', status: 429, details })
  }
}

/** A wallet uploading faster than the node allows: 429. */
export class UploadRateLimitedError extends DataVaultError {
  override name = 'UploadRateLimitedError'
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'UPLOAD_RATE_LIMITED', status: 429, details: 'per-wallet-rate' })
  }
}
