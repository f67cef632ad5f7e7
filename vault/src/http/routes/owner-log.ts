import Router from '@koa/router'
import { DataVaultError, registerOwnerLogKeyBodySchema, sealOwnerLog } from '@datavault/sdk'
import { hexToBytes } from 'viem'
import { ownerLogKeyStore } from '../../db/owner-log-keys.ts'
import type { ApiComponents } from '../components.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import { parseJsonBody } from '../read-body.ts'
import type { VaultState } from '../state.ts'

/** A public key the node cannot seal to (a low-order X25519 point): 422. */
export class OwnerLogKeyInvalidError extends DataVaultError {
  override name = 'OwnerLogKeyInvalidError'
  constructor() {
    super('This is not a usable X25519 public key; derive one with deriveOwnerLogKey.', { code: 'OWNER_LOG_KEY_INVALID', status: 422 })
  }
}

/**
 * `PUT /v1/owner/log-key`: a wallet registers its owner log key (an X25519 public key). From then
 * on the program logs of jobs on that wallet's datasets are sealed to it as each job ends; a job
 * that ends while its owner has no key keeps no log. Signed, so a wallet sets only its own key.
 */
export function ownerLogRoutes({ config, identity, nonces, db }: Pick<ApiComponents, 'config' | 'identity' | 'nonces' | 'db'>) {
  const router = new Router<VaultState>()
  const keys = ownerLogKeyStore({ db })
  router.put('/v1/owner/log-key', walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body: 'json' }), (ctx) => {
    const { publicKey } = parseJsonBody(ctx, registerOwnerLogKeyBodySchema)
    try {
      sealOwnerLog(hexToBytes(publicKey as `0x${string}`), '', { jobId: 'check' })
    } catch {
      throw new OwnerLogKeyInvalidError()
    }
    keys.set(ctx.state.wallet as string, publicKey as `0x${string}`)
    ctx.state.log.info({ wallet: ctx.state.wallet }, 'owner log key registered')
    ctx.body = { publicKey }
  })
  return router
}
