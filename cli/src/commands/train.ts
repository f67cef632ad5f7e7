import { randomBytes } from 'node:crypto'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { getReceipt } from '@datavault/sdk'
import { downloadResult } from '@datavault/sdk'
import { getEnvironments } from '@datavault/sdk'
import { submitJob } from '@datavault/sdk'
import { orderDataset } from '@datavault/sdk'
import { fileSink } from '@datavault/sdk/node'
import { type ComputeEnvironment, type DatasetSchema, type DatasetView, type JobView, type NodeInfo, environmentNameSchema, environmentRunsProgram } from '@datavault/sdk'
import { linearRegressionParametersSchema, linearRegressionTrainerId, planLinearRegression } from '@datavault/sdk'
import { logisticRegressionParametersSchema, logisticRegressionTrainerId, planLogisticRegression } from '@datavault/sdk'
import { mlpClassifierParametersSchema, mlpClassifierTrainerId, planMlpClassifier } from '@datavault/sdk'
import { planTorchMlp, torchMlpParametersSchema, torchMlpTrainerId } from '@datavault/sdk'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, hashArg, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliJobFailedError, CliNotFoundError, CliUsageError } from '../errors.ts'
import { exists, writeFileAtomic } from '../files.ts'
import { parseDp, parseParams } from '../job-params.ts'
import { describeJob, followJob, formatMetrics } from '../job-watch.ts'
import { formatBytes } from '../output.ts'
import { describePrice } from '../price.ts'
import { type ReceiptFile, verifyReceiptFile } from '../receipt-file.ts'
import { requireDataset } from './datasets.ts'

const help = `datavault train — train a model beside a dataset and get the weights

Usage:
  datavault train <dataset> --trainer ID [--label COLUMN] [--param KEY=VALUE …]
                  [--dp sigma=S,clip=C[,delta=D]] [--out FILE] [--force] [--no-wait]
                  [--order-tx HASH] [--env NAME]

Checks the parameters against the dataset's schema and policy (before anything is spent), buys a
datatoken when the wallet holds none, starts an order, submits the job, follows it (a bar of
epochs on a terminal), downloads the weights to --out (a temporary file, then renamed), downloads
the node's signed receipt, verifies it against the node and the weights, and saves it beside as
<out>.receipt.json. Prints the metrics. The data never leaves the node; only the weights do.

Options:
  --trainer ID           logistic-regression, linear-regression, mlp-classifier, torch-mlp, … (see the
                         dataset's policy: \`datavault dataset <id>\`)
  --label COLUMN         the column to predict (the trainer's \`label\` parameter)
  --param KEY=VALUE      a trainer parameter, repeatable; values are typed: numbers, true/false,
                         JSON for arrays and objects (hidden=[16,8]); dotted keys nest (dp.delta=1e-6)
  --dp sigma=S,clip=C    train with DP-SGD: noise multiplier S, per-row gradient clip C, optional δ
                         (required when the dataset has a privacy budget)
  --out FILE             where the weights go (default model.safetensors)
  --force                replace an existing --out file
  --no-wait              submit and print the job id; follow it later with \`datavault jobs --watch\`
  --order-tx HASH        use an order already started (e.g. after a failed submit) instead of a new one
  --env NAME             the compute environment to run in (see \`datavault environments\`); default:
                         the node's first that runs the trainer and that the dataset's policy allows
${connectionHelp}
${walletHelp}
${commonHelp}

Exit codes: 0 weights saved and receipt verified; 3 the job failed; 4 dataset unknown or trainer
not allowed; 5 the receipt did not verify; 2 bad parameters (nothing spent).

Examples:
  datavault train 0x5fbd… --trainer logistic-regression --label risk --param epochs=40 --out heart.safetensors
  datavault train 0x5fbd… --trainer mlp-classifier --label risk --param hidden=[16,8] --param learningRate=0.05
  datavault train 0x5fbd… --trainer logistic-regression --label risk --dp sigma=1.1,clip=1 --json
  datavault train 0x5fbd… --trainer linear-regression --label bmi --no-wait
  datavault train 0x5fbd… --trainer torch-mlp --label bmi --param hidden=[64,32] --param optimizer=sgd
`

const options = {
  ...commonOptions,
  ...connectionOptions,
  ...walletOptions,
  trainer: { type: 'string' },
  label: { type: 'string' },
  param: { type: 'string', multiple: true },
  dp: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  'no-wait': { type: 'boolean' },
  'order-tx': { type: 'string' },
  env: { type: 'string' },
} as const

const trainerIdSchema = z.string().regex(/^[a-z0-9-]{1,64}$/, 'trainer ids are lower-case letters, digits and "-"')

// The built-in trainers the SDK knows: parameters are checked here before anything is spent.
const builtIn: Record<string, { schema: z.ZodType; plan: (schema: DatasetSchema, params: unknown) => unknown }> = {
  [logisticRegressionTrainerId]: { schema: logisticRegressionParametersSchema, plan: planLogisticRegression },
  [linearRegressionTrainerId]: { schema: linearRegressionParametersSchema, plan: planLinearRegression },
  [mlpClassifierTrainerId]: { schema: mlpClassifierParametersSchema, plan: planMlpClassifier },
  [torchMlpTrainerId]: { schema: torchMlpParametersSchema, plan: planTorchMlp },
}

