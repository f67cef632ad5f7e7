import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import Router from '@koa/router'
import type { Address } from 'viem'
import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import { DataVaultError, type JobView, addressSchema, declaredOutputsSchema, denyJobBodySchema, hashSchema, isDataVaultError, quoteJobBodySchema, submitJobBodySchema } from '@datavault/sdk'
import type { Job, JobTrainer, TrainerDefinition } from '@datavault/compute-to-data'
import type { ApiComponents } from '../components.ts'
import { walletAuth } from '../middleware/wallet-auth.ts'
import { sealedOwnerLogPrefix } from '../../db/owner-log-keys.ts'
import { JobQueueFullError, JobRateLimitedError } from '../../db/job-quota.ts'
import { InvalidBodyError, parseJsonBody, parseParam, readBody } from '../read-body.ts'
import type { VaultState } from '../state.ts'
import { policyAllowsTrainer } from '../../keys/key-service.ts'
import { DatasetRevokedError } from './datasets.ts'
import { CalibrationBusyError, CalibratorFailedError, type NoiseCalibrator } from '../../privacy/noise-calibrator.ts'
import type { Dataset } from '../../db/datasets.ts'
import { poolMemberDatasets } from '../../pools/pool-chain.ts'
import { AlgorithmNotFoundError, approvalTerms, customAlgorithmDefinition, declaredOutputBytes } from '../../db/algorithms.ts'

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

/**
 * A job as its buyer sees it. Progress shows only the epoch count: loss values come from the
 * program and could carry data, so only what the egress guard passed (`metrics`) is released.
 */
export function toJobView(job: Job): JobView {
  return {
    id: job.id,
    dataset: job.datasetId,
    buyer: job.buyer,
    trainer: job.trainer as JobView['trainer'],
    params: job.params,
    ...(job.environment === undefined ? {} : { environment: job.environment }),
    state: job.state,
    failure: job.failure,
    progress:
      job.progress && {
        ...(job.progress.epoch === undefined ? {} : { epoch: job.progress.epoch }),
        ...(job.progress.epochs === undefined ? {} : { epochs: job.progress.epochs }),
      },
    metrics: job.metrics,
    result: job.result,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  }
}

