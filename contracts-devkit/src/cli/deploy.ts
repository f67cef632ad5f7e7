#!/usr/bin/env node
// Deploys Ocean's datatoken contracts (and our ReceiptRegistry) to any EVM chain and writes the
// addresses file (Ocean's address.json shape; `development` for chainId 8996).
//
//   node contracts-devkit/src/cli/deploy.ts --rpc http://127.0.0.1:8545 \
//     --private-key-env DEPLOYER_KEY --out .datavault/addresses.json
//
// The key is read from the environment variable named by --private-key-env, never from argv
// (argv is visible to every user of the machine) and never printed.
import { parseArgs } from 'node:util'
import { createWalletClient, http, isHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod/v4'
import { writeOceanAddressesFile } from '@datavault/contracts/addresses-file'
import { deployOcean } from '../deploy-ocean.ts'
import type { Logger } from '@datavault/contracts'

const usage = 'usage: node contracts-devkit/src/cli/deploy.ts --rpc URL --private-key-env VAR --out FILE [--ocean-token ADDRESS] [--no-receipt-registry] [--quiet]'

const argsSchema = z.object({
  rpc: z.url({ protocol: /^(https?|wss?)$/ }),
  'private-key-env': z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
  out: z.string().min(1),
  'ocean-token': z.string().regex(/^0x[0-9a-fA-F]{40}$/).optional(),
  'no-receipt-registry': z.boolean().optional(),
  quiet: z.boolean().optional(),
})

/** Strips credentials (user:password@, query) from an RPC URL before it is printed. */
function safeUrl(url: string): string {
  const parsed = new URL(url)
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : '/…'}`
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let raw: Record<string, unknown>
  try {
    raw = parseArgs({
      args: argv,
      options: {
        rpc: { type: 'string' },
        'private-key-env': { type: 'string' },
        out: { type: 'string' },
        'ocean-token': { type: 'string' },
        'no-receipt-registry': { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`)
    return 2
  }
  if (raw.help) {
    console.log(usage)
    return 0
  }
  const parsed = argsSchema.safeParse(raw)
  if (!parsed.success) {
    console.error(`${z.prettifyError(parsed.error)}\n${usage}`)
    return 2
  }
  const args = parsed.data
  const key = env[args['private-key-env']]?.trim()
  const privateKey = key && !key.startsWith('0x') ? `0x${key}` : key
  if (!privateKey || !isHex(privateKey) || privateKey.length !== 66) {
    console.error(`environment variable ${args['private-key-env']} must hold a 32-byte hex private key`)
    return 2
  }
  const logger: Logger = args.quiet
    ? { debug() {}, info() {}, warn() {} }
    : {
        debug() {},
        info: (fields, message) => console.error(`${message ?? ''} ${JSON.stringify(fields, (_, value) => (typeof value === 'bigint' ? value.toString() : value))}`),
        warn: (fields, message) => console.error(`warning: ${message ?? ''} ${JSON.stringify(fields)}`),
      }
  const client = createWalletClient({ account: privateKeyToAccount(privateKey), transport: http(args.rpc) })
  try {
    logger.info({ rpc: safeUrl(args.rpc), deployer: client.account.address }, 'deploying Ocean contracts')
    const result = await deployOcean(client, {
      oceanToken: args['ocean-token'] as `0x${string}` | undefined,
      receiptRegistry: !args['no-receipt-registry'],
      logger,
    })
    const key = await writeOceanAddressesFile(args.out, result.addresses)
    console.log(
      JSON.stringify(
        { out: args.out, key, durationMs: result.durationMs, addresses: result.addresses, gasUsed: Object.fromEntries(Object.entries(result.gasUsed).map(([step, gas]) => [step, gas.toString()])) },
        null,
        2,
      ),
    )
    return 0
  } catch (error) {
    const { shortMessage, details } = error as { shortMessage?: string; details?: string }
    console.error(`error: ${shortMessage ?? (error as Error).message}${details ? `\n${details}` : ''}`)
    return 1
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2))
}
