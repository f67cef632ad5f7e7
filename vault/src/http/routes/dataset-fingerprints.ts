import Router from '@koa/router'
import { addressSchema, datasetFingerprintSchema, setDatasetFingerprintBodySchema } from '@datavault/sdk'
import { datasetFingerprintStore } from '../../db/dataset-fingerprints.ts'
import type { ApiComponents } from '../components.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import { parseJsonBody, parseParam } from '../read-body.ts'
import type { VaultState } from '../state.ts'
import { NotDatasetOwnerError } from './datasets.ts'

/**
 * Duplicate-publish detection across an owner's machines: `PUT /v1/datasets/:id/fingerprint` (the
 * owner records the keyed fingerprint of the file the dataset came from) and
 * `GET /v1/owner/fingerprints/:fingerprint` (the signer's own datasets with that fingerprint).
 * Both signed; a fingerprint is an HMAC only the owner's wallet can make, kept out of every dataset
 * view and listing, and never logged.
 */
export function datasetFingerprintRoutes({ config, identity, nonces, db, datasets }: Pick<ApiComponents, 'config' | 'identity' | 'nonces' | 'db' | 'datasets'>) {
  const router = new Router<VaultState>()
  const fingerprints = datasetFingerprintStore({ db })
  const signed = (body: 'json' | 'none') => walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body })

  router.put('/v1/datasets/:id/fingerprint', signed('json'), (ctx) => {
    const dataset = datasets.require(parseParam(addressSchema, ctx.params.id, 'id'))
    if (dataset.owner !== ctx.state.wallet) throw new NotDatasetOwnerError("Only the dataset's owner can record its file's fingerprint.")
    const { fingerprint } = parseJsonBody(ctx, setDatasetFingerprintBodySchema)
    fingerprints.set(dataset.id, fingerprint)
    ctx.state.log.info({ dataset: dataset.id }, 'dataset file fingerprint recorded')
    ctx.status = 204
  })

  router.get('/v1/owner/fingerprints/:fingerprint', signed('none'), (ctx) => {
    const fingerprint = parseParam(datasetFingerprintSchema, ctx.params.fingerprint, 'fingerprint')
    const found = fingerprints.datasetsOf(ctx.state.wallet as string, fingerprint).flatMap((id) => {
      const dataset = datasets.get(id)
      return dataset ? [{ id: dataset.id, name: dataset.name, createdAt: dataset.createdAt, ...(dataset.revokedAt ? { revokedAt: dataset.revokedAt } : {}) }] : []
    })
    ctx.body = { datasets: found }
  })
  return router
}
