import { parseArgs } from 'node:util'
import { isDataVaultError } from '../errors/base.ts'

const usage = `datavault — data vaults with compute-to-data

Usage:
  datavault dev [--data-dir DIR] [--port N] [--chain-port N]
      Start the local stack (Hardhat chain with Ocean's contracts, IPFS, vault node,
      bubblewrap sandbox) in the foreground; Ctrl-C stops it.

Options:
  -h, --help   Show this help.

Examples:
  npx datavault dev
  npx datavault dev --data-dir /tmp/dv --port 8701
`

/** Minimal shape of `@datavault/vault`'s dev stack, loaded at run time (the SDK does not depend on the vault). */
type DevStackModule = {
  startDevStack(params: { dataDir: string; port?: number; chainPort?: number; onStep?: (line: string) => void }): Promise<{
    rpcUrl: string
    vaultUrl: string
    chainId: number
    stop(): Promise<void>
  }>
}

/** A command-line argument is wrong; exits with code 2. */
class UsageError extends Error {
  override name = 'UsageError'
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new UsageError(`--${name} must be a port number (0-65535), got "${value}".`)
  return parsed
}

async function dev(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string', default: '.datavault' },
      port: { type: 'string' },
      'chain-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(usage)
    return 0
  }
  const specifier = '@datavault/vault'
  const { startDevStack } = (await import(specifier)) as DevStackModule
  const started = Date.now()
  const stack = await startDevStack({
    dataDir: values['data-dir'],
    port: port(values.port, 'port', 8700),
    chainPort: port(values['chain-port'], 'chain-port', 8545),
    onStep: (line) => process.stdout.write(`  ${line}\n`),
  })
  process.stdout.write(`rpc:   ${stack.rpcUrl} (chainId ${stack.chainId})\nvault: ${stack.vaultUrl}\n`)
  process.stdout.write(`accounts and addresses: ${values['data-dir']}/dev.json\n`)
  process.stdout.write(`ready in ${Date.now() - started} ms (Ctrl-C to stop)\n`)
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      process.stdout.write(`\n${signal}: stopping…\n`)
      resolve()
    }
    process.once('SIGINT', () => shutdown('SIGINT'))
    process.once('SIGTERM', () => shutdown('SIGTERM'))
  })
  await stack.stop()
  process.stdout.write('stopped\n')
  return 0
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'dev':
      return dev(rest)
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(usage)
      return command === undefined ? 2 : 0
    default:
      throw new UsageError(`Unknown command "${command}". Run \`datavault --help\`.`)
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`datavault: ${(error as Error).message}\n`)
      process.exit(2)
    }
    process.stderr.write(`datavault: ${isDataVaultError(error) ? error.shortMessage : (error as Error).message}\n`)
    process.exit(1)
  },
)
