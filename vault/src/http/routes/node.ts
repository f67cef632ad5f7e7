import Router from '@koa/router'
import { bytesToHex } from 'viem'
import type { NodeInfo } from '@datavault/sdk'
import type { ApiComponents } from '../components.ts'
import type { VaultState } from '../state.ts'

/** Version of the node's API, reported by `GET /v1/node`. */
export const vaultVersion = '0.1.0'

/** `GET /v1/node` (who this node is) and `GET /v1/health`. */
export function nodeRoutes({
  config,
  identity,
  trainers,
  chain,
  keyEscrow,
}: Pick<ApiComponents, 'config' | 'identity' | 'trainers' | 'chain'> & { keyEscrow: NonNullable<NodeInfo['keyEscrow']> }) {
  const router = new Router<VaultState>()
  router.get('/v1/health', (ctx) => {
    ctx.body = { ok: true }
  })
  router.get('/v1/node', (ctx) => {
    const info: NodeInfo = {
      version: vaultVersion,
      chainId: config.chainId,
      address: identity.account.address,
      encryptionPublicKey: bytesToHex(identity.encryption.publicKey),
      trainers: trainers.list().map(({ definition, bundle }) => ({ id: definition.id, version: definition.version, hash: bundle.sha256 })),
      maxUploadBytes: config.maxUploadBytes,
      addresses: chain.addresses as Record<string, unknown>,
      keyEscrow,
    }
    ctx.body = info
  })
  return router
}
