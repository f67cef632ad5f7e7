import type { VaultClient } from '../api/transport.ts'

export type AbortUploadSessionParameters = { session: string; signal?: AbortSignal | undefined }
export type AbortUploadSessionErrorType = import('../api/response.ts').VaultRequestErrorType

/**
 * Ends an upload session (signed): the node deletes its chunks and frees the wallet's allowance.
 *
 * @example
 * await abortUploadSession(client, { session: id })
 */
export async function abortUploadSession(client: VaultClient, { session, signal }: AbortUploadSessionParameters): Promise<void> {
  await client.request({ method: 'DELETE', path: `/v1/upload-sessions/${encodeURIComponent(session)}`, doing: 'aborting an upload', signed: true, signal })
}
