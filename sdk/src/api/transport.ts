import type { LocalAccount } from 'viem'
import { DataVaultError, type DataVaultErrorKind } from '../errors/base.ts'
import { signRequest } from './auth.ts'
import { readResponse } from './response.ts'
import { type NodeInfo, nodeInfoSchema } from './schemas.ts'

/** The node's status as a kind of failure: 400/413/422 the caller's input; 401/403/404/409 a refusal, and 429 (a quota: try again later) too. */
function vaultApiErrorKind(status: number): DataVaultErrorKind {
  if (status === 400 || status === 413 || status === 422) return 'input'
  if (status === 401 || status === 403 || status === 404 || status === 409 || status === 429) return 'refused'
  return 'failure'
}

/** A vault node answered with an error. `code` is the node's stable code (e.g. `ORDER_ALREADY_USED`). */
export class VaultApiError extends DataVaultError {
  override name = 'VaultApiError'
  /** What the client was doing, e.g. `submitting a job`. */
  readonly doing: string
  constructor({ doing, status, code, message, details }: { doing: string; status: number; code: string; message: string; details?: string }) {
    super(`${message} (while ${doing})`, { code, status, details, expose: true, kind: vaultApiErrorKind(status) })
    this.doing = doing
  }

  /**
   * The error for an error answer's status and body text: the node's JSON error, or, for a body
   * that is not one (a proxy's HTML page), the HTTP status as its code.
   */
  static fromAnswer(doing: string, status: number, text: string): VaultApiError {
    let payload: { error?: { code?: string; message?: string; details?: string } } | undefined
    try {
      payload = JSON.parse(text) as typeof payload
    } catch {
      payload = undefined
    }
    return new VaultApiError({
      doing,
      status,
      code: payload?.error?.code ?? `HTTP_${status}`,
      message: payload?.error?.message ?? `The node answered ${status}.`,
      details: payload?.error?.details,
    })
  }
}

/** The vault node could not be reached. */
export class VaultUnreachableError extends DataVaultError {
  override name = 'VaultUnreachableError'
  constructor({ doing, url, cause }: { doing: string; url: string; cause: unknown }) {
    super(`Could not reach the vault node at ${url} while ${doing}.`, { code: 'VAULT_UNREACHABLE', status: 503, cause })
  }
}

/** An action needs a wallet and the client has none. */
export class AccountRequiredError extends DataVaultError {
  override name = 'AccountRequiredError'
  constructor(doing: string) {
    super(`A wallet account is needed for ${doing}; create the client with an \`account\`.`, { code: 'ACCOUNT_REQUIRED', status: 400 })
  }
}

/** A client of one vault node: its URL, optional wallet, and a cached copy of the node's info. */
export type VaultClient = {
  url: string
  account: LocalAccount | undefined
  /** Sends one request; signs it when `signed`. Throws VaultApiError / VaultUnreachableError. */
  request(params: VaultRequest): Promise<Response>
  /** The node's info (cached after the first call). */
  node(): Promise<NodeInfo>
}

/** One request to the vault API. */
export type VaultRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  /** What the caller is doing, for error messages. */
  doing: string
  json?: unknown
  /** A streamed body (uploads); signed as an unsigned body. */
  stream?: ReadableStream<Uint8Array> | Blob | Uint8Array
  signed?: boolean
  signal?: AbortSignal | undefined
}

export type CreateVaultClientParameters = {
  /** Base URL of the vault node, e.g. `http://127.0.0.1:8700`. */
  url: string
  /** The wallet that signs requests (owner or buyer). */
  account?: LocalAccount
  fetch?: typeof globalThis.fetch
}

/**
 * Creates a client of a vault node. Actions take it first: `submitJob(client, { … })`.
 *
 * @example
 * const client = createVaultClient({ url: 'http://127.0.0.1:8700', account: privateKeyToAccount(key) })
 * const info = await client.node()
 */
export function createVaultClient({ url, account, fetch = globalThis.fetch }: CreateVaultClientParameters): VaultClient {
  const base = url.replace(/\/+$/, '')
  let info: Promise<NodeInfo> | undefined

  const send = async ({ method, path, doing, json, stream, signed = false, signal }: VaultRequest): Promise<Response> => {
    const headers: Record<string, string> = {}
    let body: BodyInit | undefined
    let signedBody: Uint8Array | 'unsigned' | undefined
    if (json !== undefined) {
      const bytes = new TextEncoder().encode(JSON.stringify(json))
      body = bytes
      signedBody = bytes
      headers['content-type'] = 'application/json'
    } else if (stream !== undefined) {
      body = stream as BodyInit
      signedBody = 'unsigned'
      headers['content-type'] = 'application/octet-stream'
    }
    if (signed) {
      if (!account) throw new AccountRequiredError(doing)
      const node = await client.node()
      Object.assign(headers, await signRequest(account, { chainId: node.chainId, node: node.address, method, path, body: signedBody }))
    }
    const attempt = () =>
      fetch(`${base}${path}`, {
        method,
        headers,
        body,
        signal,
        // No redirects for a streamed body: to follow one, Node's fetch (undici) tees the body and
        // keeps every chunk sent until the response, so an upload's memory grew with the file
        // (a 1 GiB publish peaked at 1.3 GB; nodejs/undici#4058).
        ...(stream instanceof ReadableStream ? { duplex: 'half', redirect: 'error' } : {}),
      } as RequestInit)
    let response: Response
    try {
      response = await attempt().catch((error: unknown) => {
        // A GET changes nothing, so it is sent once more when the connection failed before an
        // answer: a kept-alive connection the node closed just then resets on first use.
        if (method !== 'GET' || signal?.aborted) throw error
        return attempt()
      })
    } catch (cause) {
      if (signal?.aborted) throw cause
      throw new VaultUnreachableError({ doing, url: base, cause })
    }
    if (!response.ok) throw VaultApiError.fromAnswer(doing, response.status, await response.text().catch(() => ''))
    return response
  }

  const client: VaultClient = {
    url: base,
    account,
    request: send,
    node() {
      info ??= send({ method: 'GET', path: '/v1/node', doing: 'reading the node info' })
        .then((response) => readResponse(response, nodeInfoSchema, 'reading the node info'))
        .catch((error: unknown) => {
          info = undefined
          throw error
        })
      return info
    },
  }
  return client
}
