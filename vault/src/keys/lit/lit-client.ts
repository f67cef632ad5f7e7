import { generateKeyPairSync } from 'node:crypto'
import type { LitNodeClient } from '@lit-protocol/lit-node-client'
import { KeyReleaseError } from '../key-service.ts'

/**
 * The part of Lit's `LitNodeClient` (v7) the Lit key backend uses. The real client satisfies it
 * (checked by the compiler in {@link createLitNodeClient}); tests pass a double, since no Lit
 * network can be reached here.
 */
export type LitClient = Pick<LitNodeClient, 'connect' | 'disconnect' | 'encrypt' | 'decrypt' | 'getSessionSigs'>

/** Lit's v7 networks: `datil` (mainnet), `datil-test`, `datil-dev` (free, for development). */
export const litNetworks = ['datil', 'datil-test', 'datil-dev'] as const

/** One of {@link litNetworks}. */
export type LitNetwork = (typeof litNetworks)[number]

/** How to make a Lit client; the default loads `@lit-protocol/lit-node-client` on first use. */
export type CreateLitClient = (options: { network: LitNetwork; connectTimeoutMs: number }) => Promise<LitClient>

/** What Lit 7.4's BLS decryption prints with `console.log`, followed by the combined signature. */
export const litSignatureLogLine = 'signature from encrypt op: '

const filtered = Symbol.for('datavault.keys.lit.console-filter')

/**
 * Lit 7.4 prints the combined BLS signature of every decryption to stdout (`doDecrypt` in
 * `@lit-protocol/crypto`). With the ciphertext, that signature opens the data key, so it must not
 * reach an operator's logs. This drops exactly that line. It patches the process's `console`
 * (the only place Lit writes it), once, and only where the Lit backend is in use.
 */
export function dropLitSecretLogs(target: Console = console): void {
  const marked = target as Console & { [filtered]?: true }
  if (marked[filtered]) return
  const log = target.log
  target.log = function (this: Console, ...args: unknown[]) {
    if (args[0] === litSignatureLogLine) return
    return log.apply(this, args)
  }
  marked[filtered] = true
}

/**
 * Creates the real Lit client, loading `@lit-protocol/lit-node-client` (heavy: ethers 5, WASM)
 * only now, so a node on another key backend never loads it. Not connected yet.
 */
export const createLitNodeClient: CreateLitClient = async ({ network, connectTimeoutMs }) => {
  const { LitNodeClient } = await import('@lit-protocol/lit-node-client')
  dropLitSecretLogs()
  const client: LitClient = new LitNodeClient({ litNetwork: network, connectTimeout: connectTimeoutMs, debug: false, alertWhenUnauthorized: false })
  return client
}

/**
 * A fresh ed25519 session key in the form Lit's `getSessionSigs` takes (hex; the secret key is
 * NaCl's 64 bytes: seed, then public key). One per key request, so no session outlives it and
 * Lit never reaches for browser storage to keep one.
 */
export function litSessionKey(): { publicKey: string; secretKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519')
  const jwk = privateKey.export({ format: 'jwk' })
  const seed = Buffer.from(jwk.d as string, 'base64url')
  const publicKey = Buffer.from(jwk.x as string, 'base64url')
  const secretKey = Buffer.concat([seed, publicKey])
  seed.fill(0)
  const pair = { publicKey: publicKey.toString('hex'), secretKey: secretKey.toString('hex') }
  secretKey.fill(0)
  return pair
}

/** What a Lit failure says about itself, without its message or `info` (which can hold session signatures, ciphertext or parameters). */
export type LitFailureSummary = { name: string; code?: string; kind?: string; nodeErrorCode?: string; nodeStatus?: number }

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
const asString = (value: unknown) => (typeof value === 'string' && value.length <= 200 ? value : undefined)