/** Job routes: submit (with a verified order), status, outputs and receipt. */
export function jobRoutes(
  components: Pick<
    ApiComponents,
    | 'config'
    | 'identity'
    | 'nonces'
    | 'datasets'
    | 'keys'
    | 'chain'
    | 'jobs'
    | 'jobQuota'
    | 'engine'
    | 'trainers'
    | 'resultsDir'
    | 'algorithms'
    | 'privacy'
    | 'registry'
    | 'pools'
    | 'environments'
    | 'calibrator'
  >,
) {
  const { config, identity, nonces, datasets, keys, chain, jobs, jobQuota, engine, trainers, resultsDir, algorithms, privacy, registry, pools, environments, calibrator } = components
  const router = new Router<VaultState>()
  const signed = (body: 'json' | 'none') => walletAuth({ chainId: config.chainId, node: identity.account.address, nonces, body })

  const visibleJob = (id: string, wallet: Address | undefined, { ownerToo }: { ownerToo: boolean }) => {
    const job = jobs.require(id)
    if (job.buyer === wallet) return job
    if (ownerToo && datasets.get(job.datasetId)?.owner === wallet) return job
    // A pool job is also its members': the owners of the datasets it read see it and its receipt.
    if (ownerToo && wallet && datasets.poolJobReaders(job.id).some((datasetId) => datasets.get(datasetId)?.owner === wallet)) return job
    throw new JobAccessDeniedError()
  }

  /** The program a submission names, resolved: a built-in trainer, or an uploaded custom algorithm. */
  const programOf = (
    body: z.output<typeof submitJobBodySchema> | z.output<typeof quoteJobBodySchema>,
  ): { jobTrainer: JobTrainer; definition: TrainerDefinition; runtime: 'node' | 'python' | 'pytorch' } => {
    if (body.algorithm) {
      const runtime = algorithms.runtime(body.algorithm.hash)
      if (!algorithms.path(body.algorithm.hash) || !runtime) throw new AlgorithmNotFoundError(body.algorithm.hash)
      const outputs = declaredOutputsSchema.parse(body.algorithm.outputs)
      return {
        jobTrainer: { id: 'custom', version: runtime, hash: body.algorithm.hash, outputs },
        definition: customAlgorithmDefinition(outputs, runtime),
        runtime,
      }
    }
    const requested = body.trainer as { id: string; version?: string | undefined }
    const trainer = trainers.get(requested.id)
    if (!trainer || (requested.version && requested.version !== trainer.definition.version))
      throw new JobRefusedError(`This node has no trainer ${requested.id}${requested.version ? `@${requested.version}` : ''}.`, {
        code: 'TRAINER_UNKNOWN',
        status: 400,
      })
    return {
      jobTrainer: { id: trainer.definition.id, version: trainer.definition.version, hash: trainer.bundle.sha256 },
      definition: trainer.definition,
      runtime: trainer.runtime ?? trainer.bundle.runtime ?? 'node',
    }
  }

  /**
   * torch-custom's model may name a program uploaded with `POST /v1/algorithms` (runtime `python`)
   * instead of carrying its source: `params.model.hash`. Its source is put in the parameters, so
   * the job, its receipt's paramsHash and the owner see exactly what runs.
   */
  const withUploadedModel = async <Body extends z.output<typeof submitJobBodySchema> | z.output<typeof quoteJobBodySchema>>(body: Body): Promise<Body> => {
    const model = (body.params as { model?: unknown } | undefined)?.model as { hash?: unknown; parameters?: unknown } | undefined
    if (body.trainer?.id !== 'torch-custom' || typeof model?.hash !== 'string') return body
    const hash = parseParam(hashSchema, model.hash, 'params.model.hash')
    const code = algorithms.runtime(hash) === 'python' ? await algorithms.code(hash) : undefined
    if (!code) throw new AlgorithmNotFoundError(hash)
    return { ...body, params: { ...body.params, model: { source: new TextDecoder('utf-8', { fatal: true }).decode(code), parameters: model.parameters } } }
  }

  /**
   * Every check a submission passes before its order is verified: the dataset's state, the
   * program, the owner's policy (or the pool's governance), the environment, the parameters
   * against the trainer and the schema (a `dp.targetEpsilon` calibrated into a noise multiplier
   * first, off the event loop: see {@link NoiseCalibrator}), the buyer's job limits. `POST /v1/jobs`
   * and `POST /v1/jobs/quote` both decide with it, so a quote says exactly what a submission would
   * meet. `buyer` undefined (a quote without one) skips a pool's buyer check and the job limits.
   */
  const admitJob = async (body: z.output<typeof submitJobBodySchema> | z.output<typeof quoteJobBodySchema>, buyer: Address | undefined) => {
    let dataset = datasets.require(body.dataset)
    if (dataset.revokedAt) throw new DatasetRevokedError(dataset.id)
    // A wallet over its job limits is refused before anything costs the node (a calibration above
    // all); a submission checks again just before its job is stored.
    if (buyer !== undefined) jobQuota.check(buyer)
    const { jobTrainer, definition, runtime } = programOf(body)
    const custom = jobTrainer.id === 'custom'
    let members: (Dataset & { poolRows: bigint })[] = []
    let allowed: boolean
    if (dataset.pool) {
      // A pool: its governance decides what runs and who buys, on chain, now; its limits likewise.
      const pool = dataset.pool
      const [approved, buyerAllowed, limits] = await Promise.all([
        pools.allowsProgram(pool, { trainerId: jobTrainer.id, trainerHash: `0x${jobTrainer.hash.replace(/^0x/, '')}` }),
        buyer === undefined ? true : pools.allowsBuyer(pool, buyer),
        pools.policy(pool),
      ])
      if (!approved) throw new JobRefusedError(`The pool's governance has not approved ${custom ? 'this algorithm' : `the trainer ${jobTrainer.id}`}.`, { code: 'POLICY_TRAINER_DENIED' })
      if (!buyerAllowed) throw new JobRefusedError('The pool does not admit this buyer.', { code: 'POOL_BUYER_NOT_ALLOWED' })
      members = await poolMemberDatasets({ pools, datasets, target: dataset })
      const rows = Number(members.reduce((sum, member) => sum + member.poolRows, 0n))
      dataset = { ...dataset, policy: { ...dataset.policy, ...limits }, schema: { ...dataset.schema, rows } }
      for (const member of members) {
        if ((await registry.datasetState(member.id as Address)) !== 'active')
          throw new JobRefusedError(`The pool's member dataset ${member.id} is not active on chain.`, { code: 'POOL_MEMBER_INACTIVE', status: 409 })
        if (!keys.hasKey(member.id))
          throw new JobRefusedError(`The pool's member dataset ${member.id} has no key escrow on this node.`, { code: 'KEY_NOT_ESCROWED', status: 409 })
      }
      allowed = true
    } else {
      // The owner's word on chain binds this node as it binds every key holder: refuse early.
      const state = await registry.datasetState(dataset.id as Address)
      if (state === 'revoked') throw new DatasetRevokedError(dataset.id)
      if (state === 'unpublished')
        throw new JobRefusedError('The dataset\'s owner has unpublished it; no new jobs are accepted.', { code: 'DATASET_UNPUBLISHED', status: 403 })
      if (!keys.hasKey(dataset.id))
        throw new JobRefusedError('The dataset\'s owner has not escrowed its data key yet.', { code: 'KEY_NOT_ESCROWED', status: 409 })
      // A built-in trainer runs only when the policy lists it; a custom algorithm waits for the owner.
      allowed = policyAllowsTrainer(dataset, jobTrainer, algorithms, body.params)
      if (!allowed && !custom)
        throw new JobRefusedError(`The dataset's policy does not allow the trainer ${jobTrainer.id}.`, { code: 'POLICY_TRAINER_DENIED' })
    }
    // Where it runs: the buyer's choice or the node's first that fits, within what the owner allows.
    const environment = environments.choose({ program: runtime, allowed: dataset.policy.environments, requested: body.environment })
    if (custom && declaredOutputBytes(jobTrainer.outputs!) > dataset.policy.maxOutputBytes)
      throw new JobRefusedError(`The declared outputs are larger than the ${dataset.policy.maxOutputBytes} bytes the dataset's policy allows.`, {
        code: 'POLICY_LIMIT_EXCEEDED',
      })
    const trainer = { definition }
    // A target ε becomes the noise multiplier the node's accountant computes for this run, on the
    // calibrator's thread; a node already solving as many as it allows answers 429 CALIBRATION_BUSY.
    let calibrated: Awaited<ReturnType<NoiseCalibrator['calibrate']>>
    try {
      const planned = dataset
      calibrated = await calibrator.calibrate({ params: body.params, plan: (params) => definition.privacy?.(planned.schema, params) })
    } catch (error) {
      // The node's own state (busy, its thread failed) is not a fault of the parameters.
      if (error instanceof CalibrationBusyError || error instanceof CalibratorFailedError) throw error
      const details = (error as { details?: unknown }).details
      throw new InvalidBodyError(typeof details === 'string' ? details : error instanceof Error ? error.message : 'params.dp: the target ε cannot be met')
    }
    const parsed = trainer.definition.parameters.safeParse(calibrated.params) as
      | { success: true; data: unknown }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } }
    if (!parsed.success)
      throw new InvalidBodyError(parsed.error.issues.map((issue) => `params.${issue.path.map(String).join('.')}: ${issue.message}`).join('; '))
    const params = parsed.data as Record<string, unknown>
    if (typeof params.epochs === 'number' && params.epochs > dataset.policy.maxEpochs)
      throw new JobRefusedError(`The dataset's policy allows at most ${dataset.policy.maxEpochs} epochs.`, { code: 'POLICY_LIMIT_EXCEEDED' })
    if (dataset.policy.minRows !== undefined && dataset.schema.rows !== undefined && dataset.schema.rows < dataset.policy.minRows)
      throw new JobRefusedError(`The dataset declares ${dataset.schema.rows} rows, fewer than the ${dataset.policy.minRows} its policy requires.`, {
        code: 'POLICY_LIMIT_EXCEEDED',
      })
    const hidden = Array.isArray(params.hidden) ? (params.hidden as unknown[]).filter((size): size is number => typeof size === 'number') : []
    if (dataset.policy.maxHiddenUnits !== undefined && hidden.some((size) => size > dataset.policy.maxHiddenUnits!))
      throw new JobRefusedError(`The dataset's policy allows hidden layers of at most ${dataset.policy.maxHiddenUnits} units.`, {
        code: 'POLICY_LIMIT_EXCEEDED',
      })
    try {
      trainer.definition.outputs(dataset.schema, params)
    } catch (error) {
      throw new InvalidBodyError(error instanceof Error ? error.message : 'the parameters do not fit the dataset schema')
    }
    return { dataset, members, jobTrainer, definition, environment, allowed, params, targetEpsilon: calibrated.targetEpsilon }
  }

  router.post('/v1/jobs', signed('json'), async (ctx) => {
    const body = await withUploadedModel(parseJsonBody(ctx, submitJobBodySchema))
    const buyer = ctx.state.wallet as Address
    const { dataset, members, jobTrainer, definition, environment, allowed, params } = await admitJob(body, buyer)
    await chain.verifyOrder({ txHash: body.orderTx, datatoken: dataset.datatoken, consumer: buyer })
    const id = randomUUID()
    // Checked with nothing awaited between here and the job's row, so concurrent submissions cannot overshoot.
    jobQuota.check(buyer)
    privacy.reserve({ jobId: id, dataset, members, definition, params })
    let job: Job
    try {
      // A pool job remembers the rows it was planned for before it can be claimed (its members change).
      if (dataset.pool) datasets.setPoolJobRows(id, dataset.schema.rows ?? 0)
      job = jobs.create({
        id,
        datasetId: dataset.id,
        buyer,
        orderTx: body.orderTx,
        trainer: jobTrainer,
        params,
        environment: environment.name,
        acceptedAt: Date.now(),
        awaitingApproval: !allowed,
      })
    } catch (error) {
      privacy.release(id)
      throw error
    }
    ctx.state.log.info({ jobId: job.id, dataset: dataset.id, trainer: jobTrainer.id, environment: environment.name, state: job.state }, 'job accepted')
    if (job.state === 'queued') engine.notify()
    ctx.status = 201
    ctx.body = toJobView(job)
  })

  /**
   * What submitting this job now would do, before anything is paid: the same admission as
   * `POST /v1/jobs` and the same budget check as its reservation, writing nothing. Unsigned: it
   * changes no state (a signature would spend a nonce) and tells nothing the dataset view and its
   * public privacy usage do not (the ε follows from public parameters and the public schema),
   * except, for a `buyer` it names, whether that wallet is at one of its job limits (one bit about
   * its activity; its jobs themselves stay visible to it alone). A refusal (403, 409, 410, and the
   * job limits' 429) answers 200 with `accepted: false` and the reason; bad input stays 400. A
   * target ε is calibrated off the event loop, at most `maxPendingCalibrations` distinct ones at a
   * time: one more answers 429 CALIBRATION_BUSY (try again; a repeated request is memoized).
   */
  router.post('/v1/jobs/quote', async (ctx) => {
    // The same body limit as a signed submission's (torch-custom carries its source in params).
    ctx.state.rawBody = await readBody(ctx, 1024 * 1024)
    const body = await withUploadedModel(parseJsonBody(ctx, quoteJobBodySchema))
    // The buyer's job limits are a refusal the quote states (429 at submission); a busy calibrator is not: it answers 429.
    const refusal = (error: unknown) => {
      const status = (error as { status?: unknown }).status
      const jobLimit = error instanceof JobQueueFullError || error instanceof JobRateLimitedError
      if (!isDataVaultError(error) || (status !== 403 && status !== 409 && status !== 410 && !jobLimit)) throw error
      return { code: error.code, message: error.shortMessage, ...(error.details ? { details: error.details } : {}) }
    }
    let admitted: Awaited<ReturnType<typeof admitJob>>
    try {
      admitted = await admitJob(body, body.buyer as Address | undefined)
    } catch (error) {
      ctx.body = { dataset: body.dataset, accepted: false, refusal: refusal(error) }
      return
    }
    const { dataset, members, jobTrainer, definition, environment, allowed, params, targetEpsilon } = admitted
    const answer = {
      dataset: dataset.id,
      trainer: { id: jobTrainer.id, version: jobTrainer.version },
      params,
      environment: environment.name,
      awaitingApproval: !allowed,
    }
    let quote: ReturnType<typeof privacy.quote>
    try {
      quote = privacy.quote({ dataset, members, definition, params })
    } catch (error) {
      const requested = (error as { requested?: { epsilon: number; delta: number } }).requested
      ctx.body = {
        ...answer,
        accepted: false,
        refusal: refusal(error),
        ...(requested ? { privacy: { ...requested, budget: dataset.policy.privacyBudget ?? null, remaining: (error as { remaining?: unknown }).remaining ?? null } } : {}),
      }
      return
    }
    const dp = params.dp as { noiseMultiplier?: number } | undefined
    ctx.body = {
      ...answer,
      accepted: true,
      privacy: quote
        ? {
            epsilon: quote.epsilon,
            delta: quote.delta,
            ...(targetEpsilon === undefined ? {} : { targetEpsilon }),
            ...(dp?.noiseMultiplier === undefined ? {} : { noiseMultiplier: dp.noiseMultiplier }),
            budget: dataset.policy.privacyBudget ?? null,
            remaining: quote.remaining,
          }
        : null,
    }
  })

  router.get('/v1/jobs', signed('none'), (ctx) => {
    if (ctx.query.dataset !== undefined) {
      // The owner sees every job on their dataset, those waiting for approval included.
      const dataset = datasets.require(parseParam(addressSchema, ctx.query.dataset, 'dataset'))
      if (dataset.owner !== ctx.state.wallet) throw new JobAccessDeniedError()
      // Jobs on pools that read this dataset count too: the owner sees every use of their data.
      const pooled = datasets.poolJobsOf(dataset.id).flatMap((entry) => {
        const job = jobs.get(entry.jobId)
        return job ? [{ ...toJobView(job), rows: entry.rows }] : []
      })
      ctx.body = { jobs: [...jobs.list({ datasetId: dataset.id }).map(toJobView), ...pooled] }
      return
    }
    ctx.body = { jobs: jobs.list({ buyer: ctx.state.wallet as Address }).map(toJobView) }
  })

  router.delete('/v1/datasets/:id/approvals/:hash', signed('none'), (ctx) => {
    const dataset = datasets.require(parseParam(addressSchema, ctx.params.id, 'id'))
    if (dataset.owner !== ctx.state.wallet) throw new JobAccessDeniedError()
    const hash = parseParam(hashSchema, ctx.params.hash, 'hash')
    const revoked = algorithms.revoke({ datasetId: dataset.id, hash })
    ctx.state.log.info({ dataset: dataset.id, hash, revoked }, 'algorithm approvals withdrawn')
    ctx.body = { revoked }
  })

  router.get('/v1/jobs/:id', signed('none'), (ctx) => {
    ctx.body = toJobView(visibleJob(String(ctx.params.id), ctx.state.wallet, { ownerToo: true }))
  })

  /** The dataset owner decides on a job waiting for approval of its custom algorithm. */
  const awaitingJobOfOwner = (id: string, wallet: Address | undefined) => {
    const job = jobs.require(id)
    if (datasets.get(job.datasetId)?.owner !== wallet) throw new JobAccessDeniedError()
    if (job.state !== 'awaiting-approval')
      throw new JobRefusedError(`Job ${job.id} is not waiting for approval (it is ${job.state}).`, { code: 'JOB_NOT_AWAITING_APPROVAL', status: 409 })
    return job
  }

  router.post('/v1/jobs/:id/approve', signed('none'), (ctx) => {
    const job = awaitingJobOfOwner(String(ctx.params.id), ctx.state.wallet)
    // Approving the job approves its algorithm's exact hash for this dataset, for later jobs too.
    algorithms.approve({
      datasetId: job.datasetId,
      hash: job.trainer.hash,
      terms: approvalTerms({ outputs: job.trainer.outputs, params: job.params }),
      by: ctx.state.wallet as string,
    })
    const queued = jobs.transition(job.id, 'queued')
    ctx.state.log.info({ jobId: job.id, dataset: job.datasetId }, 'algorithm approved')
    engine.notify()
    ctx.body = toJobView(queued)
  })

  router.post('/v1/jobs/:id/deny', signed('json'), (ctx) => {
    const { reason } = parseJsonBody(ctx, denyJobBodySchema)
    const job = awaitingJobOfOwner(String(ctx.params.id), ctx.state.wallet)
    const failed = jobs.fail(job.id, { code: 'denied', message: `The dataset's owner denied this algorithm: ${reason}` })
    privacy.release(job.id)
    ctx.state.log.info({ jobId: job.id, dataset: job.datasetId }, 'algorithm denied')
    ctx.body = toJobView(failed)
  })

  router.post('/v1/jobs/:id/cancel', signed('none'), async (ctx) => {
    const job = visibleJob(String(ctx.params.id), ctx.state.wallet, { ownerToo: false })
    if (job.state === 'finished' || job.state === 'failed')
      throw new JobRefusedError(`Job ${job.id} has already ${job.state === 'finished' ? 'finished' : 'failed'}.`, { code: 'JOB_ALREADY_FINAL', status: 409 })
    const cancelled = await engine.cancel(job.id)
    ctx.state.log.info({ jobId: job.id, state: cancelled.state }, 'job cancelled by its buyer')
    ctx.body = toJobView(cancelled)
  })

  router.get('/v1/jobs/:id/logs', signed('none'), (ctx) => {
    const job = jobs.require(String(ctx.params.id))
    // A program's stderr may echo data: only the dataset's owner reads it, never the buyer.
    if (datasets.get(job.datasetId)?.owner !== ctx.state.wallet) throw new JobAccessDeniedError()
    // The node keeps the log sealed to the owner's log key; only the owner's client opens it.
    const kept = job.ownerLog
    ctx.body = !kept
      ? { kept: 'none' }
      : kept.startsWith(sealedOwnerLogPrefix)
        ? { kept: 'sealed', sealed: kept.slice(sealedOwnerLogPrefix.length) }
        : { kept: 'discarded' }
  })

  router.get('/v1/receipts', signed('none'), (ctx) => {
    const datasetId = parseParam(addressSchema, ctx.query.dataset, 'dataset')
    const dataset = datasets.require(datasetId)
    if (dataset.owner !== ctx.state.wallet) throw new JobAccessDeniedError()
    const pooled = datasets.poolJobsOf(dataset.id).flatMap((entry) => {
      const job = jobs.get(entry.jobId)
      return job?.receipt ? [job.receipt] : []
    })
    ctx.body = {
      receipts: [
        ...jobs
          .list({ datasetId: dataset.id, limit: 1000 })
          .filter((job) => job.state === 'finished' && job.receipt)
          .map((job) => job.receipt),
        ...pooled,
      ],
    }
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
