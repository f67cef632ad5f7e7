import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import Router from '@koa/router'
import type { Address } from 'viem'
import { DataVaultError, type JobView, submitJobBodySchema } from '@datavault/sdk'
import type { Job } from '@datavault/compute-to-data'
import type { ApiComponents } from '../components.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import { InvalidBodyError, parseJsonBody } from '../read-body.ts'
import type { VaultState } from '../state.ts'
import { policyAllowsTrainer } from '../../keys/key-service.ts'

/** The job may not run on this dataset (policy), or the dataset is not ready. */
export class JobRefusedError extends DataVaultError {
  override name = 'JobRefusedError'
  constructor(shortMessage: string, { code, status = 403, details }: { code: string; status?: number; details?: string }) {
    super(shortMessage, { code, status, details })
  }
}

/** Only the job's buyer (or, for status, the dataset's owner) may see it. */
export class JobAccessDeniedError extends DataVaultError {
  override name = 'JobAccessDeniedError'
  constructor() {
    super('This wallet may not see this job.', { code: 'JOB_ACCESS_DENIED', status: 403 })
  }
}

/** The job has no such output (not finished, or not one of its files). */
export class JobOutputNotFoundError extends DataVaultError {
  override name = 'JobOutputNotFoundError'
  constructor(id: string, name: string) {
    super(`Job ${id} has no output named ${name}.`, { code: 'JOB_OUTPUT_NOT_FOUND', status: 404 })
  }
}

/** A job as its buyer sees it. */
export function toJobView(job: Job): JobView {
  return {
    id: job.id,
    dataset: job.datasetId,
    buyer: job.buyer,
    trainer: job.trainer,
    state: job.state,
    failure: job.failure,
    progress: job.progress,
    metrics: job.metrics,
    result: job.result,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  }
}

/** Job routes: submit (with a verified order), status, outputs and receipt. */
export function jobRoutes(components: Pick<ApiComponents, 'config' | 'identity' | 'nonces' | 'datasets' | 'keys' | 'chain' | 'jobs' | 'engine' | 'trainers' | 'resultsDir'>) {
  const { config, identity, nonces, datasets, keys, chain, jobs, engine, trainers, resultsDir } = components
  const router = new Router<VaultState>()
  const signed = (body: 'json' | 'none') => walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body })

  const visibleJob = (id: string, wallet: Address | undefined, { ownerToo }: { ownerToo: boolean }) => {
    const job = jobs.require(id)
    if (job.buyer === wallet) return job
    if (ownerToo && datasets.get(job.datasetId)?.owner === wallet) return job
    throw new JobAccessDeniedError()
  }

  router.post('/v1/jobs', signed('json'), async (ctx) => {
    const body = parseJsonBody(ctx, submitJobBodySchema)
    const buyer = ctx.state.wallet as Address
    const dataset = datasets.require(body.dataset)
    if (!keys.hasKey(dataset.id))
      throw new JobRefusedError('The dataset\'s owner has not escrowed its data key yet.', { code: 'KEY_NOT_ESCROWED', status: 409 })
    const trainer = trainers.get(body.trainer.id)
    if (!trainer || (body.trainer.version && body.trainer.version !== trainer.definition.version))
      throw new JobRefusedError(`This node has no trainer ${body.trainer.id}${body.trainer.version ? `@${body.trainer.version}` : ''}.`, {
        code: 'TRAINER_UNKNOWN',
        status: 400,
      })
    const jobTrainer = { id: trainer.definition.id, version: trainer.definition.version, hash: trainer.bundle.sha256 }
    if (!policyAllowsTrainer(dataset, jobTrainer))
      throw new JobRefusedError(`The dataset's policy does not allow the trainer ${jobTrainer.id}.`, { code: 'POLICY_TRAINER_DENIED' })
    const parsed = trainer.definition.parameters.safeParse(body.params) as
      | { success: true; data: unknown }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } }
    if (!parsed.success)
      throw new InvalidBodyError(parsed.error.issues.map((issue) => `params.${issue.path.map(String).join('.')}: ${issue.message}`).join('; '))
    const params = parsed.data as Record<string, unknown>
    if (typeof params.epochs === 'number' && params.epochs > dataset.policy.maxEpochs)
      throw new JobRefusedError(`The dataset's policy allows at most ${dataset.policy.maxEpochs} epochs.`, { code: 'POLICY_LIMIT_EXCEEDED' })
    try {
      trainer.definition.outputs(dataset.schema, params)
    } catch (error) {
      throw new InvalidBodyError(error instanceof Error ? error.message : 'the parameters do not fit the dataset schema')
    }
    await chain.verifyOrder({ txHash: body.orderTx, datatoken: dataset.datatoken, consumer: buyer })
    const job = jobs.create({ datasetId: dataset.id, buyer, orderTx: body.orderTx, trainer: jobTrainer, params, acceptedAt: Date.now() })
    ctx.state.log.info({ jobId: job.id, dataset: dataset.id, trainer: jobTrainer.id }, 'job queued')
    engine.notify()
    ctx.status = 201
    ctx.body = toJobView(job)
  })

  router.get('/v1/jobs', signed('none'), (ctx) => {
    ctx.body = { jobs: jobs.list({ buyer: ctx.state.wallet as Address }).map(toJobView) }
  })

  router.get('/v1/jobs/:id', signed('none'), (ctx) => {
    ctx.body = toJobView(visibleJob(String(ctx.params.id), ctx.state.wallet, { ownerToo: true }))
  })

  router.get('/v1/jobs/:id/receipt', signed('none'), (ctx) => {
    const job = visibleJob(String(ctx.params.id), ctx.state.wallet, { ownerToo: true })
    if (job.state !== 'finished' || !job.receipt) throw new JobOutputNotFoundError(job.id, 'receipt')
    ctx.body = job.receipt
  })

  router.get('/v1/jobs/:id/outputs/:name', signed('none'), (ctx) => {
    const job = visibleJob(String(ctx.params.id), ctx.state.wallet, { ownerToo: false })
    const file = job.state === 'finished' ? job.result?.files.find((candidate) => candidate.name === String(ctx.params.name)) : undefined
    if (!file) throw new JobOutputNotFoundError(job.id, String(ctx.params.name))
    ctx.set('content-type', 'application/octet-stream')
    ctx.set('content-length', String(file.bytes))
    ctx.set('x-datavault-sha256', file.sha256)
    ctx.body = createReadStream(join(resultsDir, job.id, file.name))
  })

  return router
}
