import { randomBytes } from 'node:crypto'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { getReceipt } from '@datavault/sdk'
import { downloadResult } from '@datavault/sdk'
import { getEnvironments } from '@datavault/sdk'
import { submitJob } from '@datavault/sdk'
import { type JobQuote, largeEpsilon, quoteJob } from '@datavault/sdk'
import { orderDataset } from '@datavault/sdk'
import { fileSink } from '@datavault/sdk/node'
import { type ComputeEnvironment, type DatasetSchema, type DatasetView, type JobView, type NodeInfo, environmentNameSchema, environmentRunsProgram } from '@datavault/sdk'
import { linearRegressionParametersSchema, linearRegressionTrainerId, planLinearRegression } from '@datavault/sdk'
import { logisticRegressionParametersSchema, logisticRegressionTrainerId, planLogisticRegression } from '@datavault/sdk'
import { mlpClassifierParametersSchema, mlpClassifierTrainerId, planMlpClassifier } from '@datavault/sdk'
import { planTorchMlp, torchMlpParametersSchema, torchMlpTrainerId } from '@datavault/sdk'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, hashArg, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliJobFailedError, CliNotFoundError, CliRefusedError, CliUsageError } from '../errors.ts'
import { exists, writeFileAtomic } from '../files.ts'
import { parseDp, parseParams } from '../job-params.ts'
import { describeJob, followJob, formatMetrics } from '../job-watch.ts'
import { formatBytes } from '../output.ts'
import { describePrice } from '../price.ts'
import { type ReceiptFile, verifyReceiptFile } from '../receipt-file.ts'
import { requireDataset } from './datasets.ts'
import { trainerParametersHelp } from '../trainer-help.ts'

