import type { VaultClient } from '../api/transport.ts'
import { type UploadSessionView, uploadSessionViewSchema } from '../api/schemas.ts'
import { readResponse } from '../api/response.ts'

export type GetUploadSessionParameters = { session: string; signal?: AbortSignal | undefined }
export type GetUploadSessionReturnType = UploadSessionView
export type GetUploadSessionErrorType = import('../api/response.ts').VaultRequestErrorType

/**
 * Reads an upload session (signed): its state, the chunks the node holds, and the CID once complete.
 *
 * @example
 * const { received } = await getUploadSession(client, { session: id })
 */
export async function getUploadSession(client: VaultClient, { session, signal }: GetUploadSessionParameters): Promise<GetUploadSessionReturnType> {
  const response = await client.request({ method: 'GET', path: `/v1/upload-sessions/${encodeURIComponent(session)}`, doing: 'reading an upload session', signed: true, signal })
  return await readResponse(response, uploadSessionViewSchema, 'reading an upload session')
}
