import Router from '@koa/router'
import { existsSync } from 'node:fs'
import { DataVaultError, uploadAlgorithmBodySchema } from '@datavault/sdk'
import type { ApiComponents } from '../components.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import { parseJsonBody } from '../read-body.ts'
import type { VaultState } from '../state.ts'

/** Largest custom algorithm program, bytes. */
export const maxAlgorithmBytes = 4 * 1024 * 1024

/**
 * `POST /v1/algorithms`: a buyer uploads a custom algorithm (one ES module for Node, or one Python 3
 * script) and gets its
 * SHA-256. Uploading runs nothing: a job naming the hash waits until the dataset's owner approves
 * that exact hash.
 */
export function algorithmRoutes({ config, identity, nonces, algorithms }: Pick<ApiComponents, 'config' | 'identity' | 'nonces' | 'algorithms'>) {
  const router = new Router<VaultState>()
  router.post(
    '/v1/algorithms',
    walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body: 'json', maxBodyBytes: Math.ceil(maxAlgorithmBytes * 1.4) + 1024 }),
    async (ctx) => {
      const { code, runtime } = parseJsonBody(ctx, uploadAlgorithmBodySchema)
      if (runtime === 'python' && !existsSync('/usr/bin/python3'))
        throw new DataVaultError('This node has no Python 3 (/usr/bin/python3); upload a Node program instead.', {
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
  return router
}
