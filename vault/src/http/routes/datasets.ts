import Router from '@koa/router'
import { type Address, stringToHex } from 'viem'
import { z } from 'zod'
import { DataVaultError, type DatasetView, addressSchema, checkDatasetSchema, registerDatasetBodySchema, signProviderFee, updateDatasetBodySchema } from '@datavault/sdk'
import type { ApiComponents } from '../components.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import { parseJsonBody, parseParam } from '../read-body.ts'
import type { VaultState } from '../state.ts'
import { ContentNotFoundError } from '../../storage/storage.ts'
import { poolMemberDatasets } from '../../pools/pool-chain.ts'
import type { Dataset } from '../../db/datasets.ts'

/**
 * The schema parses but contradicts itself (a repeated or blank-looking category value, one bound
 * of two). Whether its columns exist in the file is not checked at registration: the file is
 * encrypted under a key the node does not hold then; the job that reads the file finds out.
 */
export class SchemaInconsistentError extends DataVaultError {
  override name = 'SchemaInconsistentError'
  constructor(problems: string[]) {
    super(`The schema is inconsistent: ${problems.join('; ')}.`, { code: 'SCHEMA_INCONSISTENT', status: 400, kind: 'input' })
  }
}

/** The signer does not own the dataset (its datatoken's data NFT). */
export class NotDatasetOwnerError extends DataVaultError {
  override name = 'NotDatasetOwnerError'
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'NOT_DATASET_OWNER', status: 403 })
  }
}

/** The policy asks for more time or memory per job than this node gives any job. */
export class PolicyBeyondNodeLimitsError extends DataVaultError {
  override name = 'PolicyBeyondNodeLimitsError'
  constructor({ maxJobWallTimeSeconds, maxJobMemoryMb }: { maxJobWallTimeSeconds: number; maxJobMemoryMb: number }) {
    super(`This node runs jobs for at most ${maxJobWallTimeSeconds} s and ${maxJobMemoryMb} MiB; lower the policy's limits.`, {
      code: 'POLICY_BEYOND_NODE_LIMITS',
      status: 422,
    })
  }
}

/** The dataset was revoked by its owner. */
export class DatasetRevokedError extends DataVaultError {
  override name = 'DatasetRevokedError'
  constructor(id: string) {
    super(`Dataset ${id} was revoked by its owner.`, { code: 'DATASET_REVOKED', status: 410 })
  }
}

/** The owner asked to change a dataset's schema while a job depends on it. */
export class DatasetSchemaInUseError extends DataVaultError {
  override name = 'DatasetSchemaInUseError'
  constructor(details: string) {
    super('The schema cannot change: a job depends on it.', { code: 'DATASET_SCHEMA_IN_USE', status: 409, details, kind: 'refused' })
  }
}

/** A policy change that would break the dataset's privacy accounting. */
export class PrivacyBudgetChangeError extends DataVaultError {
  override name = 'PrivacyBudgetChangeError'
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'PRIVACY_BUDGET_CHANGE_REFUSED', status: 422, kind: 'input' })
  }
}

/** How long a provider fee signed by the node stays valid, in seconds. */
export const providerFeeLifetimeSeconds = 3600

