import Router from '@koa/router'
import { uploadAlgorithmBodySchema } from '@datavault/sdk'
import type { ApiComponents } from '../components.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import { parseJsonBody } from '../read-body.ts'
import type { VaultState } from '../state.ts'

/** Largest custom algorithm program, bytes. */
export const maxAlgorithmBytes = 4 * 1024 * 1024

/**
 * `POST /v1/algorithms`: a buyer uploads a custom algorithm (one ES module for Node) and gets its
 * SHA-256. Uploading runs nothing: a job naming the hash waits until the dataset's owner approves
 * that exact hash.
 */
export function algorithmRoutes({ config, identity, nonces, algorithms }: Pick<ApiComponents, 'config' | 'identity' | 'nonces' | 'algorithms'>) {
  const router = new Router<VaultState>()
  router.post(
    '/v1/algorithms',
    walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body: 'json', maxBodyBytes: Math.ceil(maxAlgorithmBytes * 1.4) + 1024 }),
    async (ctx) => {
      const { code } = parseJsonBody(ctx, uploadAlgorithmBodySchema)
      const bytes = new Uint8Array(Buffer.from(code, 'base64'))
      const hash = await algorithms.save({ code: bytes, uploader: ctx.state.wallet as string })
      ctx.state.log.info({ hash, bytes: bytes.byteLength }, 'algorithm stored')
      ctx.status = 201
      ctx.body = { hash, runtime: 'node', bytes: bytes.byteLength }
    },
  )
  return router
}
