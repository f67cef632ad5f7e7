// A signed, streamed POST to the vault node over node:http(s), for `datavault publish`'s upload.
// Node's fetch does not say when a piece of the body has left the process, so a body's buffers
// can only be dropped and left to V8, which frees external memory at its full collections, about
// every 64 MB: a gigabyte of 1 MiB ciphertext chunks kept ~55–60 MiB of dead chunks resident in
// the CLI between collections (most of the distance to its 200 MB target), and a collection per
// 64 MB. Here each piece's write callback says when the socket is done with it, and the pieces
// the caller owns are freed there and then.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { IncomingMessage } from 'node:http'
import { AccountRequiredError, type VaultClient, VaultApiError, VaultUnreachableError, signRequest } from '@datavault/sdk'

/** What {@link postStream} takes. */
export type PostStreamParameters = {
  /** The API path, e.g. `/v1/uploads`. */
  path: string
  /** What the caller is doing, for error messages (as `VaultClient.request` takes it). */
  doing: string
  /** The body, in pieces; each is written before the next is asked for. */
  body: AsyncIterable<Uint8Array>
  /**
   * Called with each piece once the socket has written it (the process holds no other copy to
   * send); the caller may free or reuse the piece's memory then. Not called for pieces never written.
   */
  onWritten?: ((piece: Uint8Array) => void) | undefined
  signal?: AbortSignal | undefined
}

/**
 * POSTs a streamed body to the vault node, signed by the client's wallet as `VaultClient.request`
 * signs a streamed body (the body unsigned), and answers the node's response, as `request` would:
 * a `Response` for a success status, {@link VaultApiError} for an error status (even one the node
 * sends before it has read the whole body), {@link VaultUnreachableError} when the node cannot be
 * reached or the connection fails before an answer.
 *
 * @example
 * const response = await postStream(client, { path: '/v1/uploads', doing: 'uploading ciphertext', body: frames })
 */
export async function postStream(client: VaultClient, { path, doing, body, onWritten, signal }: PostStreamParameters): Promise<Response> {
  const account = client.account
  if (!account) throw new AccountRequiredError(doing)
  signal?.throwIfAborted()
  const node = await client.node()
  const headers = await signRequest(account, { chainId: node.chainId, node: node.address, method: 'POST', path, body: 'unsigned' })
  const url = new URL(`${client.url}${path}`)
  const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    ...(signal ? { signal } : {}),
  })
  // The answer, whenever it comes (a refusal may come before the body is all sent).
  const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request.once('response', (response: IncomingMessage) => {
      const parts: Buffer[] = []
      response.on('data', (part: Buffer) => parts.push(part))
      response.once('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }))
      response.once('error', reject)
    })
    request.once('error', reject)
  })
  answered.catch(() => undefined) // awaited below; a write failure may be what is reported first
  let failed: unknown
  request.once('error', (error) => (failed ??= error))
  let drained: (() => void) | undefined
  request.on('drain', () => drained?.())
  request.once('close', () => drained?.())
  try {
    for await (const piece of body) {
      if (failed !== undefined || request.destroyed) break
      const room = request.write(piece, (error) => {
        if (!error) onWritten?.(piece)
      })
      if (!room && !request.destroyed) await new Promise<void>((resolve) => (drained = resolve))
      drained = undefined
    }
    if (failed === undefined && !request.destroyed) request.end()
  } catch (error) {
    // The body failed: the node must not take a cut-off upload for a whole one.
    request.destroy(error as Error)
    throw error
  }
  let answer: { status: number; text: string }
  try {
    answer = await answered
  } catch (cause) {
    if (signal?.aborted) throw signal.reason
    throw new VaultUnreachableError({ doing, url: client.url, cause })
  }
  if (answer.status < 200 || answer.status >= 300) throw VaultApiError.fromAnswer(doing, answer.status, answer.text)
  return new Response(answer.text, { status: answer.status, headers: { 'content-type': 'application/json' } })
}
