import { parseArgs } from 'node:util'
import { getAlgorithm } from '@datavault/sdk'
import { listDatasetJobs } from '@datavault/sdk'
import { listJobs } from '@datavault/sdk'
import type { JobView } from '@datavault/sdk'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, jobIdArg, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliJobFailedError, CliNotFoundError, CliUsageError } from '../errors.ts'
import type { Output } from '../output.ts'
import { describeJob, followJob, requireJob } from '../job-watch.ts'

const help = `datavault jobs — your training jobs

Usage:
  datavault jobs                   list your jobs on the vault node, newest first
  datavault jobs <id>              one job: state, progress, failure, metrics, outputs
  datavault jobs --watch <id>      follow a job until it ends (a bar of epochs on a terminal)
  datavault jobs --dataset <id>    (owner) every job on your dataset, those awaiting approval too
  datavault jobs <id> --program    (owner) print the custom algorithm a job asks to run

Requests are signed by your wallet: you see the jobs you bought, and the jobs on your datasets.
With --watch the exit code is 0 when the job finished and 3 when it failed; Ctrl-C stops
watching, not the job. A custom algorithm waits in awaiting-approval until the dataset's owner
reads it (--program) and decides: \`datavault approve\` / \`datavault deny\`.

Options:
  --watch                follow the job until it ends
  --dataset ID           list the jobs on this dataset of yours
  --program              print the job's custom program (its source) instead of the job
${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault jobs
  datavault jobs 3f0c2a9e-5b1d-4c1e-9f7a-2d7c1b0e8a11 --json
  datavault jobs --watch 3f0c2a9e-5b1d-4c1e-9f7a-2d7c1b0e8a11
  datavault jobs --dataset 0x5fbdb2315678afecb367f032d93f642f64180aa3 --key alice
  datavault jobs 3f0c2a9e-5b1d-4c1e-9f7a-2d7c1b0e8a11 --program --key alice | less
`

/** Jobs as a table; a dataset's owner also sees who bought each. */
function jobTable(output: Output, jobs: JobView[], forOwner: boolean): string[] {
  if (jobs.length === 0) return ['no jobs']
  const program = (job: JobView) => (job.trainer.id === 'custom' ? `custom:${job.trainer.hash.slice(0, 10)}` : job.trainer.id)
  const state = (job: JobView) => (job.failure ? `${job.state} (${job.failure.code})` : job.state)
  return forOwner
    ? output.table(['JOB', 'STATE', 'BUYER', 'PROGRAM', 'UPDATED'], jobs.map((job) => [job.id, state(job), job.buyer, program(job), job.updatedAt]))
    : output.table(['JOB', 'STATE', 'DATASET', 'PROGRAM', 'UPDATED'], jobs.map((job) => [job.id, state(job), job.dataset, program(job), job.updatedAt]))
}

/** `datavault jobs`. */
export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'list your jobs, show one, or --watch one until it ends',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...commonOptions, ...connectionOptions, ...walletOptions, watch: { type: 'boolean' }, dataset: { type: 'string' }, program: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    if (positionals.length > 1) throw new CliUsageError(`Unexpected argument "${positionals[1]}". See \`datavault jobs --help\`.`)
    const id = positionals[0] === undefined ? undefined : check(jobIdArg, positionals[0], 'job id')
    if (values.watch && id === undefined) throw new CliUsageError('--watch needs a job id: datavault jobs --watch <id>.')
    if (values.program && id === undefined) throw new CliUsageError('--program needs a job id: datavault jobs <id> --program.')
    if (values.dataset !== undefined && (id !== undefined || values.watch)) throw new CliUsageError('--dataset lists a dataset\'s jobs; it takes no job id or --watch.')
    const dataset = values.dataset === undefined ? undefined : check(addressArg, values.dataset, '--dataset')
    const { output, session } = await openSession(io, values)
    const vault = await session.vault({ signed: true })

    if (id === undefined) {
      const jobs = dataset === undefined ? await listJobs(vault, { signal: io.signal }) : await listDatasetJobs(vault, { dataset })
      output.result({ ...(dataset ? { dataset } : {}), jobs }, () => jobTable(output, jobs, dataset !== undefined))
      return 0
    }
    if (values.program) {
      const job = await requireJob(vault, id, io.signal)
      if (job.trainer.id !== 'custom') throw new CliNotFoundError(`Job ${id} runs the built-in trainer ${job.trainer.id}, not a custom program.`, { code: 'NOT_CUSTOM' })
      const { code, runtime } = await getAlgorithm(vault, { hash: job.trainer.hash })
      const text = new TextDecoder().decode(code)
      if (output.json) output.result({ job: id, hash: job.trainer.hash, runtime, code: text }, [])
      else io.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
      return 0
    }
    const job = values.watch ? await followJob(vault, id, { output, signal: io.signal }) : await requireJob(vault, id, io.signal)
    if (values.watch && job.state === 'failed') throw new CliJobFailedError(job.id, job.failure)
    output.result({ job }, describeJob(job))
    return 0
  },
}
