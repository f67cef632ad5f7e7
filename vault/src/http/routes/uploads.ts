import Router from '@koa/router'
import { DataVaultError } from '@datavault/sdk'
import type { ApiComponents } from '../components.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import type { VaultState } from '../state.ts'

/** The wallet already holds as many unregistered upload bytes as allowed. */
export class UploadQuotaExceededError extends DataVaultError {
  override name = 'UploadQuotaExceededError'
  constructor(limit: number) {
    super(`This wallet already has ${limit} bytes of uploads that no dataset registers; register or wait before uploading more.`, {
      code: 'UPLOAD_QUOTA_EXCEEDED',
      status: 429,
    })
  }
}

/**
 * `POST /v1/uploads`: streams ciphertext into IPFS, up to the node's size limit, and answers its
 * CID. The wallet signs the request but not the streamed body; the dataset registration that
 * follows signs the CID, which binds the content.
 */
export function uploadRoutes({ config, identity, nonces, storage, db }: Pick<ApiComponents, 'config' | 'identity' | 'nonces' | 'storage' | 'db'>) {
  const router = new Router<VaultState>()
  router.post(
    '/v1/uploads',
    walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body: 'stream' }),
    async (ctx) => {
      const wallet = ctx.state.wallet as string
      // Uploads no registration names yet count against the wallet, so nobody fills the disk.
      const { bytes: pending } = db
        .prepare('SELECT COALESCE(SUM(size), 0) AS bytes FROM uploads WHERE uploader = ? AND cid NOT IN (SELECT cid FROM datasets)')
        .get(wallet) as { bytes: number }
      const allowance = config.maxPendingUploadBytes - pending
      if (allowance <= 0) throw new UploadQuotaExceededError(config.maxPendingUploadBytes)
      const controller = new AbortController()
      ctx.req.once('close', () => {
        if (!ctx.req.complete) controller.abort()
      })
      const { cid, size } = await storage.add(ctx.req as AsyncIterable<Uint8Array>, {
        maxBytes: Math.min(config.maxUploadBytes, allowance),
        signal: controller.signal,
      })
      db.prepare('INSERT INTO uploads (cid, uploader, size, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(cid) DO NOTHING').run(
        cid,
        wallet,
        size,
        new Date().toISOString(),
      )
      ctx.state.log.info({ cid, size }, 'ciphertext stored')
      ctx.status = 201
      ctx.body = { cid, size }
    },
  )
  return router
}
