import { DataVaultError } from '@datavault/sdk'

/** No upload session of this id for this wallet (never made, someone else's, or cleaned after it expired). */
export class UploadSessionNotFoundError extends DataVaultError {
  override name = 'UploadSessionNotFoundError'
  constructor() {
    super('No such upload session.', { code: 'UPLOAD_SESSION_NOT_FOUND', status: 404 })
  }
}

/** The upload session expired (nothing arrived for too long); its chunks are deleted. */
export class UploadSessionExpiredError extends DataVaultError {
  override name = 'UploadSessionExpiredError'
  constructor() {
    super('The upload session expired; its chunks were deleted. Start a new session.', { code: 'UPLOAD_SESSION_EXPIRED', status: 410 })
  }
}

/** The session cannot take this request now (completing, already complete, or a chunk still being written). */
export class UploadSessionConflictError extends DataVaultError {
  override name = 'UploadSessionConflictError'
  constructor(shortMessage: string, code = 'UPLOAD_SESSION_CONFLICT') {
    super(shortMessage, { code, status: 409 })
  }
}

/** The node or the wallet holds as many open upload sessions as it allows. */
export class UploadSessionLimitError extends DataVaultError {
  override name = 'UploadSessionLimitError'
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'UPLOAD_SESSION_LIMIT', status: 429 })
  }
}

/** A session's declared size or chunking is not acceptable. */
export class UploadSessionInvalidError extends DataVaultError {
  override name = 'UploadSessionInvalidError'
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'UPLOAD_SESSION_INVALID', status: 400 })
  }
}

/** A chunk index outside the session, or a chunk of the wrong length. */
export class UploadChunkSizeError extends DataVaultError {
  override name = 'UploadChunkSizeError'
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'UPLOAD_CHUNK_SIZE_MISMATCH', status: 400 })
  }
}

/** A chunk's bytes do not have the SHA-256 its signed request declared; it was not kept. */
export class UploadChunkHashError extends DataVaultError {
  override name = 'UploadChunkHashError'
  constructor(index: number) {
    super(`Chunk ${index} does not match the SHA-256 its request declared; it was not kept.`, { code: 'UPLOAD_CHUNK_HASH_MISMATCH', status: 400 })
  }
}

/** Completing refused: chunks missing, or the declared commitment differs from the chunks held. */
export class UploadIncompleteError extends DataVaultError {
  override name = 'UploadIncompleteError'
  constructor(shortMessage: string, code: 'UPLOAD_CHUNKS_MISSING' | 'UPLOAD_COMMITMENT_MISMATCH') {
    super(shortMessage, { code, status: 400 })
  }
}

/** A stored chunk changed on the node's disk between its arrival and the assembly; nothing was added. */
export class UploadChunkCorruptError extends DataVaultError {
  override name = 'UploadChunkCorruptError'
  constructor(index: number) {
    super(`Stored chunk ${index} no longer matches its digest; nothing was added to IPFS.`, { code: 'UPLOAD_CHUNK_CORRUPT', status: 500 })
  }
}