const help = `datavault train — train a model beside a dataset and get the weights

Usage:
  datavault train <dataset> --trainer ID [--label COLUMN] [--param KEY=VALUE …]
                  [--dp sigma=S|epsilon=E[,clip=C][,delta=D]] [--dry-run] [--out FILE] [--force]
                  [--no-wait] [--order-tx HASH] [--env NAME]

Checks the parameters against the dataset's schema, then asks the node whether it would take the
job (its policy, and under DP the ε the job would spend and the budget left after it), all before
anything is spent. With --dry-run it prints that and stops: nothing is bought or ordered, no
wallet is needed. Otherwise it buys a
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
  --dp sigma=S,clip=C    train with DP-SGD: noise multiplier S, per-row gradient clip C (default 1),
                         optional delta=δ (required when the dataset has a privacy budget)
  --dp epsilon=E         the same with a target ε instead of S: the node's accountant picks the
                         smallest noise multiplier whose run spends at most E (at δ); the receipt
                         states the ε actually spent. A job that spends more than ε = ${largeEpsilon} is warned
                         about: the guarantee is then weak
  --dry-run              check the job with the node and print what it would spend (ε, δ, budget
                         left) or why it would be refused; buy and order nothing (exit 4 if refused)
  --out FILE             where the weights go (default model.safetensors)
  --force                replace an existing --out file
  --no-wait              submit and print the job id; follow it later with \`datavault jobs --watch\`
  --order-tx HASH        use an order already started (e.g. after a failed submit) instead of a new one
  --env NAME             the compute environment to run in (see \`datavault environments\`); default:
                         the node's first that runs the trainer and that the dataset's policy allows
${connectionHelp}
${walletHelp}
${commonHelp}

Exit codes: 0 weights saved and receipt verified (or, with --dry-run, the node would take the job);
3 the job failed; 4 dataset unknown or the job refused by the policy (trainer not allowed, too many
epochs, no DP where a budget needs it, budget exceeded), with the node's reason; 5 the receipt did
not verify; 2 bad parameters (nothing spent).

Trainer parameters (--param NAME=VALUE; what each does: \`datavault trainers\`; which apply to a
dataset under its policy: \`datavault dataset <id>\`):
${trainerParametersHelp()}

Examples:
  datavault train 0x5fbd… --trainer logistic-regression --label risk --param epochs=40 --out heart.safetensors
  datavault train 0x5fbd… --trainer mlp-classifier --label risk --param hidden=[16,8] --param learningRate=0.05
  datavault train 0x5fbd… --trainer logistic-regression --label risk --dp epsilon=3 --dry-run
  datavault train 0x5fbd… --trainer logistic-regression --label risk --param epochs=20 --dp epsilon=3 --json
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
  'dry-run': { type: 'boolean' },
} as const

const trainerIdSchema = z.string().regex(/^[a-z0-9-]{1,64}$/, 'trainer ids are lower-case letters, digits and "-"')

// The built-in trainers the SDK knows: parameters are checked here before anything is spent.
const builtIn: Record<string, { schema: z.ZodType; plan: (schema: DatasetSchema, params: unknown) => unknown }> = {
  [logisticRegressionTrainerId]: { schema: logisticRegressionParametersSchema, plan: planLogisticRegression },
  [linearRegressionTrainerId]: { schema: linearRegressionParametersSchema, plan: planLinearRegression },
  [mlpClassifierTrainerId]: { schema: mlpClassifierParametersSchema, plan: planMlpClassifier },
  [torchMlpTrainerId]: { schema: torchMlpParametersSchema, plan: planTorchMlp },
}

/**
 * Checks the parameters against the trainer and the dataset's schema here, so a mistake is named
 * by its flag. Whether the policy takes the job is the node's answer (`quoteJob`), never decided here.
 */
function checkParams(dataset: DatasetView, trainer: string, params: Record<string, unknown>): void {
  const known = builtIn[trainer]
  if (!known) return
  // A target ε is calibrated by the node; any σ stands in for it in this check.
  const dp = params.dp as Record<string, unknown> | undefined
  const probe = dp && Object.hasOwn(dp, 'targetEpsilon') ? { ...params, dp: Object.fromEntries([...Object.entries(dp).filter(([key]) => key !== 'targetEpsilon'), ['noiseMultiplier', 1]]) } : params
  const parsed = known.schema.safeParse(probe)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = issue.path.map(String).join('.')
    if (key === 'label' && params.label === undefined)
      throw new CliUsageError(`The ${trainer} trainer needs the column to predict: pass --label COLUMN (e.g. --label risk).`, { code: 'PARAM_INVALID' })
    if (issue.code === 'invalid_type' && issue.path.length > 0 && valueAt(probe, issue.path) === undefined)
      throw new CliUsageError(`The ${trainer} trainer needs the parameter ${key}: pass --param ${key}=VALUE (see \`datavault trainers\`).`, { code: 'PARAM_INVALID' })
    throw new CliUsageError(
      issue.code === 'unrecognized_keys'
        ? `--param ${(issue as { keys?: string[] }).keys?.join(', ')}: not a parameter of ${trainer} (see \`datavault trainers\`).`
        : `--param ${key || '(params)'}: ${issue.message}.`,
      { code: 'PARAM_INVALID' },
    )
  }
  try {
    known.plan(dataset.schema, probe)
  } catch (error) {
    if ((error as { name?: string }).name !== 'TrainerParametersError') throw error
    throw new CliUsageError(`The parameters do not fit the dataset: ${(error as { details?: string }).details ?? (error as Error).message}`, { code: 'PARAM_INVALID' })
  }
}

/** The value at `path` in `value`, or undefined. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value
  for (const key of path) current = current !== null && typeof current === 'object' ? (current as Record<PropertyKey, unknown>)[key] : undefined
  return current
}

/** A number as people read it: four significant digits. */
const short = (value: number) => String(Number(value.toPrecision(4)))

/** The node's quote in lines: what the job would spend of the dataset's privacy, and what is left. */
export function describeQuote(quote: JobQuote): string[] {
  const privacy = quote.privacy
  if (!privacy) return ['privacy:  no differential privacy (the dataset has no budget)']
  const sigma = privacy.noiseMultiplier === undefined ? '' : `, σ = ${short(privacy.noiseMultiplier)}${privacy.targetEpsilon === undefined ? '' : ` picked by the node for the target ε = ${privacy.targetEpsilon}`}`
  return [
    `privacy:  ε = ${short(privacy.epsilon)} at δ = ${privacy.delta}${sigma}`,
    privacy.budget && privacy.remaining
      ? `budget:   ε = ${short(privacy.remaining.epsilon)} of ${privacy.budget.epsilon} left after this job (δ ${privacy.remaining.delta.toExponential(2)} of ${privacy.budget.delta})`
      : 'budget:   none (the ε is stated in the receipt)',
  ]
}

