import Router from '@koa/router'
import { bytesToHex } from 'viem'
import type { NodeInfo } from '@datavault/sdk'
import type { ApiComponents } from '../components.ts'
import type { VaultState } from '../state.ts'

/** Version of the node's API, reported by `GET /v1/node`. */
export const vaultVersion = '0.1.0'

/** `GET /v1/node` (who this node is), `GET /v1/environments` (where jobs run) and `GET /v1/health`. */
export function nodeRoutes({
  config,
  identity,
  trainers,
  chain,
  environments,
  keyEscrow,
}: Pick<ApiComponents, 'config' | 'identity' | 'trainers' | 'chain' | 'environments'> & { keyEscrow: NonNullable<NodeInfo['keyEscrow']> }) {
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
      trainers: trainers.list().map((entry) => ({
        id: entry.definition.id,
        version: entry.definition.version,
        hash: entry.bundle.sha256,
        runtime: entry.runtime ?? entry.bundle.runtime ?? 'node',
      })),
      maxUploadBytes: config.maxUploadBytes,
      addresses: chain.addresses as Record<string, unknown>,
      keyEscrow,
    }
    ctx.body = info
  })
  router.get('/v1/environments', (ctx) => {
    // What the operator declared, nothing more: buyers choose by it and owners allow by name.
    ctx.body = { environments: environments.list() }
  })
  return router
}
