// The `datavault` CLI (Node only): dispatches to one command, turns any error into one line on
// stderr (and a JSON document on stdout with --json) and the documented exit code.
import { commonHelp, connectionHelp, walletHelp } from './args.ts'
import type { Command } from './command.ts'
import { datasetCommand, datasetsCommand } from './commands/datasets.ts'
import { buyCommand } from './commands/buy.ts'
import { devCommand } from './commands/dev.ts'
import { jobsCommand } from './commands/jobs.ts'
import { keysCommand } from './commands/keys.ts'
import { approveCommand, denyCommand, logsCommand, receiptsCommand } from './commands/owner.ts'
import { publishCommand } from './commands/publish.ts'
import { receiptCommand } from './commands/receipt.ts'
import { trainCommand } from './commands/train.ts'
import { CliUsageError, describeError, exitCodeOf, exitCodes } from './errors.ts'
import type { CliIo } from './output.ts'

/** Every command, in the order the help lists them. */
export const commands: readonly Command[] = [
  devCommand,
  keysCommand,
  publishCommand,
  datasetsCommand,
  datasetCommand,
  buyCommand,
  trainCommand,
  jobsCommand,
  receiptCommand,
  approveCommand,
  denyCommand,
  logsCommand,
  receiptsCommand,
]

const usage = `datavault — data vaults with compute-to-data: find data, train beside it, get the weights

Usage:
  datavault <command> [options]
  datavault <command> --help

Commands:
${commands.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`).join('\n')}

  (revoke is not here yet: revoking access needs on-chain revocation, which is a separate issue.)

${connectionHelp}

${walletHelp}

${commonHelp}

Output: results on stdout (tab-separated lines when stdout is not a terminal, aligned tables on
one); notes, warnings and progress on stderr (bars on a terminal). Keys, passwords and data are
never printed.

Exit codes:
  0    ok
  1    failure (node or chain unreachable, a transaction failed, anything unexpected)
  2    usage error (unknown command or flag, bad value, a file that cannot be read)
  3    the training job failed (or was denied)
  4    not found or refused (unknown dataset or job, not the owner, not allowed by the policy)
  5    verification failed (receipt signature, node, outputs; weights hash)
  6    no usable wallet (no key configured, unknown key, wrong password, no password in a script)
  130  interrupted (Ctrl-C)

Examples:
  datavault dev                                   # local stack, in another terminal
  datavault keys new --name alice
  datavault publish vitals.csv --price 5 --trainers logistic-regression
  datavault datasets --search heart
  datavault train 0xDATASET --trainer logistic-regression --label risk --param epochs=40 --out model.safetensors
  datavault receipt verify model.safetensors.receipt.json --weights model.safetensors
`

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  const json = rest.includes('--json')
  try {
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      const topic = name === 'help' ? rest[0] : undefined
      const command = topic === undefined ? undefined : commands.find((candidate) => candidate.name === topic)
      if (topic !== undefined && !command) throw new CliUsageError(`Unknown command "${topic}". Run \`datavault --help\`.`)
      io.stdout.write(command ? command.help : usage)
      return name === undefined ? exitCodes.usage : exitCodes.ok
    }
    if (name === '--version' || name === 'version') {
      io.stdout.write('datavault 0.1.0\n')
      return exitCodes.ok
    }
    const command = commands.find((candidate) => candidate.name === name)
    if (!command) throw new CliUsageError(`Unknown command "${name}". Run \`datavault --help\`.`)
    return await command.run(rest, io)
  } catch (error) {
    const exitCode = exitCodeOf(error)
    const described = describeError(error)
    if (json) io.stdout.write(`${JSON.stringify({ error: { ...described, exitCode } }, null, 2)}\n`)
    io.stderr.write(`datavault: ${described.message}\n`)
    if (described.details) io.stderr.write(`  ${described.details.replace(/\n/g, '\n  ')}\n`)
    if (described.code === 'CLI_USAGE' && name !== undefined && commands.some((c) => c.name === name) && !described.message.includes('--help'))
      io.stderr.write(`  (see \`datavault ${name} --help\`)\n`)
    if (io.env.DATAVAULT_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`)
    return exitCode
  }
}

/** Runs the CLI as this process: argv, streams, Ctrl-C/SIGTERM (a second one exits at once), exit code. */
export function startCli(): void {
  const controller = new AbortController()
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    if (signals > 1) process.exit(exitCodes.interrupted)
    controller.abort(signal)
    // A command that does not watch the signal gets a little time, then the process ends.
    setTimeout(() => process.exit(exitCodes.interrupted), 10_000).unref()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: controller.signal }
  runCli(process.argv.slice(2), io).then(
    (code) => {
      // Let stdout drain (a pipe may be slow), then leave even if a handle lingers.
      process.stdout.write('', () => process.exit(code))
    },
    (error: unknown) => {
      process.stderr.write(`datavault: ${(error as Error)?.message ?? String(error)}\n`)
      process.exit(exitCodes.failure)
    },
  )
}

// `node sdk/src/cli/main.ts …` (npm run dev); bin/datavault.mjs calls startCli() itself.
if (import.meta.main) startCli()
