// The dataset owner's commands: decide on custom algorithms, read a job's log, list receipts.
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { approveAlgorithm, denyJob, getJobLogs } from '@datavault/sdk'
import { listReceipts } from '@datavault/sdk'
import { revokeDataset } from '@datavault/sdk'
import { verifyReceipt } from '@datavault/sdk'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, jobIdArg, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliNotFoundError } from '../errors.ts'
import { describeJob } from '../job-watch.ts'
import { requireDataset } from './datasets.ts'

const ownerNote = 'Signed by your wallet, which must own the dataset (exit 4 otherwise, or for an unknown job).'

const approveHelp = `datavault approve — let a custom algorithm run on your dataset

Usage:
  datavault approve <job>

A job with a custom algorithm waits in \`awaiting-approval\` until the dataset's owner decides
(find them with \`datavault jobs --dataset <id>\`, read the program with \`datavault jobs <job>
--program\`). Approving queues the job and approves, on this dataset, that exact program with the
same declared outputs and parameters (later jobs with the same terms run without waiting; other
outputs or parameters wait again). Prints what was approved. ${ownerNote}

${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault approve 3f0c2a9e-5b1d-4c1e-9f7a-2d7c1b0e8a11 --key alice
`

const denyHelp = `datavault deny — refuse a custom algorithm on your dataset

Usage:
  datavault deny <job> --reason TEXT

The job fails as \`denied\` with your reason, which the buyer sees; the buyer's order is released
for another job. ${ownerNote}

Options:
  --reason TEXT   why (required; at most 500 characters)
${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault deny 3f0c2a9e-5b1d-4c1e-9f7a-2d7c1b0e8a11 --reason "writes more outputs than it needs"
`

const logsHelp = `datavault logs — a job's program log (owner only)

Usage:
  datavault logs <job>

Prints the tail of the program's stderr for a job on your dataset. Buyers never see it: a
program's log may echo the data. ${ownerNote}

${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault logs 3f0c2a9e-5b1d-4c1e-9f7a-2d7c1b0e8a11
`

const receiptsHelp = `datavault receipts — every finished job on your dataset

Usage:
  datavault receipts <dataset>

Lists the signed receipt of every finished job on the dataset (who trained what, the privacy
spent) and verifies each against the node's address. ${ownerNote}

${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault receipts 0x5fbdb2315678afecb367f032d93f642f64180aa3
  datavault receipts 0x5fbdb2315678afecb367f032d93f642f64180aa3 --json | jq '.receipts | length'
`

const options = { ...commonOptions, ...connectionOptions, ...walletOptions } as const

/** The node's refusals (403/404/409) on an owner action, in words. */
function refused(error: unknown, what: string): never {
  const status = (error as { status?: number }).status
  if (status === 404) throw new CliNotFoundError(`No such ${what} on this node.`, { code: (error as { code: string }).code })
  throw error
}

/** `datavault approve <job>`. */
export const approveCommand: Command = {
  name: 'approve',
  summary: '(owner) approve a job\'s custom algorithm on your dataset',
  help: approveHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, approveHelp)
    if (shown !== undefined) return shown
    const [idArg] = positionalsExactly(positionals, ['job'], 'approve')
    const id = check(jobIdArg, idArg, 'job id')
    const { output, session } = await openSession(io, values)
    const { job, algorithm } = await approveAlgorithm(await session.vault({ signed: true }), { job: id }).catch((error: unknown) => refused(error, 'job'))
    output.result({ job, algorithm }, [
      `approved: program ${algorithm.hash} on dataset ${algorithm.dataset}, with these outputs and parameters only`,
      ...describeJob(job),
    ])
    return 0
  },
}

/** `datavault deny <job> --reason …`. */
export const denyCommand: Command = {
  name: 'deny',
  summary: '(owner) deny a job\'s custom algorithm, with a reason the buyer sees',
  help: denyHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...options, reason: { type: 'string' } }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, denyHelp)
    if (shown !== undefined) return shown
    const [idArg] = positionalsExactly(positionals, ['job'], 'deny')
    const id = check(jobIdArg, idArg, 'job id')
    const reason = check(z.string({ message: 'is required' }).trim().min(1, 'is required').max(500), values.reason, '--reason')
    const { output, session } = await openSession(io, values)
    const job = await denyJob(await session.vault({ signed: true }), { id, reason }).catch((error: unknown) => refused(error, 'job'))
    output.result({ job }, ['denied', ...describeJob(job)])
    return 0
  },
}

