import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Command } from '../command.ts'
import { helpRequested } from '../command.ts'
import { CliUsageError } from '../errors.ts'
import type { VaultConfig, VaultNode } from '@datavault/vault'

const help = `datavault node — run a production vault node in the foreground

Usage:
  datavault node [--data-dir DIR] [--host H] [--port N] [--public-url URL]
                 [--rpc-url URL] [--chain-id N] [--addresses-file FILE]
                 [--environments-file FILE] [--concurrency N] [--log-level L] [--json]

The vault node alone (its HTTP API, IPFS blocks, SQLite, the key service and the compute engine),
on any EVM chain. Every setting comes from the environment (DATAVAULT_*, the list is in
docs/node-operators.md); a flag overrides its variable. On start the node registers on the
KeyHolderRegistry (its wallet, in DIR/keys/node.json, pays gas once: fund it), then prints its URL
and address and a line with \`ready\`. SIGTERM or Ctrl-C stops it: the API closes, running jobs
end as interrupted, the data dir is kept for the next start. Logs (JSON, pino) go to stderr.

Options:
  --data-dir DIR            keys, SQLite, IPFS blocks, results   (DATAVAULT_DATA_DIR, ~/.datavault)
  --host H                  listen address                       (DATAVAULT_HOST, 127.0.0.1)
  --port N                  API port; 0 picks a free one         (DATAVAULT_PORT, 8700)
  --public-url URL          the URL registered on chain          (DATAVAULT_PUBLIC_URL, http://HOST:PORT)
  --rpc-url URL             the chain's JSON-RPC                 (DATAVAULT_RPC_URL, required)
  --chain-id N              the chain's id                       (DATAVAULT_CHAIN_ID, required)
  --addresses-file FILE     contract addresses (Ocean's shape)   (DATAVAULT_ADDRESSES_FILE, DIR/addresses.json)
  --addresses FILE          the same as --addresses-file
  --environments-file FILE  the compute environments offered     (DATAVAULT_ENVIRONMENTS_FILE)
  --concurrency N           jobs at once                         (DATAVAULT_CONCURRENCY, 1)
  --log-level L             fatal|error|warn|info|debug|trace|silent (DATAVAULT_LOG_LEVEL, info)
  --json                    when ready, print one JSON document on stdout
                            ({ url, publicUrl, address, chainId, dataDir, ready: true })
  -h, --help                show this help

Exit codes: 0 stopped by a signal; 1 failed to start (chain unreachable, no gas to register);
2 a bad setting (named, with its variable and flag).

Examples:
  datavault node --rpc-url https://rpc.example.org --chain-id 8996 --data-dir /var/lib/datavault
  datavault node --host 0.0.0.0 --public-url https://vault.example.org --addresses-file addresses.json
  DATAVAULT_RPC_URL=https://rpc.example.org DATAVAULT_CHAIN_ID=8996 datavault node --json
`

/** Each flag and the variable it overrides. */
const flagVariables = {
  'data-dir': 'DATAVAULT_DATA_DIR',
  host: 'DATAVAULT_HOST',
  port: 'DATAVAULT_PORT',
  'public-url': 'DATAVAULT_PUBLIC_URL',
  'rpc-url': 'DATAVAULT_RPC_URL',
  'chain-id': 'DATAVAULT_CHAIN_ID',
  'addresses-file': 'DATAVAULT_ADDRESSES_FILE',
  'environments-file': 'DATAVAULT_ENVIRONMENTS_FILE',
  concurrency: 'DATAVAULT_CONCURRENCY',
  'log-level': 'DATAVAULT_LOG_LEVEL',
} as const

/** Variables whose value is a path. */
const pathVariables = ['DATAVAULT_DATA_DIR', 'DATAVAULT_ADDRESSES_FILE', 'DATAVAULT_ENVIRONMENTS_FILE', 'DATAVAULT_KUBERNETES_KUBECONFIG'] as const

/** `rpcUrl` → `DATAVAULT_RPC_URL`, `kubernetes.gatewayUrl` → `DATAVAULT_KUBERNETES_GATEWAY_URL`: the config's field to its variable. */
export function variableOf(field: string): string {
  return `DATAVAULT_${field.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`
}

/**
 * The node's configuration error (`CONFIG_INVALID`, details `field: problem; …`) as a usage error
 * that names each bad setting by its variable, and its flag where it has one (`env`: the settings
 * as given, to tell a missing one from a bad one).
 */
