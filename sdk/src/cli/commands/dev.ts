import { parseArgs } from 'node:util'
import type { Command } from '../command.ts'
import { helpRequested } from '../command.ts'
import { CliUsageError } from '../errors.ts'

const help = `datavault dev — run the local stack in the foreground

Usage:
  datavault dev [--data-dir DIR] [--port N] [--chain-port N]

Starts a Hardhat chain with Ocean's contracts, an embedded IPFS node, a vault node and the
bubblewrap sandbox; prints the RPC and vault URLs, then a line with \`ready\`; writes the contract
addresses and funded TEST accounts to DIR/dev.json, which the other commands read (run them in the
same directory, or pass --dev-dir DIR). Ctrl-C or SIGTERM stops everything. The chain is fresh on
every start.

Options:
  --data-dir DIR   where the stack keeps its state and dev.json (default .datavault)
  --port N         vault API port (default 8700; 0 picks a free one)
  --chain-port N   chain RPC port (default 8545; 0 picks a free one)
  -h, --help       show this help

Examples:
  datavault dev
  datavault dev --data-dir /tmp/dv --port 8701
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

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!/^\d+$/.test(value) || !Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new CliUsageError(`--${name} must be a port number (0-65535), got "${value}".`)
  return parsed
}

/** `datavault dev`: the local stack in the foreground. */
export const devCommand: Command = {
  name: 'dev',
  summary: 'run the local stack (chain, Ocean contracts, IPFS, vault node, sandbox) in the foreground',
  help,
  async run(args, io) {
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
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    const vaultPort = port(values.port, 'port', 8700)
    const chainPort = port(values['chain-port'], 'chain-port', 8545)
    const specifier = '@datavault/vault'
    const { startDevStack } = (await import(specifier)) as DevStackModule
    const started = Date.now()
    const stack = await startDevStack({
      dataDir: values['data-dir'],
      port: vaultPort,
      chainPort,
      onStep: (line) => io.stdout.write(`  ${line}\n`),
    })
    io.stdout.write(`rpc:   ${stack.rpcUrl} (chainId ${stack.chainId})\nvault: ${stack.vaultUrl}\n`)
    io.stdout.write(`accounts and addresses: ${values['data-dir']}/dev.json (test keys only)\n`)
    io.stdout.write(`ready in ${Date.now() - started} ms (Ctrl-C to stop)\n`)
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) return resolve()
      io.signal.addEventListener('abort', () => resolve(), { once: true })
    })
    io.stdout.write(`\n${String(io.signal.reason ?? 'signal')}: stopping…\n`)
    await stack.stop()
    io.stdout.write('stopped\n')
    return 0
  },
}
