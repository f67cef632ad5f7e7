import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Command } from '../command.ts'
import { helpRequested } from '../command.ts'
import { resolveConfig } from '../config.ts'
import { CliUsageError } from '../errors.ts'

const help = `datavault keyholder — run one key holder in the foreground

Usage:
  datavault keyholder [--data-dir DIR] [--host H] [--port N] [--public-url URL]
                      [--rpc-url URL --chain-id N --addresses-file FILE | --dev-dir DIR] [--json]

A key holder keeps one share of each data key escrowed with it (sealed to its own X25519 key, in
its own SQLite store under DIR) and releases it, sealed to the job's key, only after checking by
itself on chain: the order, the dataset's state on the KeyHolderRegistry, that the ticket's compute
node is registered and named by the owner, and the owner's policy. On start it registers its key
and URL on the KeyHolderRegistry (its wallet, in DIR/keys/holder.json, pays gas once: fund it).
Shares of datasets revoked on chain are deleted. Ctrl-C or SIGTERM stops it.

Options:
  --data-dir DIR        the holder's keys and store (default .datavault-keyholder)
  --host H              listen address (default 127.0.0.1)
  --port N              listen port (default 8800; 0 picks a free one)
  --public-url URL      the URL registered on chain (default http://HOST:PORT)
  --rpc-url URL         chain RPC (default: env DATAVAULT_RPC_URL, config, dev.json)
  --chain-id N          chain id (same sources)
  --addresses-file FILE contract addresses file (default: the dev stack's)
  --dev-dir DIR         where \`datavault dev\` wrote dev.json (default .datavault)
  --json                when ready, print { url, address, encryptionPublicKey, ready: true }
  -h, --help            show this help

Examples:
  datavault keyholder --data-dir /var/lib/dv-holder-1 --port 8801
  datavault keyholder --port 0 --json
`

/** `datavault keyholder`: one key holder in the foreground. */
export const keyholderCommand: Command = {
  name: 'keyholder',
  summary: 'run a key holder (one share of each escrowed data key, released only on chain evidence)',
  help,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        'data-dir': { type: 'string', default: '.datavault-keyholder' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8800' },
        'public-url': { type: 'string' },
        'rpc-url': { type: 'string' },
        'chain-id': { type: 'string' },
        'addresses-file': { type: 'string' },
        'dev-dir': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65_535) throw new CliUsageError(`--port must be a port number (0-65535), got "${values.port}".`)
    const config = await resolveConfig({ flags: values, env: io.env, cwd: io.cwd })
    if (!config.rpcUrl || !config.chainId) throw new CliUsageError('The chain is unknown: pass --rpc-url and --chain-id, or run `datavault dev` first.')
    const addressesFile = config.addressesFile?.value ?? (config.dev?.addressesFile ? resolve(config.dev.file, '..', config.dev.addressesFile) : undefined)
    if (!addressesFile) throw new CliUsageError('The contract addresses are unknown: pass --addresses-file, or run `datavault dev` first.')
    // A declared dependency, loaded once the arguments are checked.
    const { startKeyHolder } = await import('@datavault/vault')
    const say = values.json ? io.stderr : io.stdout
    const holder = await startKeyHolder({
      dataDir: resolve(io.cwd, values['data-dir']),
      host: values.host,
      port: Number(values.port),
      ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
      rpcUrl: config.rpcUrl.value,
      chainId: config.chainId.value,
      addressesFile,
    })
    say.write(`key holder ${holder.address} listening at ${holder.url} (registered on the KeyHolderRegistry)\nready (Ctrl-C to stop)\n`)
    if (values.json) io.stdout.write(`${JSON.stringify({ url: holder.url, address: holder.address, encryptionPublicKey: holder.encryptionPublicKey, ready: true })}\n`)
    await new Promise<void>((done) => {
      if (io.signal.aborted) return done()
      io.signal.addEventListener('abort', () => done(), { once: true })
    })
    say.write(`\n${String(io.signal.reason ?? 'signal')}: stopping…\n`)
    await holder.stop()
    say.write('stopped\n')
    return 0
  },
}
