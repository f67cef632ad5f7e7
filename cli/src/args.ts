// Flags every command shares, and the zod check of parsed values (a bad value is exit 2).
import { z } from 'zod'
import { CliUsageError } from './errors.ts'

/** `--json`, `--verbose`, `--help` on every command. */
export const commonOptions = {
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Where the vault node and the chain are (see the configuration section of `datavault --help`). */
export const connectionOptions = {
  'vault-url': { type: 'string' },
  'rpc-url': { type: 'string' },
  'chain-id': { type: 'string' },
  'addresses-file': { type: 'string' },
  'dev-dir': { type: 'string' },
  'config-dir': { type: 'string' },
} as const

/** Which wallet signs, and where its password comes from. */
export const walletOptions = {
  key: { type: 'string' },
  account: { type: 'string' },
  'password-env': { type: 'string' },
} as const

/** Help lines for {@link connectionOptions} and {@link walletOptions}, shared by the commands' `--help`. */
export const connectionHelp = `Connection (flags > environment > <config dir>/config.json > the dev stack's dev.json):
  --vault-url URL          vault node (DATAVAULT_VAULT_URL)
  --rpc-url URL            chain JSON-RPC (DATAVAULT_RPC_URL)
  --chain-id N             chain id (DATAVAULT_CHAIN_ID; else asked from the RPC)
  --addresses-file FILE    Ocean contract addresses (DATAVAULT_ADDRESSES_FILE)
  --dev-dir DIR            where \`datavault dev\` runs (DATAVAULT_DEV_DIR; default ./.datavault)
  --config-dir DIR         config and keystore (DATAVAULT_CONFIG_DIR; default $XDG_CONFIG_HOME/datavault)`

/** Help lines for {@link walletOptions}. */
export const walletHelp = `Wallet:
  --key NAME               a key of the keystore (DATAVAULT_KEY; the only key when there is one)
  --account ROLE           the dev stack's test account: owner, buyer or spare-N (DATAVAULT_ACCOUNT);
                           TEST KEYS ONLY, published in dev.json, never for real funds
  --password-env VAR       read the key's password from the variable VAR (default DATAVAULT_PASSWORD;
                           else asked on the terminal)`

/**
 * Help lines for a command that signs nothing: it takes the wallet flags, so one set of flags (or
 * a script's defaults) works for every command, and ignores them.
 */
export const readOnlyWalletHelp = `Wallet:
  --key, --account, --password-env   accepted, and not used: this command signs nothing and
                                     unlocks no key`

/** Help lines for {@link commonOptions}. */
export const commonHelp = `Output:
  --json                   print one JSON document on stdout (errors too: {"error": {...}})
  -v, --verbose            say where each setting came from
  -h, --help               show this help`

/**
 * Checks a value with a zod schema; a failure is a usage error (exit 2) naming `what`.
 *
 * @example
 * const price = check(priceSchema, values.price, '--price')
 */
export function check<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue && issue.path.length > 0 ? ` (${issue.path.map(String).join('.')})` : ''
  throw new CliUsageError(`${what}${where}: ${issue?.message ?? 'invalid value'}.`)
}

/** Exactly `count` positionals named `names`, else a usage error. */
export function positionalsExactly(positionals: string[], names: string[], command: string): string[] {
  if (positionals.length < names.length) throw new CliUsageError(`datavault ${command} needs ${names.map((n) => `<${n}>`).join(' ')}. See \`datavault ${command} --help\`.`)
  if (positionals.length > names.length) throw new CliUsageError(`Unexpected argument "${positionals[names.length]}". See \`datavault ${command} --help\`.`)
  return positionals
}

/** A 0x address (lower-cased). */
export const addressArg = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address')
  .transform((value) => value.toLowerCase() as `0x${string}`)

/** A 32-byte 0x hash (a transaction hash). */
export const hashArg = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hash')
  .transform((value) => value.toLowerCase() as `0x${string}`)

/** A job id as the node issues them. */
export const jobIdArg = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a job id')
