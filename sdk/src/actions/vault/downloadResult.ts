import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from 'viem'
import { DataVaultError } from '../../errors/base.ts'
import { type Weights, loadWeights } from '../../trainers/loadWeights.ts'
import { type VaultClient, VaultUnreachableError } from '../../api/transport.ts'
import { OutputDigestMismatchError } from './downloadOutput.ts'

export type DownloadResultParameters = {
  /** The job's id. */
  id: string
  /** Which output; `model.safetensors` (the weights) by default. */
  name?: string | undefined
  /**
   * Where to stream the bytes instead of keeping them in memory: any `WritableStream` — under Node
   * `fileSink(path)` from `@datavault/sdk/node` (temp file + rename), in a browser a
   * `FileSystemWritableFileStream`. It is closed only after the digest checked out, and aborted
   * otherwise, so a bad or broken download never looks complete.
   */
  to?: WritableStream<Uint8Array> | undefined
  signal?: AbortSignal | undefined
}

/** The destination (`to`) refused the bytes: a full disk, a missing folder, a closed file. */
export class ResultWriteError extends DataVaultError {
  override name = 'ResultWriteError'
  constructor(name: string, cause: unknown) {
    const reason = (cause as { code?: unknown } | undefined)?.code
    super(`Could not write ${name} to its destination.`, { code: 'RESULT_WRITE_FAILED', status: 500, details: typeof reason === 'string' ? reason : undefined, cause })
  }
}

/** What was downloaded and checked. */
export type DownloadedResult = {
  name: string
  /** SHA-256 of the bytes, equal to what the node recorded (and the receipt covers). */
  sha256: `0x${string}`
  /** Bytes received. */
  size: number
}

/** A result kept in memory: its bytes and, for a `.safetensors` file, its tensors and metadata. */
export type DownloadedResultInMemory = DownloadedResult & {
  bytes: Uint8Array
  /** The tensors by name (typed arrays) and metadata; undefined for a non-safetensors output (`metrics.json`). */
  weights: Weights | undefined
}

export type DownloadResultReturnType = DownloadedResult | DownloadedResultInMemory
export type DownloadResultErrorType =
  | OutputDigestMismatchError
  | ResultWriteError
  | import('../../api/transport.ts').VaultApiError
  | VaultUnreachableError
  | import('../../safetensors/errors.ts').SafetensorsFormatError

/**
 * Downloads an output of a finished job (the weights by default), checking its SHA-256 against
 * the digest the node recorded as the bytes arrive. With `to`, streams into it (constant memory);
 * without, returns the bytes and, for safetensors, the decoded tensors. Only the job's buyer may.
 *
 * @example
 * // Node: straight to disk
 * await downloadResult(buyer, { id: job.id, to: fileSink('model.safetensors') })
 * // Browser (or Node, in memory): the tensors
 * const { weights } = await downloadResult(buyer, { id: job.id })
 */
export async function downloadResult(client: VaultClient, parameters: DownloadResultParameters & { to: WritableStream<Uint8Array> }): Promise<DownloadedResult>
export async function downloadResult(client: VaultClient, parameters: DownloadResultParameters & { to?: undefined }): Promise<DownloadedResultInMemory>
export async function downloadResult(client: VaultClient, parameters: DownloadResultParameters): Promise<DownloadResultReturnType>
export async function downloadResult(client: VaultClient, { id, name = 'model.safetensors', to, signal }: DownloadResultParameters): Promise<DownloadResultReturnType> {
  const doing = `downloading ${name}`
  // Taken first, so that any failure (even the request's) aborts the sink and leaves nothing behind.
  const writer = to?.getWriter()
  try {
    const response = await client.request({
      method: 'GET',
      path: `/v1/jobs/${encodeURIComponent(id)}/outputs/${encodeURIComponent(name)}`,
      doing,
      signed: true,
      signal,
    })
    const announced = response.headers.get('x-datavault-sha256')?.toLowerCase()
    const hash = sha256.create()
    const pieces: Uint8Array[] = []
    let size = 0
    if (response.body) {
      const reader = response.body.getReader()
      for (;;) {
        let piece: ReadableStreamReadResult<Uint8Array>
        try {
          piece = await reader.read()
        } catch (cause) {
          if (signal?.aborted) throw cause
          throw new VaultUnreachableError({ doing, url: client.url, cause })
        }
        if (piece.done) break
        hash.update(piece.value)
        size += piece.value.length
        if (writer) await writer.write(piece.value).catch((cause: unknown) => Promise.reject(new ResultWriteError(name, cause)))
        else pieces.push(piece.value)
      }
    }
    const digest = bytesToHex(hash.digest())
    if (announced && announced !== digest) throw new OutputDigestMismatchError(name)
    if (writer) {
      await writer.close().catch((cause: unknown) => Promise.reject(new ResultWriteError(name, cause)))
      return { name, sha256: digest, size }
    }
    const bytes = new Uint8Array(size)
    let offset = 0
    for (const piece of pieces) {
      bytes.set(piece, offset)
      offset += piece.length
    }
    return { name, sha256: digest, size, bytes, weights: name.endsWith('.safetensors') ? loadWeights(bytes) : undefined }
  } catch (error) {
    // Already failing: the abort only releases the sink; the download's error is the one to report.
    await writer?.abort(error).catch(() => {})
    throw error
  }
}
