import { z } from 'zod'
import type { VaultClient } from '../api/transport.ts'
import { readResponse } from '../api/response.ts'

export type CompleteUploadSessionParameters = {
  session: string
  /** The commitment over the chunks' digests (`uploadCommitment`). */
  sha256: string
  signal?: AbortSignal | undefined
}
export type CompleteUploadSessionReturnType = { cid: string; size: number }
export type CompleteUploadSessionErrorType = import('../api/response.ts').VaultRequestErrorType

/**
 * Completes an upload session (signed): the node checks that it holds every chunk and that they
 * match the declared commitment, then adds the ciphertext to IPFS and answers its CID. Asking
 * again answers the same CID.
 *
 * @example
 * const { cid } = await completeUploadSession(client, { session: id, sha256: await uploadCommitment(digests) })
 */
export async function completeUploadSession(client: VaultClient, { session, sha256, signal }: CompleteUploadSessionParameters): Promise<CompleteUploadSessionReturnType> {
  const response = await client.request({ method: 'POST', path: `/v1/upload-sessions/${encodeURIComponent(session)}/complete`, doing: 'completing an upload', json: { sha256 }, signed: true, signal })
  return await readResponse(response, z.looseObject({ cid: z.string(), size: z.number() }), 'completing an upload')
}
