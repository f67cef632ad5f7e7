import type { VaultClient } from '../api/transport.ts'
import { type UploadSessionView, uploadSessionViewSchema } from '../api/schemas.ts'
import { readResponse } from '../api/response.ts'

export type CreateUploadSessionParameters = {
  /** Exact ciphertext length, bytes (`ciphertextLength(plaintextBytes)` for an envelope). */
  size: number
  /** Bytes of every chunk but the last (64 KiB to 16 MiB). */
  chunkBytes: number
  /**
   * A random reference (32 lower-case hex digits, e.g. `randomUploadRef()`) that makes opening safe
   * to repeat: opening again with it answers the session the first request opened, if its answer was lost.
   */
  clientRef?: string | undefined
  signal?: AbortSignal | undefined
}
export type CreateUploadSessionReturnType = UploadSessionView
export type CreateUploadSessionErrorType = import('../api/response.ts').VaultRequestErrorType

/**
 * Opens an upload session on the node (signed by the wallet): the node reserves the wallet's
 * upload allowance and takes chunks until the session completes, is aborted or expires.
 *
 * @example
 * const session = await createUploadSession(client, { size: ciphertextLength(file.size), chunkBytes: 4 * 1024 ** 2, clientRef: randomUploadRef() })
 */
export async function createUploadSession(client: VaultClient, { size, chunkBytes, clientRef, signal }: CreateUploadSessionParameters): Promise<CreateUploadSessionReturnType> {
  const response = await client.request({ method: 'POST', path: '/v1/upload-sessions', doing: 'opening an upload session', json: { size, chunkBytes, ...(clientRef === undefined ? {} : { clientRef }) }, signed: true, signal })
  return await readResponse(response, uploadSessionViewSchema, 'opening an upload session')
}