/** `datavault logs <job>`. */
export const logsCommand: Command = {
  name: 'logs',
  summary: '(owner) a job\'s program log',
  help: logsHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, logsHelp)
    if (shown !== undefined) return shown
    const [idArg] = positionalsExactly(positionals, ['job'], 'logs')
    const id = check(jobIdArg, idArg, 'job id')
    const { output, session } = await openSession(io, values)
    const { log, kept } = await getJobLogs(await session.vault({ signed: true }), { id }).catch((error: unknown) => refused(error, 'job'))
    // The node keeps a log only sealed to the owner's log key (registered when approving a program).
    const none = kept === 'discarded' ? '(no log kept: the job ended before this wallet registered its owner log key)' : '(empty log)'
    output.result({ job: id, log, kept }, log === '' ? [none] : log.replace(/\n$/, '').split('\n'))
    return 0
  },
}

/** `datavault receipts <dataset>`. */
export const receiptsCommand: Command = {
  name: 'receipts',
  summary: '(owner) every finished job\'s receipt on your dataset, verified',
  help: receiptsHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, receiptsHelp)
    if (shown !== undefined) return shown
    const [idArg] = positionalsExactly(positionals, ['dataset'], 'receipts')
    const id = check(addressArg, idArg, 'dataset id')
    const { output, session } = await openSession(io, values)
    const vault = await session.vault({ signed: true })
    await requireDataset(vault, id)
    const [receipts, node] = await Promise.all([listReceipts(vault, { dataset: id }), vault.node()])
    const checked = await Promise.all(
      receipts.map((receipt) =>
        verifyReceipt({ receipt, node: node.address }).then(
          () => ({ valid: true as const }),
          (error: unknown) => ({ valid: false as const, code: (error as { code?: string }).code ?? 'UNKNOWN' }),
        ),
      ),
    )
    output.result({ dataset: id, node: node.address, receipts: receipts.map((receipt, i) => ({ ...receipt, verification: checked[i] })) }, () =>
      receipts.length === 0
        ? ['no finished jobs on this dataset']
        : output.table(
            ['JOB', 'BUYER', 'TRAINER', 'PRIVACY', 'FINISHED', 'VALID'],
            receipts.map((receipt, i) => [
              receipt.message.jobId,
              receipt.message.buyer,
              `${receipt.message.trainerId}@${receipt.message.trainerVersion}`,
              receipt.message.delta === '1' ? 'none' : `ε=${receipt.message.epsilon}`,
              new Date(Number(receipt.message.finishedAt) * 1000).toISOString(),
              checked[i]!.valid ? 'yes' : `NO (${(checked[i] as { code: string }).code})`,
            ]),
          ),
    )
    return checked.every((result) => result.valid) ? 0 : 5
  },
}

const revokeHelp = `datavault revoke — stop selling your dataset and every new job on it

Usage:
  datavault revoke <dataset>

Revokes the dataset on this vault node first (it is unlisted, its key escrow is deleted, jobs that
have not started fail as \`revoked\`, jobs already running finish, no new job is accepted), then on
chain: its FixedRateExchange (or Dispenser) is closed, so nobody can buy it any more, and it is
marked revoked on the KeyHolderRegistry, which every key holder checks before any release (holders
delete their shares). Past receipts stay. Publishing again needs a new key escrow.

Buyers are not refunded: what they paid stays yours (\`datavault collect\` still collects it), an
order already placed spent its datatoken, and datatokens bought but not yet used cannot run a job
on this dataset nor be sold back to the closed exchange.

Your wallet pays the gas of two transactions (one more for each extra exchange). ${ownerNote}

${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault revoke 0x5fbdb2315678afecb367f032d93f642f64180aa3
  datavault revoke 0x5fbdb2315678afecb367f032d93f642f64180aa3 --json | jq .failedJobs
`

/** `datavault revoke <dataset>`. */
export const revokeCommand: Command = {
  name: 'revoke',
  summary: '(owner) revoke your dataset: close its sale, delete its key, stop every new job',
  help: revokeHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, revokeHelp)
    if (shown !== undefined) return shown
    const [idArg] = positionalsExactly(positionals, ['dataset'], 'revoke')
    const id = check(addressArg, idArg, 'dataset id')
    const { output, session } = await openSession(io, values)
    const { wallet } = await session.client({ signed: true })
    const revoked = await revokeDataset(await session.vault({ signed: true }), { dataset: id, wallet }).catch((error: unknown) => refused(error, 'dataset'))
    const { closedSales = [], ...dataset } = revoked
    output.result({ dataset, closedSales }, [
      `revoked: ${revoked.id} at ${revoked.revokedAt ?? 'now'}${revoked.txHash ? ` (on chain: ${revoked.txHash})` : ''}`,
      closedSales.length
        ? `sales closed: ${closedSales.map((sale) => (sale.type === 'fixed-rate' ? `exchange ${sale.exchangeId.slice(0, 10)}… (tx ${sale.txHash})` : `dispenser (tx ${sale.txHash})`)).join(', ')}`
        : 'sales closed: nothing was for sale any more',
      `jobs that had not started and now fail as revoked: ${revoked.failedJobs} (buyers are not refunded)`,
    ])
    return 0
  },
}
