import { z } from 'zod'
import type { VaultClient } from '../api/transport.ts'
import { readResponse } from '../api/response.ts'
import { sha256Hex } from './chunks.ts'

export type PutUploadChunkParameters = {
  session: string
  index: number
  /** The chunk's exact bytes. */
  bytes: Uint8Array
  /** Its SHA-256 (hex), when already computed. */
  sha256?: string | undefined
  signal?: AbortSignal | undefined
}
export type PutUploadChunkReturnType = { index: number; size: number }
export type PutUploadChunkErrorType = import('../api/response.ts').VaultRequestErrorType

/**
 * Sends one chunk of an upload session. Its SHA-256 goes in the signed path, so the node keeps the
 * bytes only if they are the ones the wallet signed for; sending a held chunk again is harmless.
 *
 * @example
 * await putUploadChunk(client, { session: id, index: 0, bytes: chunk })
 */
export async function putUploadChunk(client: VaultClient, { session, index, bytes, sha256, signal }: PutUploadChunkParameters): Promise<PutUploadChunkReturnType> {
  const digest = sha256 ?? (await sha256Hex(bytes))
  const response = await client.request({
    method: 'PUT',
    path: `/v1/upload-sessions/${encodeURIComponent(session)}/chunks/${index}?sha256=${digest}`,
    doing: `uploading chunk ${index}`,
    stream: bytes,
    signed: true,
    signal,
  })
  return await readResponse(response, z.looseObject({ index: z.number(), size: z.number() }), `uploading chunk ${index}`)
}
