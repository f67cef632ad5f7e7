import { parseArgs } from 'node:util'
import { getEnvironments } from '@datavault/sdk'
import { commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, readOnlyWalletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'

const help = `datavault environments — where the vault node runs jobs

Usage:
  datavault environments

Lists the compute environments the node offers: name, runtime (node, python, pytorch), runner
(the node's bubblewrap sandbox, or Kubernetes), the CPU cores, memory and GPUs a job gets, and
for Kubernetes the image (pinned by digest) and RuntimeClass. Name one with
\`datavault train --env NAME\`; a dataset's policy may allow only some (\`datavault dataset <id>\`).

${connectionHelp}
${readOnlyWalletHelp}
${commonHelp}

Examples:
  datavault environments
  datavault environments --json | jq -r '.environments[] | select(.gpu > 0) | .name'
`

/** `datavault environments`. */
export const environmentsCommand: Command = {
  name: 'environments',
  summary: 'list the compute environments of the vault node (runtime, runner, CPU, memory, GPU)',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...commonOptions, ...connectionOptions, ...walletOptions }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    positionalsExactly(positionals, [], 'environments')
    const { output, session } = await openSession(io, values)
    const environments = await getEnvironments(await session.vault())
    output.result({ environments }, () =>
      output.table(
        ['NAME', 'RUNTIME', 'RUNNER', 'CPU', 'MEMORY', 'GPU', 'ISOLATION'],
        environments.map((environment) => [
          environment.name,
          environment.runtime,
          environment.runner,
          String(environment.cpu),
          `${environment.memoryMb} MiB`,
          environment.gpu ? `${environment.gpu} ${environment.gpuResource}` : '-',
          environment.runner === 'sandbox' ? 'bubblewrap' : (environment.kubernetes?.runtimeClassName ?? 'runc (no RuntimeClass)'),
        ]),
      ),
    )
    return 0
  },
}