/** Dataset routes: register, escrow its key, list, read, and the provider fee an order needs. */
export function datasetRoutes(
  components: Pick<ApiComponents, 'config' | 'identity' | 'nonces' | 'storage' | 'datasets' | 'keys' | 'chain' | 'privacy' | 'jobs' | 'pools' | 'registry' | 'logger'>,
) {
  const { config, identity, nonces, storage, datasets, keys, chain, privacy, jobs, pools, registry } = components
  const log = components.logger.child({ component: 'http:datasets' })
  const router = new Router<VaultState>()
  const signed = (body: 'json' | 'none') => walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body })
  const view = (dataset: Dataset): DatasetView => ({ ...dataset, keyEscrowed: keys.hasKey(dataset.id) })
  // A pool is ready when every current member (read on chain) is here with its key escrowed.
  const self = identity.account.address.toLowerCase()
  const fullView = async (dataset: Dataset): Promise<DatasetView> => {
    if (!dataset.pool) {
      const remote = (keys.escrowHolders?.(dataset.id) ?? []).filter((holder) => holder !== self)
      if (remote.length === 0) return view(dataset)
      // Delivery addresses only (owners sign what they send, holders check it on chain).
      // A holder whose registry entry cannot be read is listed without a URL (the view still
      // serves), and the failure is logged: it is not the same as a holder with no URL.
      const keyHolders = await Promise.all(
        remote.map(async (address) => {
          const url = await registry.keyHolder(address).then(
            (holder) => holder?.url ?? '',
            (error: unknown) => {
              log.warn({ holder: address, code: (error as { code?: unknown }).code }, "key holder's registry entry unreadable; listed without its URL")
              return ''
            },
          )
          return { address, url }
        }),
      )
      return { ...view(dataset), keyHolders }
    }
    const ready = await poolMemberDatasets({ pools, datasets, target: dataset }).then(
      (members) => members.every((member) => keys.hasKey(member.id)),
      () => false,
    )
    return { ...dataset, keyEscrowed: ready }
  }

  router.post('/v1/datasets', signed('json'), async (ctx) => {
    const body = parseJsonBody(ctx, registerDatasetBodySchema)
    const problems = checkDatasetSchema(body.schema)
    if (problems.length > 0) throw new SchemaInconsistentError(problems)
    const owner = ctx.state.wallet as Address
    if (body.policy.maxWallTimeSeconds > config.maxJobWallTimeSeconds || body.policy.maxMemoryMb > config.maxJobMemoryMb)
      throw new PolicyBeyondNodeLimitsError(config)
    const stored = await storage.stat(body.cid)
    if (!stored) throw new ContentNotFoundError(body.cid)
    const nftOwner = await chain.datatokenOwner(body.datatoken)
    if (!nftOwner) throw new NotDatasetOwnerError(`${body.datatoken} is not an Ocean datatoken on chain ${config.chainId}.`)
    if (nftOwner.toLowerCase() !== owner)
      throw new NotDatasetOwnerError('Only the owner of the datatoken\'s data NFT can register it as a dataset.')
    const dataset = datasets.register({ ...body, owner, size: stored.size })
    privacy.setBudget(dataset)
    ctx.state.log.info({ dataset: dataset.id, cid: dataset.cid }, 'dataset registered')
    ctx.status = 201
    ctx.body = view(dataset)
  })

  router.put('/v1/datasets/:id/key', signed('json'), async (ctx) => {
    const dataset = datasets.require(parseParam(addressSchema, ctx.params.id, 'id'))
    if (dataset.owner !== ctx.state.wallet) throw new NotDatasetOwnerError('Only the dataset\'s owner can escrow its data key.')
    if (dataset.revokedAt) throw new DatasetRevokedError(dataset.id)
    // The backend validates its own payload (a threshold manifest, a Lit ciphertext).
    await keys.escrow({ dataset, escrow: parseJsonBody(ctx, z.unknown()) })
    ctx.status = 204
  })

  // Rotation: the dataset moves to a ciphertext under a fresh key, escrowed in the same request, so
  // no job ever pairs the new ciphertext with the old key. The old CID is unpinned; receipts keep it.
  router.post('/v1/datasets/:id/rotate', signed('json'), async (ctx) => {
    const dataset = datasets.require(parseParam(addressSchema, ctx.params.id, 'id'))
    if (dataset.owner !== ctx.state.wallet) throw new NotDatasetOwnerError('Only the dataset\'s owner can rotate its key.')
    if (dataset.revokedAt) throw new DatasetRevokedError(dataset.id)
    const body = parseJsonBody(ctx, z.object({ cid: z.string().min(1).max(200), escrow: z.unknown() }))
    if (body.cid === dataset.cid) throw new DataVaultError('The new ciphertext is the one the dataset already has.', { code: 'ROTATION_SAME_CID', status: 400 })
    const stored = await storage.stat(body.cid)
    if (!stored) throw new ContentNotFoundError(body.cid)
    await keys.escrow({ dataset: { ...dataset, cid: body.cid }, escrow: body.escrow })
    const rotated = datasets.rotate(dataset.id, { cid: body.cid, size: stored.size })
    await storage.unpin(dataset.cid).catch((error: unknown) => ctx.state.log.warn({ err: { name: (error as Error).name } }, 'could not unpin the retired ciphertext'))
    ctx.state.log.info({ dataset: dataset.id, cid: rotated.cid, retired: dataset.cid }, 'dataset key rotated')
    ctx.body = { ...view(rotated), retiredCids: datasets.retiredCids(dataset.id) }
  })

  // Revocation on this node: the dataset is unlisted, the key is deleted, jobs not yet running fail
  // as `revoked` (their orders cannot run here again; nothing is refunded), running jobs finish,
  // and no new job is accepted. Receipts stay. The owner's client closes the exchange on chain.
  router.post('/v1/datasets/:id/revoke', signed('none'), async (ctx) => {
    const dataset = datasets.require(parseParam(addressSchema, ctx.params.id, 'id'))
    if (dataset.owner !== ctx.state.wallet) throw new NotDatasetOwnerError('Only the dataset\'s owner can revoke it.')
    const revoked = datasets.revoke(dataset.id)
    await keys.revoke({ dataset })
    let failed = 0
    for (const job of jobs.list({ datasetId: dataset.id, limit: 1000 })) {
      if (job.state !== 'queued' && job.state !== 'awaiting-approval') continue
      jobs.fail(job.id, { code: 'revoked', message: 'The dataset\'s owner revoked it before the job ran; the order cannot run on it and is not refunded.' })
      privacy.release(job.id)
      failed++
    }
    ctx.state.log.info({ dataset: dataset.id, failedJobs: failed }, 'dataset revoked')
    ctx.body = { ...view(revoked), failedJobs: failed }
  })

  // After publishing, the owner changes the policy (new jobs are checked against it) and the schema
  // while no job depends on it. The price lives on chain (the owner's wallet sets the exchange's rate).
  router.patch('/v1/datasets/:id', signed('json'), async (ctx) => {
    const dataset = datasets.require(parseParam(addressSchema, ctx.params.id, 'id'))
    if (dataset.owner !== ctx.state.wallet) throw new NotDatasetOwnerError('Only the dataset\'s owner can change it.')
    if (dataset.revokedAt) throw new DatasetRevokedError(dataset.id)
    const body = parseJsonBody(ctx, updateDatasetBodySchema)
    if (body.policy) {
      if (body.policy.maxWallTimeSeconds > config.maxJobWallTimeSeconds || body.policy.maxMemoryMb > config.maxJobMemoryMb)
        throw new PolicyBeyondNodeLimitsError(config)
      const usage = privacy.usage(dataset)
      if (dataset.policy.privacyBudget && !body.policy.privacyBudget)
        throw new PrivacyBudgetChangeError('A dataset with a privacy budget keeps one: raise or lower it, but it cannot be removed.')
      if (body.policy.privacyBudget && usage.budget) {
        const held = { epsilon: usage.spent.epsilon + usage.reserved.epsilon, delta: usage.spent.delta + usage.reserved.delta }
        if (body.policy.privacyBudget.epsilon < held.epsilon || body.policy.privacyBudget.delta < held.delta)
          throw new PrivacyBudgetChangeError(`Jobs have already spent or reserved ε ${held.epsilon.toPrecision(3)}, δ ${held.delta.toPrecision(3)}: the budget cannot go below that.`)
      }
    }
    if (body.schema) {
      const problems = checkDatasetSchema(body.schema)
      if (problems.length > 0) throw new SchemaInconsistentError(problems)
      // Accepted jobs were checked, and finished ones trained, against the schema as it is.
      const dependent = jobs.list({ datasetId: dataset.id as Address, limit: 1000 }).filter((job) => job.state !== 'failed')
      if (dependent.length > 0) throw new DatasetSchemaInUseError(`${dependent.length} job${dependent.length === 1 ? '' : 's'} on this dataset that did not fail`)
      if (datasets.poolJobsOf(dataset.id).length > 0) throw new DatasetSchemaInUseError('pool jobs have read this dataset')
    }
    const updated = datasets.update(dataset.id, { policy: body.policy, schema: body.schema })
    if (body.policy) privacy.setBudget(updated)
    ctx.state.log.info({ dataset: dataset.id, policy: Boolean(body.policy), schema: Boolean(body.schema) }, 'dataset updated')
    ctx.body = await fullView(updated)
  })

  // Revoked datasets are unlisted: only their owner's listing (`?owner=`) still shows them, as revoked.
  router.get('/v1/datasets', async (ctx) => {
    const search = typeof ctx.query.search === 'string' ? ctx.query.search.slice(0, 200) : undefined
    const owner = ctx.query.owner === undefined ? undefined : parseParam(addressSchema, ctx.query.owner, 'owner')
    const listed = datasets.list({ search, owner }).filter((dataset) => owner !== undefined || !dataset.revokedAt)
    ctx.body = { datasets: await Promise.all(listed.map(fullView)) }
  })

  router.get('/v1/datasets/:id', async (ctx) => {
    ctx.body = await fullView(datasets.require(parseParam(addressSchema, ctx.params.id, 'id')))
  })

  // A DAO pool, listed like a dataset under its datatoken: buyers order that, and a job on it trains
  // on every current member's dataset. Anyone may list a pool here (what it is lives on chain); its
  // members' datasets must be registered on this node, all with the same columns.
  router.post('/v1/pools', signed('json'), async (ctx) => {
    const body = parseJsonBody(
      ctx,
      z.object({ pool: addressSchema, name: z.string().min(1).max(200).optional(), description: z.string().max(2000).optional() }),
    )
    const pool = body.pool.toLowerCase() as Address
    const datatoken = await pools.datatoken(pool)
    const members = await pools.members(pool)
    const first = members[0] && datasets.get(members[0].datatoken)
    if (!first) throw new DataVaultError('The pool has no member dataset registered on this node yet.', { code: 'POOL_MEMBER_MISSING', status: 409 })
    const target = {
      datatoken,
      cid: `pool:${pool}`,
      owner: pool,
      name: body.name ?? `Pool ${pool.slice(0, 10)}`,
      description: body.description ?? '',
      schema: { ...first.schema, rows: undefined },
      policy: { trainers: [], ...(await pools.policy(pool)) },
      size: 0,
      pool,
    } as Omit<Dataset, 'id' | 'createdAt'>
    const read = await poolMemberDatasets({ pools, datasets, target: { ...target, id: datatoken, createdAt: '' } as Dataset })
    const registered = datasets.register({ ...target, size: read.reduce((sum, member) => sum + member.size, 0) })
    privacy.setBudget(registered)
    ctx.state.log.info({ dataset: registered.id, pool, members: read.length }, 'pool registered')
    ctx.status = 201
    ctx.body = await fullView(registered)
  })

  router.get('/v1/datasets/:id/privacy', (ctx) => {
    const dataset = datasets.require(parseParam(addressSchema, ctx.params.id, 'id'))
    ctx.body = privacy.usage(dataset)
  })

  router.get('/v1/datasets/:id/provider-fee', async (ctx) => {
    const consumer = parseParam(addressSchema, ctx.query.consumer, 'consumer')
    const dataset = datasets.require(parseParam(addressSchema, ctx.params.id, 'id'))
    const fee = await signProviderFee(identity.account, {
      providerFeeAddress: identity.account.address,
      providerFeeToken: chain.addresses.Ocean,
      providerFeeAmount: 0n,
      providerData: stringToHex(JSON.stringify({ dataset: dataset.id, consumer })),
      validUntil: BigInt(Math.floor(Date.now() / 1000) + providerFeeLifetimeSeconds),
    })
    ctx.body = JSON.parse(JSON.stringify(fee, (_, value) => (typeof value === 'bigint' ? value.toString() : value)))
  })

  return router
}