/** Checks a job against the dataset before a token is spent: policy, parameters, schema. */
function checkJob(dataset: DatasetView, trainer: string, params: Record<string, unknown>): void {
  const { policy } = dataset
  // A pool's trainers are approved by its governance on chain (orderDataset and the node check them).
  if (!dataset.pool && !policy.trainers.some((entry) => entry.split('@')[0] === trainer))
    throw new CliNotFoundError(`The dataset's policy does not allow the trainer ${trainer} (it allows ${policy.trainers.join(', ')}).`, { code: 'POLICY_TRAINER_DENIED' })
  if (policy.minRows !== undefined && dataset.schema.rows !== undefined && dataset.schema.rows < policy.minRows)
    throw new CliNotFoundError(`The dataset declares ${dataset.schema.rows} rows, fewer than the ${policy.minRows} its policy requires: no job could run.`, {
      code: 'POLICY_LIMIT_EXCEEDED',
    })
  if (policy.privacyBudget && params.dp === undefined)
    throw new CliUsageError('This dataset has a privacy budget: every job must train with differential privacy (--dp sigma=…,clip=…).', { code: 'DP_REQUIRED' })
  const known = builtIn[trainer]
  if (known) {
    const parsed = known.schema.safeParse(params)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const key = issue.path.map(String).join('.')
      throw new CliUsageError(
        issue.code === 'unrecognized_keys'
          ? `--param ${(issue as { keys?: string[] }).keys?.join(', ')}: not a parameter of ${trainer}.`
          : `--param ${key || '(params)'}: ${issue.message}.`,
        { code: 'PARAM_INVALID' },
      )
    }
    try {
      known.plan(dataset.schema, params)
    } catch (error) {
      if ((error as { name?: string }).name !== 'TrainerParametersError') throw error
      throw new CliUsageError(`The parameters do not fit the dataset: ${(error as { details?: string }).details ?? (error as Error).message}`, { code: 'PARAM_INVALID' })
    }
  }
  if (typeof params.epochs === 'number' && params.epochs > policy.maxEpochs)
    throw new CliNotFoundError(`The dataset's policy allows at most ${policy.maxEpochs} epochs.`, { code: 'POLICY_LIMIT_EXCEEDED' })
}

/** Checks `--env` against what the node offers, the dataset allows and the trainer needs, before a token is spent. */
function checkEnvironment(name: string, { environments, dataset, trainer }: { environments: ComputeEnvironment[]; dataset: DatasetView; trainer: NodeInfo['trainers'][number] }): void {
  const environment = environments.find((candidate) => candidate.name === name)
  if (!environment)
    throw new CliNotFoundError(`The node offers no compute environment ${name} (it offers ${environments.map((candidate) => candidate.name).join(', ')}).`, {
      code: 'ENVIRONMENT_UNKNOWN',
    })
  const allowed = dataset.policy.environments
  if (allowed && !allowed.includes(name))
    throw new CliNotFoundError(`The dataset's policy does not allow the environment ${name} (it allows ${allowed.join(', ')}).`, { code: 'POLICY_ENVIRONMENT_DENIED' })
  const runtime = trainer.runtime ?? 'node'
  if (!environmentRunsProgram(environment.runtime, runtime))
    throw new CliUsageError(`The environment ${name} runs ${environment.runtime} programs; ${trainer.id} needs ${runtime}.`, { code: 'ENVIRONMENT_RUNTIME_MISMATCH' })
}

