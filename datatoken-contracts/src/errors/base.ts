/**
 * What kind of failure an error is, for a program deciding what to do next (the CLI's exit codes
 * come from it, so a rename of a class changes nothing):
 * - `input`: the caller's arguments or settings are wrong; fix them and try again.
 * - `refused`: a well-formed request that the other side refuses or cannot match (not the owner,
 *   not for sale, unknown id, not allowed by a policy).
 * - `verification`: something did not verify (a signature, a digest, a receipt).
 * - `failure`: anything else (unreachable, reverted, a bug). The default.
 */
export type DataVaultErrorKind = 'input' | 'refused' | 'verification' | 'failure'

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
  /** What kind of failure this is (see {@link DataVaultErrorKind}); `failure` by default. */
  kind?: DataVaultErrorKind | undefined
}

/**
 * The one base class of every error datavault throws on purpose.
 *
 * `name` and `code` are stable and meant for programs (tests check them, not `instanceof`);
 * `shortMessage` is one sentence for people; `details` says more; `status`/`expose` let an HTTP
 * edge answer with the right status without leaking internals.
 *
 * @example
 * class DatasetNotFoundError extends DataVaultError {
 *   override name = 'DatasetNotFoundError'
 *   constructor(id: string) { super(`Dataset ${id} not found.`, { code: 'DATASET_NOT_FOUND', status: 404 }) }
 * }
 */
export class DataVaultError extends Error {
  override name = 'DataVaultError'
  /** Stable machine-readable code, e.g. `ENVELOPE_TAMPERED`. */
  readonly code: string
  /** One human sentence, without details or cause. */
  readonly shortMessage: string
  /** Optional longer explanation. */
  readonly details: string | undefined
  /** HTTP status for an edge that reports this error. */
  readonly status: number
  /** Whether a remote client may see `shortMessage` and `details`. */
  readonly expose: boolean
  /** What kind of failure this is: what a caller can do about it. */
  readonly kind: DataVaultErrorKind

  constructor(shortMessage: string, options: DataVaultErrorOptions & { code: string }) {
    const message = options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
    this.shortMessage = shortMessage
    this.details = options.details
    this.status = options.status ?? 500
    this.expose = options.expose ?? this.status < 500
    this.kind = options.kind ?? 'failure'
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

/** True when `error` is a DataVaultError (checked by shape, so it works across package copies). */
export function isDataVaultError(error: unknown): error is DataVaultError {
  return (
    error instanceof Error &&
    typeof (error as Partial<DataVaultError>).code === 'string' &&
    typeof (error as Partial<DataVaultError>).shortMessage === 'string'
  )
}