/** Reduces an error thrown by Lit's client to names and codes safe to log. */
export function summarizeLitFailure(error: unknown): LitFailureSummary {
  const record = asRecord(error) ?? {}
  const info = asRecord(record.info)
  const cause = asRecord(record.cause)
  const summary: LitFailureSummary = { name: asString(record.name) ?? (error instanceof Error ? error.constructor.name : typeof error) }
  const code = asString(record.code) ?? asString(record.errno)
  if (code) summary.code = code
  const kind = asString(record.kind)
  if (kind) summary.kind = kind
  const nodeErrorCode = asString(info?.errorCode) ?? asString(cause?.errorCode)
  if (nodeErrorCode) summary.nodeErrorCode = nodeErrorCode
  const nodeStatus = cause?.status ?? info?.status
  if (typeof nodeStatus === 'number') summary.nodeStatus = nodeStatus
  return summary
}

const unreachableNames = new Set(['LitNodeClientNotReadyError', 'NetworkError', 'InitError', 'AbortError', 'TimeoutError'])
const unreachableCodes = new Set([
  'NETWORK_ERROR',
  'TIMEOUT',
  'SERVER_ERROR',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'lit_node_client_not_ready_error',
  'network_error',
  'init_error',
])

/** How the key backend reads a Lit failure: the conditions said no, the network is out of reach, or something else. */
export function classifyLitFailure(error: unknown): 'condition-not-met' | 'unreachable' | 'failed' {
  const summary = summarizeLitFailure(error)
  // Lit's nodes answer a failed condition check with an error code naming it
  // (`NodeAccessControlConditionsReturnedNotAuthorized`; `NodeNotAuthorized` in the SDK's table).
  // A bare 401 is not enough: a bad session signature is one too.
  if (summary.nodeErrorCode && /not_?authori[sz]ed/i.test(summary.nodeErrorCode)) return 'condition-not-met'
  if (
    unreachableNames.has(summary.name) ||
    summary.kind === 'Timeout' ||
    (summary.code !== undefined && unreachableCodes.has(summary.code)) ||
    (error instanceof TypeError && error.message === 'fetch failed')
  )
    return 'unreachable'
  return 'failed'
}

/** A plain error that carries only {@link summarizeLitFailure}'s fields: what `cause` holds, so logs never see Lit's `info`. */
export function safeLitCause(error: unknown): Error {
  const { name, code, kind, nodeErrorCode, nodeStatus } = summarizeLitFailure(error)
  const parts = [name, code && `code ${code}`, kind && `kind ${kind}`, nodeErrorCode && `node error ${nodeErrorCode}`, nodeStatus && `node status ${nodeStatus}`]
  return new Error(`Lit client failure: ${parts.filter(Boolean).join(', ')}`)
}

/** The Lit network could not be reached (or connected to) in time. */
export function litUnreachable(network: LitNetwork, cause?: unknown): KeyReleaseError {
  return new KeyReleaseError(`The Lit network ${network} could not be reached.`, {
    code: 'LIT_UNREACHABLE',
    status: 503,
    ...(cause === undefined ? {} : { cause: safeLitCause(cause) }),
  })
}

/**
 * Runs `task` with an optional deadline and abort signal; on either, rejects with `onTimeout()`
 * or the signal's reason. The task keeps running (Lit's calls cannot be cancelled); its later
 * rejection is swallowed.
 */
export async function withDeadline<T>(
  task: Promise<T>,
  { ms, signal, onTimeout }: { ms?: number | undefined; signal?: AbortSignal | undefined; onTimeout?: (() => Error) | undefined },
): Promise<T> {
  // Only keeps a rejection after a timeout from being "unhandled"; the caller awaits `task` below.
  task.catch(() => {})
  signal?.throwIfAborted()
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([
      task,
      new Promise<never>((_, reject) => {
        if (ms !== undefined) {
          timer = setTimeout(() => reject(onTimeout?.() ?? new Error(`Timed out after ${ms} ms.`)), ms)
          timer.unref()
        }
        if (signal) {
          onAbort = () => reject(signal.reason)
          signal.addEventListener('abort', onAbort, { once: true })
        }
      }),
    ])
  } finally {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
}