/** `datavault train`. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'order, submit and follow a training job; save the weights and the verified receipt',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    const [idArg] = positionalsExactly(positionals, ['dataset'], 'train')
    const id = check(addressArg, idArg, 'dataset id')
    if (values.trainer === undefined) throw new CliUsageError('datavault train needs --trainer ID (e.g. --trainer logistic-regression).')
    const trainer = check(trainerIdSchema, values.trainer, '--trainer')
    const params = parseParams(values.param ?? [])
    if (values.label !== undefined) {
      if (params.label !== undefined) throw new CliUsageError('Pass the label once: --label or --param label=…, not both.')
      params.label = check(z.string().min(1).max(128), values.label, '--label')
    }
    if (values.dp !== undefined) {
      if (params.dp !== undefined) throw new CliUsageError('Pass differential privacy once: --dp or --param dp.…, not both.')
      params.dp = parseDp(values.dp)
    }
    const orderTx = values['order-tx'] === undefined ? undefined : check(hashArg, values['order-tx'], '--order-tx')
    const environment = values.env === undefined ? undefined : check(environmentNameSchema, values.env, '--env')
    const wait = values['no-wait'] !== true
    const out = resolve(io.cwd, values.out ?? 'model.safetensors')
    const receiptPath = `${out}.receipt.json`
    if (wait) {
      if (!(await exists(dirname(out)))) throw new CliUsageError(`--out ${values.out}: the directory ${dirname(out)} does not exist.`)
      if (!values.force && ((await exists(out)) || (await exists(receiptPath))))
        throw new CliUsageError(`--out ${out} (or its receipt) exists already; pass --force to replace it.`, { code: 'OUT_EXISTS' })
    } else if (values.out !== undefined || values.force) throw new CliUsageError('--out and --force need the job to be followed; drop --no-wait.')

    const { output, session } = await openSession(io, values)
    const reader = await session.vault()
    const dataset = await requireDataset(reader, id)
    checkJob(dataset, trainer, params)
    const node = await reader.node()
    const offered = node.trainers.find((entry) => entry.id === trainer)
    if (!offered)
      throw new CliNotFoundError(`The node offers no trainer ${trainer} (it offers ${node.trainers.map((t) => t.id).join(', ')}).`, { code: 'TRAINER_UNKNOWN' })
    if (environment !== undefined) checkEnvironment(environment, { environments: await getEnvironments(reader), dataset, trainer: offered })
    if (!dataset.keyEscrowed) throw new CliNotFoundError('The dataset\'s owner has not escrowed its key yet; jobs would be refused.', { code: 'KEY_NOT_ESCROWED' })

    const [client, chain] = await Promise.all([session.client({ signed: true }), session.chain()])
    if (node.chainId !== chain.chainId) throw new CliUsageError(`The vault node is on chain ${node.chainId}, the RPC on chain ${chain.chainId}.`, { code: 'CHAIN_MISMATCH' })
    let order = orderTx
    let bought: string | undefined
    if (order === undefined) {
      // Buys a datatoken first when the wallet holds none (fixed rate or dispenser).
      const ordered = await orderDataset(client, { dataset: dataset.datatoken, trainer })
      if (ordered.bought) {
        bought = ordered.bought.txHash
        output.note(`bought a datatoken at ${describePrice(ordered.bought.price)}`)
      }
      order = ordered.orderTx
      output.note(`order started: ${order}`)
    }

    let job: JobView
    try {
      job = await submitJob(client.vault, { dataset: dataset.id, trainer: { id: trainer }, params, orderTx: order, ...(environment === undefined ? {} : { environment }) })
    } catch (error) {
      if (orderTx === undefined) output.warn(`the order ${order} is paid but no job was accepted; after fixing the cause, retry with --order-tx ${order}`)
      throw error
    }
    output.note(`job ${job.id} submitted (${job.state})`)
    if (!wait) {
      output.result({ job, orderTx: order, boughtTx: bought ?? null }, [...describeJob(job), `follow:   datavault jobs --watch ${job.id}`])
      return 0
    }

    const done = await followJob(client.vault, job.id, { output, signal: io.signal })
    if (done.state === 'failed') throw new CliJobFailedError(done.id, done.failure)
    const files = done.result?.files ?? []
    const weightsFile = files.find((file) => file.name === 'model.safetensors') ?? files.find((file) => file.name.endsWith('.safetensors'))
    if (!weightsFile) throw new CliNotFoundError(`Job ${done.id} finished without a .safetensors output.`, { code: 'JOB_OUTPUT_NOT_FOUND' })
    const signed = await getReceipt(client.vault, { id: done.id })
    const receipt: ReceiptFile = { ...signed, files: files.map(({ name, sha256, bytes }) => ({ name, sha256, bytes })) }
    // Streamed to a hidden file beside --out (digest-checked as it arrives), renamed into place only
    // once the receipt covers it: unverified weights never sit at --out.
    const staging = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}.download`)
    let verified: Awaited<ReturnType<typeof verifyReceiptFile>>
    let weights: Awaited<ReturnType<typeof downloadResult>>
    try {
      weights = await downloadResult(client.vault, { id: done.id, name: weightsFile.name, to: fileSink(staging, { mode: 0o600 }), signal: io.signal })
      verified = await verifyReceiptFile(receipt, { node: node.address, weightsSha256: weights.sha256 })
      await rename(staging, out)
    } catch (error) {
      await rm(staging, { force: true })
      throw error
    }
    await writeFileAtomic(receiptPath, `${JSON.stringify(receipt, null, 2)}\n`)
    const metrics = done.metrics ?? {}
    output.result(
      {
        job: done,
        orderTx: order,
        boughtTx: bought ?? null,
        weights: { path: out, sha256: weights.sha256, bytes: weights.size },
        receipt: { path: receiptPath, hash: verified.hash, node: node.address, verified: true },
        metrics,
      },
      [
        `job:      ${done.id} finished`,
        `weights:  ${out} (${formatBytes(weights.size)}, sha256 ${weights.sha256})`,
        `receipt:  ${receiptPath} (verified: signed by node ${node.address})`,
        `metrics:  ${formatMetrics(metrics) || '(none)'}`,
      ],
    )
    return 0
  },
}
