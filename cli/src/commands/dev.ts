import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Command } from '../command.ts'
import { helpRequested } from '../command.ts'
import { CliUsageError } from '../errors.ts'

const help = `datavault dev — run the local stack in the foreground

Usage:
  datavault dev [--data-dir DIR] [--persist] [--port N] [--chain-port N] [--keyholders N [--threshold T]] [--json]

Starts a Hardhat chain with Ocean's contracts, an embedded IPFS node, a vault node and the
bubblewrap sandbox; prints the RPC and vault URLs, then a line with \`ready\`; writes the contract
addresses and funded TEST accounts to DIR/dev.json, which the other commands read (run them in the
same directory, or pass --dev-dir DIR). Ctrl-C or SIGTERM stops everything. The chain is fresh on
every start, and what a previous run left in DIR is deleted, unless --persist.

Options:
  --data-dir DIR   where the stack keeps its state and dev.json (default .datavault)
  --persist        keep everything between runs: the chain is journaled to DIR/chain as it is
                   mined and replayed on the next start (same contracts, datasets, orders and
                   balances), and the node's and key holders' data stay. A run without --persist
                   starts fresh and deletes them
  --port N         vault API port (default 8700; 0 picks a free one)
  --chain-port N   chain RPC port (default 8545; 0 picks a free one)
  --keyholders N   start N key holders beside the node (each its own keys and store, registered
                   on the KeyHolderRegistry); data keys are then split T of N across them.
                   Default 0: the node holds keys alone (1 of 1)
  --threshold T    how many key holders a job needs (default: a majority of N)
  --json           when ready, print one JSON document on stdout ({ rpcUrl, vaultUrl, chainId,
                   devFile, ready: true }); the steps go to stderr
  -h, --help       show this help

Examples:
  datavault dev
  datavault dev --data-dir /tmp/dv --port 8701
  datavault dev --persist                         # restart later with everything still there
  datavault dev --keyholders 3 --threshold 2
  datavault dev --port 0 --chain-port 0 --json | jq -r .vaultUrl
`

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
        persist: { type: 'boolean' },
        port: { type: 'string' },
        'chain-port': { type: 'string' },
        keyholders: { type: 'string' },
        threshold: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    const vaultPort = port(values.port, 'port', 8700)
    const chainPort = port(values['chain-port'], 'chain-port', 8545)
    const count = (value: string | undefined, name: string, max: number) => {
      if (value === undefined) return undefined
      if (!/^\d+$/.test(value) || Number(value) > max) throw new CliUsageError(`--${name} must be a whole number from 0 to ${max}, got "${value}".`)
      return Number(value)
    }
    const keyHolders = count(values.keyholders, 'keyholders', 16) ?? 0
    const keyThreshold = count(values.threshold, 'threshold', 16)
    if (keyThreshold !== undefined && (keyHolders === 0 || keyThreshold < 1 || keyThreshold > keyHolders))
      throw new CliUsageError(`--threshold must be between 1 and --keyholders (${keyHolders}), got ${keyThreshold}.`)
    // A declared dependency, loaded once the arguments are checked (a usage error needs no vault node).
    const { startDevStack } = await import('@datavault/vault')
    const started = Date.now()
    // With --json, stdout carries the one document; people's lines go to stderr.
    const say = values.json ? io.stderr : io.stdout
    const stack = await startDevStack({
      dataDir: values['data-dir'],
      persist: values.persist === true,
      port: vaultPort,
      chainPort,
      keyHolders,
      ...(keyThreshold !== undefined ? { keyThreshold } : {}),
      onStep: (line) => say.write(`  ${line}\n`),
    })
    const devFile = resolve(io.cwd, values['data-dir'], 'dev.json')
    say.write(`rpc:   ${stack.rpcUrl} (chainId ${stack.chainId})\nvault: ${stack.vaultUrl}\n`)
    if (stack.keyHolders.length) say.write(`keys:  ${stack.keyThreshold} of ${stack.keyHolders.length} key holders (${stack.keyHolders.map((holder) => holder.url).join(', ')})\n`)
    say.write(`accounts and addresses: ${values['data-dir']}/dev.json (test keys only)\n`)
    say.write(`ready in ${Date.now() - started} ms (Ctrl-C to stop)\n`)
    if (values.json) io.stdout.write(`${JSON.stringify({ rpcUrl: stack.rpcUrl, vaultUrl: stack.vaultUrl, chainId: stack.chainId, keyHolders: stack.keyHolders, keyThreshold: stack.keyThreshold, devFile, ready: true })}\n`)
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) return resolve()
      io.signal.addEventListener('abort', () => resolve(), { once: true })
    })
    say.write(`\n${String(io.signal.reason ?? 'signal')}: stopping…\n`)
    await stack.stop()
    say.write('stopped\n')
    return 0
  },
}
