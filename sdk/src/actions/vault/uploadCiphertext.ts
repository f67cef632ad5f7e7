import type { VaultClient } from '../../api/transport.ts'
import { z } from 'zod'
import { readResponse } from '../../api/response.ts'

export type UploadCiphertextParameters = {
  /** Ciphertext in the datavault envelope format, streamed. */
  body: ReadableStream<Uint8Array> | Blob | Uint8Array
  signal?: AbortSignal
}
export type UploadCiphertextReturnType = { cid: string; size: number }
export type UploadCiphertextErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Streams ciphertext to the node, which adds it to IPFS and pins it. Never send plaintext.
 *
 * @example
 * const { cid } = await uploadCiphertext(client, { body: file.stream().pipeThrough(createEncryptStream(key)) })
 */
export async function uploadCiphertext(client: VaultClient, { body, signal }: UploadCiphertextParameters): Promise<UploadCiphertextReturnType> {
  const response = await client.request({ method: 'POST', path: '/v1/uploads', doing: 'uploading ciphertext', stream: body, signed: true, signal })
  return await readResponse(response, z.looseObject({ cid: z.string(), size: z.number() }), 'uploading ciphertext')
}
