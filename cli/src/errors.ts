// The CLI's errors and the exit code each one ends the process with. Scripts rely on the codes;
// they are listed in the top-level `--help` and in cli/README.md.
import { DataVaultError, type DataVaultErrorKind, isDataVaultError } from '@datavault/sdk'

/** Exit codes of the `datavault` CLI. Stable: scripts branch on them. */
export const exitCodes = {
  /** Everything worked. */
  ok: 0,
  /** Anything else failed: the node or the chain unreachable, a transaction failed, a bug. */
  failure: 1,
  /** Bad command line: unknown command or flag, a bad value (`--param`, `--price`…), a file that cannot be read. */
  usage: 2,
  /** The training job ended `failed` (or was denied). */
  jobFailed: 3,
  /** Not found or refused: unknown dataset or job, not allowed (not the owner, policy), order already used. */
  notFound: 4,
  /** Verification failed: a receipt's signature, node or outputs, a weights file's hash. */
  verification: 5,
  /** No usable wallet: no key configured, unknown key name, wrong password, no password in a script. */
  wallet: 6,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const

/** One of {@link exitCodes}. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes]

/** Options of a CLI error: the exit code it ends the process with. */
type CliErrorOptions = { code: string; exitCode: ExitCode; details?: string | undefined; cause?: unknown }

/** Base of the CLI's own errors: a DataVaultError that knows its exit code. */
export class CliError extends DataVaultError {
  override name = 'CliError'
  /** The process exit code this error ends with. */
  readonly exitCode: ExitCode
  constructor(shortMessage: string, { code, exitCode, details, cause }: CliErrorOptions) {
    super(shortMessage, { code, details, cause, status: exitCode === exitCodes.usage ? 400 : 500 })
    this.exitCode = exitCode
  }
}

/** The command line is wrong (exit 2). */
export class CliUsageError extends CliError {
  override name = 'CliUsageError'
  constructor(shortMessage: string, { code = 'CLI_USAGE', details }: { code?: string; details?: string | undefined } = {}) {
    super(shortMessage, { code, exitCode: exitCodes.usage, details })
  }
}

/** A file named on the command line cannot be read (exit 2). */
export class CliFileError extends CliError {
  override name = 'CliFileError'
  constructor(path: string, cause: unknown) {
    const errno = (cause as NodeJS.ErrnoException | undefined)?.code
    const why = errno === 'ENOENT' ? 'does not exist' : errno === 'EACCES' ? 'is not readable' : errno === 'EISDIR' ? 'is a directory' : 'cannot be read'
    super(`The file ${path} ${why}.`, { code: errno === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', exitCode: exitCodes.usage, cause })
  }
}

/** Something the command needs was not found, or the node refused it (exit 4). */
export class CliNotFoundError extends CliError {
  override name = 'CliNotFoundError'
  constructor(shortMessage: string, { code, details }: { code: string; details?: string | undefined }) {
    super(shortMessage, { code, exitCode: exitCodes.notFound, details })
  }
}

/**
 * The node (or the dataset's policy) refuses what was asked (exit 4): a trainer the policy does
 * not allow, more epochs than it allows, a job without DP on a dataset with a budget, a budget
 * that would be overspent. `code` is the node's, the message its reason.
 */
export class CliRefusedError extends CliError {
  override name = 'CliRefusedError'
  constructor(shortMessage: string, { code, details }: { code: string; details?: string | undefined }) {
    super(shortMessage, { code, exitCode: exitCodes.notFound, details })
  }
}

/** No usable wallet (exit 6): nothing configured, unknown key, wrong password, no password. */
export class CliWalletError extends CliError {
  override name = 'CliWalletError'
  constructor(shortMessage: string, { code, details, cause }: { code: string; details?: string | undefined; cause?: unknown }) {
    super(shortMessage, { code, exitCode: exitCodes.wallet, details, cause })
  }
}

/** A training job ended `failed` (exit 3). `details` carries the node's failure code and message. */
export class CliJobFailedError extends CliError {
  override name = 'CliJobFailedError'
  readonly jobId: string
  readonly failure: { code: string; message: string } | undefined
  constructor(jobId: string, failure: { code: string; message: string } | undefined) {
    super(`Job ${jobId} failed${failure ? `: ${failure.code}: ${failure.message}` : '.'}`, { code: 'JOB_FAILED', exitCode: exitCodes.jobFailed })
    this.jobId = jobId
    this.failure = failure
  }
}

/** A verification failed (exit 5). */
export class CliVerificationError extends CliError {
  override name = 'CliVerificationError'
  constructor(shortMessage: string, { code }: { code: string }) {
    super(shortMessage, { code, exitCode: exitCodes.verification })
  }
}

/** The user pressed Ctrl-C (exit 130). */
export class CliInterruptedError extends CliError {
  override name = 'CliInterruptedError'
  constructor(shortMessage = 'Interrupted.') {
    super(shortMessage, { code: 'INTERRUPTED', exitCode: exitCodes.interrupted })
  }
}

/** The exit code for each kind of SDK, contract or node error (their classes say which kind they are). */
const exitCodeOfKind: Record<DataVaultErrorKind, ExitCode> = {
  input: exitCodes.usage,
  refused: exitCodes.notFound,
  verification: exitCodes.verification,
  failure: exitCodes.failure,
}

/**
 * The exit code for an error that ended a command. CLI errors carry theirs; every other
 * DataVaultError has a `kind` (its class's, or for a node's answer its HTTP status's: 400 is the
 * caller's input, 403/404/409 a refusal, 5xx a failure), which decides.
 */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return exitCodes.usage
  if (!isDataVaultError(error)) return exitCodes.failure
  // An error from a copy of the base class older than `kind` has none: a failure.
  return exitCodeOfKind[(error as { kind?: DataVaultErrorKind }).kind ?? 'failure'] ?? exitCodes.failure
}

/** The one line (plus details) the CLI prints for an error: never a stack, key or password. */
export function describeError(error: unknown): { name: string; code: string; message: string; details?: string; job?: string; failure?: { code: string; message: string } } {
  if (error instanceof CliJobFailedError)
    return { name: error.name, code: error.code, message: error.shortMessage, job: error.jobId, ...(error.failure ? { failure: error.failure } : {}) }
  if (isDataVaultError(error)) return { name: error.name, code: error.code, message: error.shortMessage, ...(error.details ? { details: error.details } : {}) }
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return { name: 'CliUsageError', code: 'CLI_USAGE', message: parseArgsMessage(code, (error as Error).message) }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { name: error instanceof Error ? error.name : 'Error', code: 'UNEXPECTED', message }
}

/**
 * Node's `parseArgs` messages in the CLI's words. Its unknown-option message ends with advice about
 * positionals and an unbalanced quote (`as in '-- "--account"`); the option's name is what helps.
 */
function parseArgsMessage(code: string, message: string): string {
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /^Unknown option '([^']+)'/.exec(message)?.[1]
    if (option !== undefined) return `Unknown option ${option}.`
  }
  return message
}
