import { type VaultClient, VaultUnreachableError } from '../../api/transport.ts'
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
 * Bytes or a Blob (not a stream) are sent once more when the connection fails before an answer:
 * a kept-alive connection that the node closed while this process was busy (seconds of
 * synchronous encryption before the upload) resets on first use, and the same bytes give the same
 * CID, so a second send stores nothing twice.
 *
 * @example
 * const { cid } = await uploadCiphertext(client, { body: file.stream().pipeThrough(createEncryptStream(key)) })
 */
export async function uploadCiphertext(client: VaultClient, { body, signal }: UploadCiphertextParameters): Promise<UploadCiphertextReturnType> {
  const send = () => client.request({ method: 'POST', path: '/v1/uploads', doing: 'uploading ciphertext', stream: body, signed: true, signal })
  let response: Response
  try {
    response = await send()
  } catch (error) {
    if (!(error instanceof VaultUnreachableError) || body instanceof ReadableStream) throw error
    response = await send()
  }
  return await readResponse(response, z.looseObject({ cid: z.string(), size: z.number() }), 'uploading ciphertext')
}
