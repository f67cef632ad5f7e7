import type { KeyService } from './key-service.ts'

/** Codes of a key release that failed only because something could not be reached, not because anyone refused. */
const unreachable = new Set(['CHAIN_UNAVAILABLE', 'HOLDER_UNREACHABLE'])

/**
 * True when a key release failed only for want of the chain or a key holder: the error is one of
 * those, or a threshold not met where every holder's failure (`details`: `holder: CODE; …`) is.
 * A refusal (no order, revoked, policy) is final and never retried.
 */
export function keyReleaseMayRecover(error: unknown): boolean {
  const { code, details } = (error ?? {}) as { code?: unknown; details?: unknown }
  if (typeof code !== 'string') return false
  if (unreachable.has(code)) return true
  if (code !== 'KEY_THRESHOLD_NOT_MET' || typeof details !== 'string' || !details) return false
  return details.split('; ').every((failure) => unreachable.has(failure.slice(failure.lastIndexOf(' ') + 1)))
}

/** Parameters of {@link requestKeyWithRetry}. */
export type RequestKeyWithRetryParameters = Parameters<KeyService['requestKey']>[0] & {
  /** Longest time to keep retrying, ms (default 5 minutes). */
  maxWaitMs?: number
  /** First delay, doubled after each try up to `maxDelayMs` (defaults 1 s and 30 s). */
  firstDelayMs?: number
  maxDelayMs?: number
  /** Called before each wait (to log it). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void
}

/**
 * Asks `keys` for a job's data key; while the release fails only because the chain RPC or a key
 * holder cannot be reached, waits and asks again with exponential backoff (the job stays in
 * provisioning instead of failing), until `maxWaitMs` or the job's signal ends it.
 *
 * @example
 * const key = await requestKeyWithRetry(keys, { job, dataset, signal, onRetry: ({ delayMs }) => log.warn({ delayMs }, 'key release waits for the chain') })
 */
export async function requestKeyWithRetry(
  keys: Pick<KeyService, 'requestKey'>,
  { maxWaitMs = 5 * 60_000, firstDelayMs = 1000, maxDelayMs = 30_000, onRetry, ...request }: RequestKeyWithRetryParameters,
): Promise<Uint8Array> {
  const started = Date.now()
  for (let attempt = 1, delayMs = firstDelayMs; ; attempt++, delayMs = Math.min(delayMs * 2, maxDelayMs)) {
    try {
      return await keys.requestKey(request)
    } catch (error) {
      const { signal } = request
      signal?.throwIfAborted()
      if (!keyReleaseMayRecover(error) || Date.now() - started + delayMs > maxWaitMs) throw error
      onRetry?.({ attempt, delayMs, error })
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(done, delayMs)
        function done() {
          signal?.removeEventListener('abort', aborted)
          resolve()
        }
        function aborted() {
          clearTimeout(timer)
          reject(signal?.reason)
        }
        signal?.addEventListener('abort', aborted, { once: true })
      })
    }
  }
}
