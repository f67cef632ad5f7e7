import type { Next } from 'koa'
import { isDataVaultError } from '@datavault/sdk'
import type { VaultContext } from '../state.ts'

/**
 * The one place errors become responses: a DataVaultError answers with its status and its safe
 * JSON; anything else is logged and answered as a bare 500, so internals never leak.
 */
export function errorHandler() {
  return async function errorHandlerMiddleware(ctx: VaultContext, next: Next) {
    try {
      await next()
      if (ctx.status === 404 && ctx.body === undefined)
        ctx.body = { error: { name: 'RouteNotFoundError', code: 'ROUTE_NOT_FOUND', message: `No route ${ctx.method} ${ctx.path}.` } }
    } catch (error) {
      // Answered before the request's body was read to its end (an upload refused part way): the
      // rest is still on its way, so this connection cannot carry another request. Closing it
      // says so; kept alive, a client's next request on it would reset.
      if (!ctx.req.complete) ctx.set('Connection', 'close')
      if ((error as Error)?.name === 'ZodError') {
        // A path or query value that failed its schema: the client's mistake, named by field.
        const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? []
        ctx.status = 400
        ctx.body = {
          error: {
            name: 'InvalidRequestError',
            code: 'REQUEST_INVALID',
            message: 'The request is invalid.',
            details: issues.map((issue) => `${issue.path.map(String).join('.') || 'value'}: ${issue.message}`).join('; '),
          },
        }
        return
      }
      if (isDataVaultError(error) && !error.expose && error.status >= 500) {
        // Our own server-side failure: its status and code, not its message.
        ctx.status = error.status
        ctx.body = { error: { name: error.name, code: error.code, message: 'The node could not complete this request; see its log with this request id.' } }
        ctx.state.log?.error({ code: error.code, status: error.status, message: error.shortMessage }, 'request failed')
        return
      }
      if (isDataVaultError(error) && error.expose) {
        ctx.status = error.status
        ctx.body = { error: error.toJSON() }
        ctx.state.log?.warn({ code: error.code, status: error.status }, 'request refused')
        return
      }
      if (ctx.req.readableAborted || (ctx.req.destroyed && !ctx.req.complete)) {
        // The client hung up mid-request: nobody is left to answer, and it is not the node's fault.
        ctx.status = 400
        ctx.state.log?.info({ err: { name: (error as Error)?.name, code: (error as { code?: unknown })?.code } }, 'client disconnected before the request was complete')
        return
      }
      const status = (error as { status?: number; expose?: boolean }).status
      if (typeof status === 'number' && status >= 400 && status < 500 && (error as { expose?: boolean }).expose) {
        // Koa's own client errors (e.g. a malformed header).
        ctx.status = status
        ctx.body = { error: { name: 'RequestError', code: 'BAD_REQUEST', message: (error as Error).message } }
        return
      }
      ctx.status = 500
      ctx.body = { error: { name: 'InternalError', code: 'INTERNAL', message: 'Internal error; see the node log with this request id.' } }
      ctx.state.log?.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message, stack: (error as Error)?.stack } }, 'request failed')
    }
  }
}