/** Checks `--env` against what the node offers and the trainer needs, before a token is spent (the policy's word is the node's quote). */
function checkEnvironment(name: string, { environments, trainer }: { environments: ComputeEnvironment[]; trainer: NodeInfo['trainers'][number] }): void {
  const environment = environments.find((candidate) => candidate.name === name)
  if (!environment)
    throw new CliNotFoundError(`The node offers no compute environment ${name} (it offers ${environments.map((candidate) => candidate.name).join(', ')}).`, {
      code: 'ENVIRONMENT_UNKNOWN',
    })
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
    const dryRun = values['dry-run'] === true
    if (dryRun && (values['no-wait'] || values['order-tx'] !== undefined || values.out !== undefined || values.force))
      throw new CliUsageError('--dry-run orders nothing: drop --no-wait, --order-tx, --out and --force.')
    const orderTx = values['order-tx'] === undefined ? undefined : check(hashArg, values['order-tx'], '--order-tx')
    const environment = values.env === undefined ? undefined : check(environmentNameSchema, values.env, '--env')
    const wait = values['no-wait'] !== true
    const out = resolve(io.cwd, values.out ?? 'model.safetensors')
    const receiptPath = `${out}.receipt.json`
    if (wait && !dryRun) {
      if (!(await exists(dirname(out)))) throw new CliUsageError(`--out ${values.out}: the directory ${dirname(out)} does not exist.`)
      if (!values.force && ((await exists(out)) || (await exists(receiptPath))))
        throw new CliUsageError(`--out ${out} (or its receipt) exists already; pass --force to replace it.`, { code: 'OUT_EXISTS' })
    } else if (values.out !== undefined || values.force) throw new CliUsageError('--out and --force need the job to be followed; drop --no-wait.')

    const { output, session } = await openSession(io, values)
    const reader = await session.vault()
    const dataset = await requireDataset(reader, id)
    checkParams(dataset, trainer, params)
    const node = await reader.node()
    const offered = node.trainers.find((entry) => entry.id === trainer)
    if (!offered)
      throw new CliNotFoundError(`The node offers no trainer ${trainer} (it offers ${node.trainers.map((t) => t.id).join(', ')}).`, { code: 'TRAINER_UNKNOWN' })
    if (environment !== undefined) checkEnvironment(environment, { environments: await getEnvironments(reader), trainer: offered })
    // The wallet first (a pool admits some buyers only), except for a dry run, which needs none.
    const wallet = dryRun ? undefined : await Promise.all([session.client({ signed: true }), session.chain(), session.account()])
    const request = { dataset: dataset.id, trainer: { id: trainer }, params, ...(environment === undefined ? {} : { environment }) }
    const quote = await quoteJob(reader, { ...request, ...(wallet ? { buyer: wallet[2].address } : {}) })
    if (!quote.accepted) {
      const refusal = quote.refusal ?? { code: 'JOB_REFUSED', message: 'The node refuses this job.' }
      const privacy = quote.privacy ? `The job would spend ε = ${short(quote.privacy.epsilon)}${quote.privacy.remaining ? `; ε = ${short(quote.privacy.remaining.epsilon)} is left` : ''}.` : undefined
      throw new CliRefusedError(refusal.message, { code: refusal.code, details: [refusal.details, privacy, 'Nothing was bought or ordered.'].filter(Boolean).join('\n') })
    }
    if (quote.privacy && quote.privacy.epsilon > largeEpsilon)
      output.warn(`this job spends ε = ${short(quote.privacy.epsilon)}, above ${largeEpsilon}: such a guarantee protects little. Ask for less with --dp epsilon=E, fewer epochs or a larger sigma.`)
    if (dryRun) {
      output.result({ dryRun: true, quote }, [
        `job:      ${trainer} on ${dataset.id} would be accepted${quote.awaitingApproval ? ' (then wait for the owner\'s approval)' : ''}; nothing was bought or ordered`,
        `env:      ${quote.environment ?? '-'}`,
        ...describeQuote(quote),
      ])
      return 0
    }
    for (const line of describeQuote(quote)) output.note(line.replace(/:\s+/, ': '))

    const [client, chain] = wallet!
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
      job = await submitJob(client.vault, { ...request, orderTx: order })
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
        privacy: signed.message.delta === '0' ? null : { epsilon: Number(signed.message.epsilon), delta: Number(signed.message.delta) },
      },
      [
        `job:      ${done.id} finished`,
        `weights:  ${out} (${formatBytes(weights.size)}, sha256 ${weights.sha256})`,
        `receipt:  ${receiptPath} (verified: signed by node ${node.address})`,
        `metrics:  ${formatMetrics(metrics) || '(none)'}`,
        ...(signed.message.delta === '0' ? [] : [`privacy:  ε = ${short(Number(signed.message.epsilon))} at δ = ${signed.message.delta} spent (stated in the receipt)`]),
      ],
    )
    return 0
  },
}