export function configUsageError(error: { shortMessage?: string; details?: string | undefined }, env: NodeJS.ProcessEnv = {}): CliUsageError {
  const flags = Object.entries(flagVariables)
  const named = (error.details ?? '')
    .split('; ')
    .filter(Boolean)
    .map((issue) => {
      const match = /^([A-Za-z0-9_.]+): (.*)$/s.exec(issue)
      if (!match) return issue
      const [, path, problem] = match as unknown as [string, string, string]
      // An entry of a list (`environments.1.runner`) is named by the list's setting and the entry's place.
      const [, field = path, index, rest = ''] = /^(.*?)\.(\d+)(\..*)?$/.exec(path) ?? []
      let variable = variableOf(field)
      // A list read from a file is set by its `_FILE` variable (`environments` → `DATAVAULT_ENVIRONMENTS_FILE`).
      if (index !== undefined && env[variable] === undefined && (env[`${variable}_FILE`] !== undefined || flags.some(([, name]) => name === `${variable}_FILE`))) variable = `${variable}_FILE`
      const flag = flags.find(([, name]) => name === variable)?.[0]
      const unset = index === undefined && env[variable] === undefined && /received (undefined|NaN)/.test(problem)
      const where = index === undefined ? '' : ` entry ${index}${rest ? ` ${rest.slice(1)}` : ''}`
      return `${variable}${flag ? ` (--${flag})` : ''}${where}: ${unset ? 'not set (required)' : problem}`
    })
  return new CliUsageError(`Bad node setting${named.length === 1 ? '' : 's'}: ${named.join('; ') || (error.shortMessage ?? 'invalid configuration')}`, {
    code: 'NODE_CONFIG_INVALID',
    details: 'Settings come from DATAVAULT_* variables; a flag overrides its variable. See `datavault node --help` and docs/node-operators.md.',
  })
}

/** `datavault node`: the production vault node in the foreground. */
export const nodeCommand: Command = {
  name: 'node',
  summary: 'run a production vault node (settings from DATAVAULT_* variables and flags) in the foreground',
  help,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        'data-dir': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'public-url': { type: 'string' },
        'rpc-url': { type: 'string' },
        'chain-id': { type: 'string' },
        'addresses-file': { type: 'string' },
        addresses: { type: 'string' },
        'environments-file': { type: 'string' },
        concurrency: { type: 'string' },
        'log-level': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    if (values.addresses !== undefined && values['addresses-file'] !== undefined && values.addresses !== values['addresses-file'])
      throw new CliUsageError('Give --addresses-file or --addresses, not both.')
    const { json: _json, help: _help, ...strings } = values
    const flagged: Record<string, string | undefined> = { ...strings, 'addresses-file': values['addresses-file'] ?? values.addresses }
    // The vault reads its settings from the environment in one module; flags are laid over a copy of it.
    const env: NodeJS.ProcessEnv = { ...io.env }
    for (const [flag, variable] of Object.entries(flagVariables)) {
      const value = flagged[flag]
      if (value === undefined) continue
      if (value === '') throw new CliUsageError(`--${flag} is empty.`)
      env[variable] = value
    }
    // Relative paths, from a flag or a variable, are relative to the working directory.
    for (const variable of pathVariables) if (env[variable]) env[variable] = resolve(io.cwd, env[variable])

    // A declared dependency, loaded once the arguments are checked.
    const { readVaultConfigFromEnv, startVaultNode } = await import('@datavault/vault')
    const isConfigError = (error: unknown): error is { shortMessage?: string; details?: string } => (error as { code?: unknown } | null)?.code === 'CONFIG_INVALID'
    let config: VaultConfig
    try {
      config = readVaultConfigFromEnv(env)
    } catch (error) {
      throw isConfigError(error) ? configUsageError(error, env) : error
    }
    const say = values.json ? io.stderr : io.stdout
    const started = Date.now()
    say.write(`starting the vault node (data dir ${config.dataDir}, chain ${config.chainId})…\n`)
    let node: VaultNode
    try {
      node = await startVaultNode(config)
    } catch (error) {
      // A setting only the start-up can judge (an environment's runner, the anchoring registry).
      if (isConfigError(error)) throw configUsageError(error, env)
      // The addresses file is missing or not Ocean's shape: say which setting points at it.
      if ((error as Error | null)?.name === 'OceanAddressesError')
        throw new CliUsageError(`Bad node setting: DATAVAULT_ADDRESSES_FILE (--addresses-file): ${(error as { shortMessage?: string }).shortMessage ?? (error as Error).message}`, {
          code: 'NODE_CONFIG_INVALID',
          details: `${config.addressesFile ?? ''}${(error as { details?: string }).details ? `: ${(error as { details?: string }).details}` : ''}`,
        })
      throw error
    }
    const publicUrl = config.publicUrl ?? node.url
    say.write(`vault node ${node.address} listening at ${node.url}${publicUrl === node.url ? '' : ` (public URL ${publicUrl})`}\n`)
    say.write(`ready in ${Date.now() - started} ms (SIGTERM or Ctrl-C stops it)\n`)
    if (values.json) io.stdout.write(`${JSON.stringify({ url: node.url, publicUrl, address: node.address, chainId: config.chainId, dataDir: config.dataDir, ready: true })}\n`)
    await new Promise<void>((done) => {
      if (io.signal.aborted) return done()
      io.signal.addEventListener('abort', () => done(), { once: true })
    })
    say.write(`${String(io.signal.reason ?? 'signal')}: stopping (running jobs end as interrupted)…\n`)
    await node.stop()
    say.write('stopped\n')
    return 0
  },
}
