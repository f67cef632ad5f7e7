import { DataVaultError } from '@datavault/sdk'

/** Content-addressed storage of ciphertext: Helia embedded, or an external IPFS node. */
export type Storage = {
  /**
   * Adds a byte stream as a UnixFS file, pins it, and returns its CID and size. Each piece of
   * `source` is read before the next is asked for and no reference to it is kept: the caller may
   * free or refill a piece's buffer once the next is asked for.
   */
  add(source: AsyncIterable<Uint8Array>, options?: { maxBytes?: number; signal?: AbortSignal }): Promise<{ cid: string; size: number }>
  /** Streams a pinned file's bytes; never asks the network. */
  cat(cid: string, options?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>
  /** Size of a stored file, or `undefined` when it is not here. */
  stat(cid: string): Promise<{ size: number } | undefined>
  /** Unpins a file (a retired ciphertext); its blocks go at the next collection. */
  unpin(cid: string): Promise<void>
  stop(): Promise<void>
}

/** An upload went past the size limit; nothing of it was kept. */
export class UploadTooLargeError extends DataVaultError {
  override name = 'UploadTooLargeError'
  constructor(maxBytes: number) {
    super(`The upload is larger than the limit of ${maxBytes} bytes.`, { code: 'UPLOAD_TOO_LARGE', status: 413 })
  }
}

/** The node's IPFS disk is full: the upload was refused and what it wrote removed. */
export class StorageFullError extends DataVaultError {
  override name = 'StorageFullError'
  constructor({ cause }: { cause?: unknown } = {}) {
    super('The node\'s storage is full; the upload was not stored. Try again later or ask the operator to add space.', {
      code: 'STORAGE_FULL',
      status: 507,
      expose: true,
      cause,
    })
  }
}

/** True when `error`, or an error it wraps, is the filesystem's ENOSPC (or EDQUOT: a quota). */
export function isDiskFull(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code
    if (code === 'ENOSPC' || code === 'EDQUOT') return true
    if (/\bENOSPC\b/.test(String((current as { message?: unknown }).message ?? ''))) return true
  }
  return false
}

/** The CID is not stored on this node. */
export class ContentNotFoundError extends DataVaultError {
  override name = 'ContentNotFoundError'
  constructor(cid: string) {
    super(`Content ${cid} is not stored on this node.`, { code: 'CONTENT_NOT_FOUND', status: 404 })
  }
}

/** Yields `source` unchanged but throws `UploadTooLargeError` once more than `maxBytes` went by. */
export async function* limitBytes(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncIterable<Uint8Array> {
  let total = 0
  for await (const chunk of source) {
    total += chunk.byteLength
    if (total > maxBytes) throw new UploadTooLargeError(maxBytes)
    yield chunk
  }
}
