import { parseArgs } from 'node:util'
import { listJobs } from '../../api/actions/listJobs.ts'
import { check, commonHelp, commonOptions, connectionHelp, connectionOptions, jobIdArg, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliJobFailedError, CliUsageError } from '../errors.ts'
import { describeJob, followJob, requireJob } from '../job-watch.ts'

const help = `datavault jobs — your training jobs

Usage:
  datavault jobs                 list your jobs on the vault node, newest first
  datavault jobs <id>            one job: state, progress, failure, metrics, outputs
  datavault jobs --watch <id>    follow a job until it ends (a bar of epochs on a terminal)

Requests are signed by your wallet: you see the jobs you bought (and, for one job by id, jobs on
your datasets). With --watch the exit code is 0 when the job finished and 3 when it failed; Ctrl-C
stops watching, not the job. Get the weights of a finished job with \`datavault train\`'s output,
or the SDK's downloadOutput.

Options:
  --watch                follow the job until it ends
${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault jobs
  datavault jobs 3f0c2a9e-5b1d-4c1e-9f7a-2d7c1b0e8a11 --json
  datavault jobs --watch 3f0c2a9e-5b1d-4c1e-9f7a-2d7c1b0e8a11
`

/** `datavault jobs`. */
export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'list your jobs, show one, or --watch one until it ends',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...commonOptions, ...connectionOptions, ...walletOptions, watch: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    if (positionals.length > 1) throw new CliUsageError(`Unexpected argument "${positionals[1]}". See \`datavault jobs --help\`.`)
    const id = positionals[0] === undefined ? undefined : check(jobIdArg, positionals[0], 'job id')
    if (values.watch && id === undefined) throw new CliUsageError('--watch needs a job id: datavault jobs --watch <id>.')
    const { output, session } = await openSession(io, values)
    const vault = await session.vault({ signed: true })

    if (id === undefined) {
      const jobs = await listJobs(vault, { signal: io.signal })
      output.result({ jobs }, () =>
        jobs.length === 0
          ? ['no jobs']
          : output.table(
              ['JOB', 'STATE', 'DATASET', 'TRAINER', 'UPDATED'],
              jobs.map((job) => [job.id, job.failure ? `${job.state} (${job.failure.code})` : job.state, job.dataset, job.trainer.id, job.updatedAt]),
            ),
      )
      return 0
    }
    const job = values.watch ? await followJob(vault, id, { output, signal: io.signal }) : await requireJob(vault, id, io.signal)
    if (values.watch && job.state === 'failed') throw new CliJobFailedError(job.id, job.failure)
    output.result({ job }, describeJob(job))
    return 0
  },
}
