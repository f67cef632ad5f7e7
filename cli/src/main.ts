// The `datavault` CLI (Node only): dispatches to one command, turns any error into one line on
// stderr (and a JSON document on stdout with --json) and the documented exit code.
import { setFlagsFromString } from 'node:v8'
import { commonHelp, connectionHelp, walletHelp } from './args.ts'
import type { Command } from './command.ts'
import { CliUsageError, describeError, exitCodeOf, exitCodes } from './errors.ts'
import type { CliIo } from './output.ts'

/**
 * A command as the dispatcher knows it: its name, one line, its module (loaded only when run), and
 * whether it is a long-running server (`dev`, `node`, `keyholder`).
 */
type CommandEntry = { name: string; summary: string; load: () => Promise<Command>; server?: true }

/** Every command, in the order the help lists them. Each module is imported only when its command runs. */
export const commands: readonly CommandEntry[] = [
  { name: 'dev', summary: 'run the local stack (chain, Ocean contracts, IPFS, vault node, sandbox) in the foreground', load: async () => (await import('./commands/dev.ts')).devCommand, server: true },
  { name: 'node', summary: 'run a production vault node (settings from DATAVAULT_* variables and flags) in the foreground', load: async () => (await import('./commands/node.ts')).nodeCommand, server: true },
  { name: 'keyholder', summary: 'run a key holder (one share of each escrowed data key, released only on chain evidence)', load: async () => (await import('./commands/keyholder.ts')).keyholderCommand, server: true },
  { name: 'keys', summary: 'create, import and list wallet keys (encrypted keystore, Web3 Secret Storage v3)', load: async () => (await import('./commands/keys.ts')).keysCommand },
  { name: 'publish', summary: 'encrypt a CSV locally, upload it, publish its datatoken, register it, escrow its key', load: async () => (await import('./commands/publish.ts')).publishCommand },
  { name: 'datasets', summary: 'list or search the datasets on the vault node, with prices', load: async () => (await import('./commands/datasets.ts')).datasetsCommand },
  { name: 'dataset', summary: 'show one dataset: schema, policy, privacy budget, price', load: async () => (await import('./commands/datasets.ts')).datasetCommand },
  { name: 'fund', summary: 'add test ETH to a wallet on the local dev chain (refused on any other chain)', load: async () => (await import('./commands/fund.ts')).fundCommand },
  { name: 'buy', summary: 'buy one datatoken of a dataset (fixed price or free dispenser)', load: async () => (await import('./commands/buy.ts')).buyCommand },
  { name: 'environments', summary: 'list the compute environments of the vault node (runtime, runner, CPU, memory, GPU)', load: async () => (await import('./commands/environments.ts')).environmentsCommand },
  { name: 'trainers', summary: 'list the built-in trainers: parameters (type, range, default), label types, outputs', load: async () => (await import('./commands/trainers.ts')).trainersCommand },
  { name: 'train', summary: 'order, submit and follow a training job; save the weights and the verified receipt', load: async () => (await import('./commands/train.ts')).trainCommand },
  { name: 'jobs', summary: 'list your jobs, show one, or --watch one until it ends', load: async () => (await import('./commands/jobs.ts')).jobsCommand },
  { name: 'receipt', summary: 'verify a job receipt offline (signature, node, outputs, weights hash)', load: async () => (await import('./commands/receipt.ts')).receiptCommand },
  { name: 'approve', summary: "(owner) approve a job's custom algorithm on your dataset", load: async () => (await import('./commands/owner.ts')).approveCommand },
  { name: 'deny', summary: "(owner) deny a job's custom algorithm, with a reason the buyer sees", load: async () => (await import('./commands/owner.ts')).denyCommand },
  { name: 'logs', summary: "(owner) a job's program log", load: async () => (await import('./commands/owner.ts')).logsCommand },
  { name: 'receipts', summary: "(owner) every finished job's receipt on your dataset, verified", load: async () => (await import('./commands/owner.ts')).receiptsCommand },
  { name: 'revoke', summary: '(owner) revoke your dataset: close its sale, delete its key, stop every new job', load: async () => (await import('./commands/owner.ts')).revokeCommand },
  { name: 'price', summary: '(owner) change the price of your dataset on its exchange', load: async () => (await import('./commands/market.ts')).priceCommand },
  { name: 'policy', summary: '(owner) change the compute policy of your dataset', load: async () => (await import('./commands/market.ts')).policyCommand },
  { name: 'schema', summary: '(owner) correct the schema of your dataset while no job depends on it', load: async () => (await import('./commands/market.ts')).schemaCommand },
  { name: 'unpublish', summary: '(owner) take your dataset off sale for now (closes its exchange; reversible)', load: async () => (await import('./commands/market.ts')).unpublishCommand },
  { name: 'republish', summary: '(owner) put an unpublished dataset back on sale', load: async () => (await import('./commands/market.ts')).republishCommand },
  { name: 'collect', summary: "(owner) collect what buyers paid that waits on your datasets' exchanges", load: async () => (await import('./commands/market.ts')).collectCommand },
  { name: 'rotate', summary: '(owner) re-encrypt your dataset under a fresh key; the node switches to the new ciphertext', load: async () => (await import('./commands/rotate.ts')).rotateCommand },
  { name: 'pool', summary: 'DAO data pools: create, join, register, leave, propose, vote, execute, claim revenue, status', load: async () => (await import('./commands/pool/index.ts')).poolCommand },
]

const usage = `datavault — data vaults with compute-to-data: find data, train beside it, get the weights

Usage:
  datavault <command> [options]
  datavault <command> --help

Commands:
${commands.map((command) => `  ${command.name.padEnd(12)} ${command.summary}`).join('\n')}

${connectionHelp}

${walletHelp}
  (commands that only read, such as datasets, dataset, environments and receipt verify, accept
  these and ignore them)

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
  datavault node --data-dir /var/lib/datavault    # a production node (DATAVAULT_* settings)
  datavault keys new --name alice
  datavault publish vitals.csv --price 5 --public-values risk --type smoker=number
  datavault datasets --search heart
  datavault trainers logistic-regression
  datavault train 0xDATASET --trainer logistic-regression --label risk --dp epsilon=3 --dry-run
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
      const entry = topic === undefined ? undefined : commands.find((candidate) => candidate.name === topic)
      if (topic !== undefined && !entry) throw new CliUsageError(`Unknown command "${topic}". Run \`datavault --help\`.`)
      io.stdout.write(entry ? (await entry.load()).help : usage)
      return name === undefined ? exitCodes.usage : exitCodes.ok
    }
    if (name === '--version' || name === 'version') {
      io.stdout.write('datavault 0.1.0\n')
      return exitCodes.ok
    }
    const entry = commands.find((candidate) => candidate.name === name)
    if (!entry) throw new CliUsageError(`Unknown command "${name}". Run \`datavault --help\`.`)
    // The launcher keeps V8's young generation small (a command's work allocates short-lived
    // pieces); a server handles many requests at once, whose objects live across awaits, and gets
    // V8's default growth back (2, doubling up to its maximum) before its modules load.
    if (entry.server) setFlagsFromString('--semi-space-growth-factor=2')
    return await (await entry.load()).run(rest, io)
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
  // A closed terminal (or a parent that hangs up) stops a command like Ctrl-C would, with its cleanup.
  process.on('SIGHUP', onSignal)
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

// `node cli/src/main.ts …` (npm run dev); bin/datavault.mjs calls startCli() itself.
if (import.meta.main) startCli()
