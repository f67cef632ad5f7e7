/** Options shared by every datavault error. */
export type DataVaultErrorOptions = {
  /** The error that led to this one, kept for logs; never sent to a client. */
  cause?: unknown
  /** A longer, still safe, explanation of what went wrong. */
  details?: string | undefined
  /** HTTP status a server answers with when this error reaches its edge. */
  status?: number | undefined
  /** Whether the message may be shown to a remote client (Koa's `expose`). Defaults to `status < 500`. */
  expose?: boolean | undefined
}

/**
 * The error base of `@datavault/contracts`: the same contract as `DataVaultError` in
 * `@datavault/sdk` (`name`, `code`, `shortMessage`, `details`, `status`, `expose`, `toJSON`).
 *
 * Why a copy: this package is the leaf of the dependency graph (the SDK imports its ABIs and
 * types), so it cannot import the SDK without a cycle. The SDK's `isDataVaultError` checks the
 * shape, not the class, so errors thrown here are recognised everywhere. If the base ever moves
 * into a leaf package, this file becomes a re-export.
 */
export class DataVaultError extends Error {
  override name = 'DataVaultError'
  /** Stable machine-readable code, e.g. `ORDER_NOT_FOUND`. */
  readonly code: string
  /** One human sentence, without details or cause. */
  readonly shortMessage: string
  /** Optional longer explanation. */
  readonly details: string | undefined
  /** HTTP status for an edge that reports this error. */
  readonly status: number
  /** Whether a remote client may see `shortMessage` and `details`. */
  readonly expose: boolean

  constructor(shortMessage: string, options: DataVaultErrorOptions & { code: string }) {
    const message = options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
    this.shortMessage = shortMessage
    this.details = options.details
    this.status = options.status ?? 500
    this.expose = options.expose ?? this.status < 500
  }

  /** The JSON a server may send for this error: never the cause or a stack. */
  toJSON(): { name: string; code: string; message: string; details?: string } {
    return {
      name: this.name,
      code: this.code,
      message: this.shortMessage,
      ...(this.details ? { details: this.details } : {}),
    }
  }
}
