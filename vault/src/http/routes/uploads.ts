import Router from '@koa/router'
import type { ApiComponents } from '../components.ts'
import { bodyPieces } from '../body-pieces.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import type { VaultState } from '../state.ts'

/**
 * `POST /v1/uploads`: streams ciphertext into IPFS, up to the node's size limit, and answers its
 * CID. The wallet signs the request but not the streamed body; the dataset registration that
 * follows signs the CID, which binds the content.
 */
export function uploadRoutes({ config, identity, nonces, storage, uploadQuota }: Pick<ApiComponents, 'config' | 'identity' | 'nonces' | 'storage' | 'uploadQuota'>) {
  const router = new Router<VaultState>()
  router.post(
    '/v1/uploads',
    walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body: 'stream' }),
    async (ctx) => {
      const wallet = ctx.state.wallet as string
      // Uploads no registration names yet (and those in progress) count against the wallet and
      // the node, so neither one wallet nor many fill the disk.
      const allowance = uploadQuota.begin(wallet)
      try {
        const controller = new AbortController()
        ctx.req.once('close', () => {
          if (!ctx.req.complete) controller.abort()
        })
        const { cid, size } = await storage.add(bodyPieces(ctx.req, { freeOnNext: true }), { maxBytes: allowance.maxBytes, signal: controller.signal })
        uploadQuota.stored({ cid, uploader: wallet, size })
        ctx.state.log.info({ cid, size }, 'ciphertext stored')
        ctx.status = 201
        ctx.body = { cid, size }
      } finally {
        allowance.end()
      }
    },
  )
  return router
}
