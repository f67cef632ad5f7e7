import Router from '@koa/router'
import { DataVaultError, hashSchema, uploadAlgorithmBodySchema } from '@datavault/sdk'
import { AlgorithmNotFoundError } from '../../db/algorithms.ts'
import type { ApiComponents } from '../components.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import { parseJsonBody, parseParam } from '../read-body.ts'
import type { VaultState } from '../state.ts'

/** Largest custom algorithm program, bytes. */
export const maxAlgorithmBytes = 4 * 1024 * 1024

/**
 * `POST /v1/algorithms`: a buyer uploads a custom algorithm (one ES module for Node, or one Python 3
 * script) and gets its
 * SHA-256. Uploading runs nothing: a job naming the hash waits until the dataset's owner approves
 * that exact hash.
 */
export function algorithmRoutes({
  config,
  identity,
  nonces,
  algorithms,
  db,
  runtimes,
}: Pick<ApiComponents, 'config' | 'identity' | 'nonces' | 'algorithms' | 'db' | 'runtimes'>) {
  const router = new Router<VaultState>()
  router.post(
    '/v1/algorithms',
    walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body: 'json', maxBodyBytes: Math.ceil(maxAlgorithmBytes * 1.4) + 1024 }),
    async (ctx) => {
      const { code, runtime } = parseJsonBody(ctx, uploadAlgorithmBodySchema)
      if (!(await runtimes()).includes(runtime))
        throw new DataVaultError(`This node cannot confine ${runtime} programs (see its sandbox capabilities); upload a Node program instead.`, {
          code: 'RUNTIME_UNAVAILABLE',
          status: 422,
        })
      const bytes = new Uint8Array(Buffer.from(code, 'base64'))
      if (bytes.byteLength > maxAlgorithmBytes)
        throw new DataVaultError(`A program may be at most ${maxAlgorithmBytes} bytes.`, { code: 'ALGORITHM_TOO_LARGE', status: 413 })
      const hash = await algorithms.save({ code: bytes, uploader: ctx.state.wallet as string, runtime })
      ctx.state.log.info({ hash, runtime, bytes: bytes.byteLength }, 'algorithm stored')
      ctx.status = 201
      ctx.body = { hash, runtime, bytes: bytes.byteLength }
    },
  )
  // The program's code, for its uploader and for the owner of a dataset a job of it asks to run on.
  router.get('/v1/algorithms/:hash', walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body: 'none' }), async (ctx) => {
    const hash = parseParam(hashSchema, ctx.params.hash, 'hash')
    const wallet = ctx.state.wallet as string
    const uploader = db.prepare('SELECT uploader FROM algorithms WHERE hash = ?').get(hash) as { uploader: string } | undefined
    if (!uploader) throw new AlgorithmNotFoundError(hash)
    const asked = db
      .prepare(
        `SELECT 1 FROM jobs JOIN datasets ON datasets.id = jobs.dataset_id
         WHERE datasets.owner = ? AND json_extract(jobs.trainer_json, '$.hash') = ? LIMIT 1`,
      )
      .get(wallet, hash)
    if (uploader.uploader !== wallet && !asked) throw new AlgorithmAccessDeniedError()
    const code = await algorithms.code(hash)
    if (!code) throw new AlgorithmNotFoundError(hash)
    ctx.set('content-type', 'application/octet-stream')
    ctx.set('x-datavault-runtime', algorithms.runtime(hash) ?? 'node')
    ctx.body = Buffer.from(code)
  })
  return router
}

/** Only the uploader, or the owner of a dataset a job of it asks to run on, may read a program. */
export class AlgorithmAccessDeniedError extends DataVaultError {
  override name = 'AlgorithmAccessDeniedError'
  constructor() {
    super('This wallet may not read this algorithm.', { code: 'ALGORITHM_ACCESS_DENIED', status: 403 })
  }
}
