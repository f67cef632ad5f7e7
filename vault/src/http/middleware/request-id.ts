import { randomUUID } from 'node:crypto'
import type { Next } from 'koa'
import type { Logger } from '../../logger.ts'
import type { VaultContext } from '../state.ts'

/** Options of `requestId`. */
export type RequestIdOptions = { header?: string; logger: Logger; generate?: () => string }

/**
 * Gives every request an id (a well-formed incoming one is kept), echoes it in the response and
 * puts a logger carrying it on `ctx.state.log`; logs one line per request without its body.
 */
export function requestId({ header = 'x-request-id', logger, generate = randomUUID }: RequestIdOptions) {
  return async function requestIdMiddleware(ctx: VaultContext, next: Next) {
    const incoming = ctx.get(header)
    const id = /^[A-Za-z0-9_-]{8,64}$/.test(incoming) ? incoming : generate()
    ctx.state.requestId = id
    ctx.state.log = logger.child({ requestId: id })
    ctx.set(header, id)
    const started = performance.now()
    try {
      await next()
    } finally {
      ctx.state.log.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      )
    }
  }
}
