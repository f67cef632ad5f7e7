import { type Agent, type IncomingMessage, type RequestOptions, Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

/** Options of {@link holderClient}. */
export type HolderClientInit = {
  /** Largest answer read, in bytes (a share release is well under 1 KiB). */
  maxResponseBytes?: number
  /**
   * How long an idle connection is kept, in ms: below Node's default server keep-alive timeout
   * (5 s), so the client closes it before the holder does.
   */
  idleTimeoutMs?: number
}

/** A holder's answer: its HTTP status and its body as JSON (undefined when it is not JSON). */
export type HolderAnswer = { status: number; body: unknown }

/** What {@link holderClient} returns. */
export type HolderClient = {
  /** POSTs `body` as JSON to `url` and reads the JSON answer; rejects when the holder cannot be reached or `signal` aborts. */
  postJson(url: string, body: unknown, options: { signal: AbortSignal }): Promise<HolderAnswer>
}

/**
 * The node's HTTP client for key holders: node:http with kept-alive connections (one agent per
 * protocol), about half the CPU of `fetch` per request, which a key release pays once for each
 * holder it asks. A request sent on a kept-alive connection that the holder had just closed
 * (ECONNRESET on a reused socket, before any answer) is sent once more on a new one.
 *
 * @example
 * const holders = holderClient()
 * const { status, body } = await holders.postJson(`${url}/v1/holder/releases`, { ticket, signature }, { signal })
 */
export function holderClient({ maxResponseBytes = 64 * 1024, idleTimeoutMs = 4000 }: HolderClientInit = {}): HolderClient {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, timeout: idleTimeoutMs }),
    'https:': new HttpsAgent({ keepAlive: true, timeout: idleTimeoutMs }),
  }
  const send = (target: URL, payload: Buffer, signal: AbortSignal) =>
    new Promise<HolderAnswer>((resolve, reject) => {
      const protocol = target.protocol as keyof typeof agents
      const options: RequestOptions = {
        method: 'POST',
        agent: agents[protocol] as Agent,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
        signal,
      }
      const request = (protocol === 'https:' ? httpsRequest : httpRequest)(target, options, (response: IncomingMessage) => {
        const chunks: Buffer[] = []
        let length = 0
        response.on('data', (chunk: Buffer) => {
          length += chunk.length
          if (length > maxResponseBytes) {
            response.destroy()
            reject(new Error(`The answer is larger than ${maxResponseBytes} bytes.`))
            return
          }
          chunks.push(chunk)
        })
        response.on('error', reject)
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let body: unknown
          try {
            body = JSON.parse(text)
          } catch {
            // Not JSON: the caller sees the status alone.
            body = undefined
          }
          resolve({ status: response.statusCode ?? 0, body })
        })
      })
      request.on('error', (error: NodeJS.ErrnoException) => reject(Object.assign(error, { reusedSocket: request.reusedSocket })))
      request.end(payload)
    })
  return {
    async postJson(url, body, { signal }) {
      const target = new URL(url)
      if (!(target.protocol in agents)) throw new TypeError(`A key holder is reached over http or https, not ${target.protocol}`)
      const payload = Buffer.from(JSON.stringify(body))
      try {
        return await send(target, payload, signal)
      } catch (error) {
        const { code, reusedSocket } = error as { code?: string; reusedSocket?: boolean }
        if (!reusedSocket || code !== 'ECONNRESET' || signal.aborted) throw error
        return await send(target, payload, signal)
      }
    },
  }
}
