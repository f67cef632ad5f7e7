import Router from '@koa/router'
import { z } from 'zod'
import { completeUploadSessionBodySchema, createUploadSessionBodySchema } from '@datavault/sdk'
import type { ApiComponents } from '../components.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import { parseJsonBody, parseParam } from '../read-body.ts'
import type { VaultState } from '../state.ts'
import type { UploadSessions } from '../../uploads/upload-sessions.ts'

const sessionIdSchema = z.string().regex(/^[0-9a-f]{32}$/, '32 lower-case hex digits')
const chunkIndexSchema = z.coerce.number().int().nonnegative()
const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits')

/**
 * Chunked, resumable uploads of ciphertext, every request signed by the session's wallet (nonce,
 * expiry, replay refused):
 * `POST /v1/upload-sessions` (declare size and chunk size), `PUT /v1/upload-sessions/:id/chunks/:index?sha256=…`
 * (one chunk; its SHA-256 is in the signed path, its bytes are streamed), `GET /v1/upload-sessions/:id`
 * (which chunks the node holds), `POST /v1/upload-sessions/:id/complete` (the declared commitment;
 * the node checks, then adds to IPFS and answers the CID) and `DELETE /v1/upload-sessions/:id`.
 */
export function uploadSessionRoutes({ config, identity, nonces, uploadSessions }: Pick<ApiComponents, 'config' | 'identity' | 'nonces'> & { uploadSessions: UploadSessions }) {
  const router = new Router<VaultState>()
  const signed = (body: 'json' | 'stream' | 'none') => walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body, maxBodyBytes: 4096 })
  const id = (ctx: { params: Record<string, string | undefined> }) => parseParam(sessionIdSchema, ctx.params.id, 'id')

  router.post('/v1/upload-sessions', signed('json'), async (ctx) => {
    const declared = parseJsonBody(ctx, createUploadSessionBodySchema)
    ctx.status = 201
    ctx.body = await uploadSessions.create(ctx.state.wallet as string, declared)
  })

  router.get('/v1/upload-sessions/:id', signed('none'), (ctx) => {
    ctx.body = uploadSessions.status(ctx.state.wallet as string, id(ctx))
  })

  router.put('/v1/upload-sessions/:id/chunks/:index', signed('stream'), async (ctx) => {
    const index = parseParam(chunkIndexSchema, ctx.params.index, 'index')
    const sha256 = parseParam(sha256Schema, ctx.query.sha256, 'sha256')
    ctx.body = await uploadSessions.putChunk(ctx.state.wallet as string, id(ctx), { index, sha256, body: ctx.req as AsyncIterable<Uint8Array> })
  })

  router.post('/v1/upload-sessions/:id/complete', signed('json'), async (ctx) => {
    const declared = parseJsonBody(ctx, completeUploadSessionBodySchema)
    const stored = await uploadSessions.complete(ctx.state.wallet as string, id(ctx), declared)
    ctx.status = 201
    ctx.body = stored
  })

  router.delete('/v1/upload-sessions/:id', signed('none'), async (ctx) => {
    await uploadSessions.abort(ctx.state.wallet as string, id(ctx))
    ctx.status = 204
  })
  return router
}
