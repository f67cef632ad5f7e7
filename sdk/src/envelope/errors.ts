import { DataVaultError } from '../errors/base.ts'

/** A caller passed something the envelope functions cannot use (a key of the wrong size, a bad chunk size). */
export class EnvelopeArgumentError extends DataVaultError {
  override name = 'EnvelopeArgumentError'
  constructor(shortMessage: string, { details }: { details?: string } = {}) {
    super(shortMessage, { code: 'ENVELOPE_INVALID_ARGUMENT', status: 400, details })
  }
}

/** A worker of a chunk cipher pool failed or exited, or the pool was closed, while chunks were pending. */
export class EnvelopeWorkerError extends DataVaultError {
  override name = 'EnvelopeWorkerError'
  constructor({ details }: { details?: string } = {}) {
    super('An encryption worker stopped before the chunks it held were done.', { code: 'ENVELOPE_WORKER_FAILED', status: 500, details })
  }
}

/** The input is not a datavault envelope: wrong magic bytes, a header cut short, or header fields out of range. */
export class EnvelopeHeaderError extends DataVaultError {
  override name = 'EnvelopeHeaderError'
  constructor(shortMessage: string, { details }: { details?: string } = {}) {
    super(shortMessage, { code: 'ENVELOPE_HEADER_INVALID', status: 400, details })
  }
}

/** The envelope is well formed but uses a format version or algorithm this SDK does not read. */
export class EnvelopeVersionError extends DataVaultError {
  override name = 'EnvelopeVersionError'
  readonly version: number | undefined
  readonly algorithm: number | undefined
  constructor({ version, algorithm }: { version: number | undefined; algorithm: number | undefined }) {
    super(`Unsupported envelope format: version ${version ?? '?'}, algorithm ${algorithm ?? '?'}.`, {
      code: 'ENVELOPE_VERSION_UNSUPPORTED',
      status: 422,
      details: 'This SDK reads envelope version 1 with algorithm 1 (AES-256-GCM, HKDF-SHA256, STREAM chunks).',
    })
    this.version = version
    this.algorithm = algorithm
  }
}

/**
 * The key does not match the envelope's key commitment. Found from the header alone, before any
 * chunk is tried. The nonce prefix is the HKDF salt, so an altered prefix or commitment in the header
 * reads the same way; nothing distinguishes the two without the right key.
 */
export class EnvelopeWrongKeyError extends DataVaultError {
  override name = 'EnvelopeWrongKeyError'
  constructor() {
    super('The key does not open this envelope: its key commitment does not match.', {
      code: 'ENVELOPE_WRONG_KEY',
      status: 422,
      details: 'Either the data key is not the one the envelope was made with, or the header nonce prefix or commitment was altered.',
    })
  }
}

/** A chunk failed authentication and is not a chunk from another position: its bytes (or its frame) were altered. */
export class EnvelopeTamperedError extends DataVaultError {
  override name = 'EnvelopeTamperedError'
  readonly chunkIndex: number
  constructor({ chunkIndex, details }: { chunkIndex: number; details?: string }) {
    super(`Envelope chunk ${chunkIndex} failed authentication: the ciphertext or its frame was altered.`, {
      code: 'ENVELOPE_TAMPERED',
      status: 422,
      details,
    })
    this.chunkIndex = chunkIndex
  }
}

/** The chunk at position `chunkIndex` authenticates as the chunk written at position `foundIndex`. */
export class EnvelopeReorderedError extends DataVaultError {
  override name = 'EnvelopeReorderedError'
  readonly chunkIndex: number
  readonly foundIndex: number
  constructor({ chunkIndex, foundIndex }: { chunkIndex: number; foundIndex: number }) {
    super(`Envelope chunks are out of order: position ${chunkIndex} holds chunk ${foundIndex}.`, {
      code: 'ENVELOPE_REORDERED',
      status: 422,
    })
    this.chunkIndex = chunkIndex
    this.foundIndex = foundIndex
  }
}

/** The input ended before the final chunk: whole chunks were dropped, or the input was cut inside a chunk. */
export class EnvelopeTruncatedError extends DataVaultError {
  override name = 'EnvelopeTruncatedError'
  readonly chunkIndex: number
  constructor({ chunkIndex, details }: { chunkIndex: number; details: string }) {
    super(`Envelope is truncated: it ends at chunk ${chunkIndex} without a final chunk.`, {
      code: 'ENVELOPE_TRUNCATED',
      status: 400,
      details,
    })
    this.chunkIndex = chunkIndex
  }
}

/** Bytes follow the authenticated final chunk. */
export class EnvelopeTrailingDataError extends DataVaultError {
  override name = 'EnvelopeTrailingDataError'
  readonly chunkIndex: number
  constructor({ chunkIndex }: { chunkIndex: number }) {
    super(`Envelope has trailing data after its final chunk ${chunkIndex}.`, {
      code: 'ENVELOPE_TRAILING_DATA',
      status: 400,
    })
    this.chunkIndex = chunkIndex
  }
}

/** Any error the envelope functions throw on purpose. */
export type EnvelopeErrorType =
  | EnvelopeArgumentError
  | EnvelopeHeaderError
  | EnvelopeVersionError
  | EnvelopeWrongKeyError
  | EnvelopeTamperedError
  | EnvelopeReorderedError
  | EnvelopeTruncatedError
  | EnvelopeTrailingDataError
  | EnvelopeWorkerError
