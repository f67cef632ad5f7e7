// The extension's errors: each a DataVaultError (the SDK's base) with a stable `name` and `code`,
// and a `shortMessage` written for the person using the extension.
import { DataVaultError, isDataVaultError } from '@datavault/sdk'

/** Codes of {@link WalletError}. */
export type WalletErrorCode =
  | 'WALLET_EXISTS'
  | 'WALLET_MISSING'
  | 'WALLET_LOCKED'
  | 'WALLET_WRONG_PASSWORD'
  | 'WALLET_PASSWORD_WEAK'
  | 'WALLET_KEY_INVALID'
  | 'KEYSTORE_INVALID'
  | 'KEYSTORE_ADDRESS_MISMATCH'
  | 'WALLET_SIGN_REFUSED'

/** The wallet cannot do what was asked: none yet, locked, a wrong password, an unreadable keystore. */
export class WalletError extends DataVaultError {
  override name = 'WalletError'
  declare readonly code: WalletErrorCode
  constructor(shortMessage: string, { code, details, cause }: { code: WalletErrorCode; details?: string | undefined; cause?: unknown }) {
    super(shortMessage, { code, details, cause, status: code === 'WALLET_LOCKED' ? 401 : 400 })
  }
}

/** A message to the background that does not have the shape of any request. */
export class RequestInvalidError extends DataVaultError {
  override name = 'RequestInvalidError'
  constructor(details: string) {
    super('The extension received a request it does not understand.', { code: 'REQUEST_INVALID', status: 400, details })
  }
}

/** Settings that cannot be used (a node URL that is not http(s), an auto-lock out of range). */
export class SettingsInvalidError extends DataVaultError {
  override name = 'SettingsInvalidError'
  constructor(details: string) {
    super('These settings cannot be used.', { code: 'SETTINGS_INVALID', status: 400, details })
  }
}

/** Codes of {@link DataFileError}. */
export type DataFileErrorCode = 'FILE_TOO_LARGE' | 'FILE_EMPTY' | 'CSV_INVALID' | 'JSON_INVALID' | 'TABLE_UNUSABLE'

/** A file (or captured table) that cannot be added: too big, empty, or not parseable as what it claims to be. */
export class DataFileError extends DataVaultError {
  override name = 'DataFileError'
  declare readonly code: DataFileErrorCode
  constructor(shortMessage: string, { code, details }: { code: DataFileErrorCode; details?: string | undefined }) {
    super(shortMessage, { code, details, status: code === 'FILE_TOO_LARGE' ? 413 : 422 })
  }
}

/** The library has no item with this id (for this wallet). */
export class LibraryItemNotFoundError extends DataVaultError {
  override name = 'LibraryItemNotFoundError'
  constructor(id: string) {
    super(`Nothing in this wallet's vault has the id ${id}.`, { code: 'LIBRARY_ITEM_NOT_FOUND', status: 404 })
  }
}

/** Nothing could be captured from the page (no table, an empty selection, a page extensions may not read). */
export class CaptureError extends DataVaultError {
  override name = 'CaptureError'
  constructor(shortMessage: string, { code }: { code: 'CAPTURE_EMPTY' | 'CAPTURE_NOT_ALLOWED' | 'CAPTURE_NONE_WAITING' }) {
    super(shortMessage, { code, status: 422 })
  }
}

/**
 * An error the background answered with, rebuilt in the page with the same `name`, `code`,
 * `shortMessage` and `details` (messages between extension contexts carry JSON only).
 */
export class BackgroundError extends DataVaultError {
  constructor({ name, code, message, details }: { name: string; code: string; message: string; details?: string | undefined }) {
    super(message, { code, details, status: 400 })
    this.name = name
  }
}

/** An error as JSON for another extension context: its stable name and code and its short message, never its cause or stack. */
export type ErrorJson = { name: string; code: string; message: string; details?: string | undefined }

/**
 * The JSON of an error to send to another context. Errors that are not datavault's are not
 * described (they may hold anything): they become `INTERNAL`.
 *
 * @example
 * postMessage({ error: errorJson(error) })
 */
export function errorJson(error: unknown): ErrorJson {
  if (isDataVaultError(error)) return { name: error.name, code: error.code, message: error.shortMessage, ...(error.details ? { details: error.details } : {}) }
  return { name: 'InternalError', code: 'INTERNAL', message: 'Something went wrong in the extension.' }
}

/** The chain's JSON-RPC endpoint did not answer (or answered something that is not JSON-RPC). */
export class ChainUnreachableError extends DataVaultError {
  override name = 'ChainUnreachableError'
  constructor({ url, cause }: { url: string; cause?: unknown }) {
    super(`Could not reach the chain's RPC at ${safeOrigin(url)}.`, { code: 'CHAIN_UNREACHABLE', status: 503, cause })
  }
}

/** A URL's origin only: its path or query may hold an API key. */
export function safeOrigin(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return 'an invalid URL'
  }
}
