// The CLI's settings, read in this one module: each value from the first of flags, environment,
// `<config dir>/config.json` and the dev stack's `dev.json`, remembering where it came from so
// `--verbose` can say so (never a secret: URLs are shown without credentials, paths or queries).
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { z } from 'zod'
import { check } from './args.ts'
import { CliUsageError } from './errors.ts'

/** A setting and where it came from (`flag --vault-url`, `env DATAVAULT_VAULT_URL`, `config <file>`, `dev <file>`, `default`). */
export type Sourced<T> = { value: T; source: string }

/** A funded test account of the dev stack (its private key is in dev.json, which is fine for test keys only). */
export type DevAccount = { address: `0x${string}`; privateKey: `0x${string}`; role: string }

/** What `datavault dev` writes to `<dev dir>/dev.json`. */
export const devFileSchema = z.looseObject({
  rpcUrl: z.url(),
  chainId: z.number().int().positive(),
  vaultUrl: z.url(),
  nodeAddress: z.string().optional(),
  addressesFile: z.string().optional(),
  addresses: z.record(z.string(), z.unknown()),
  accounts: z.array(
    z.object({
      address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      privateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
      role: z.string(),
    }),
  ),
})

/** The dev stack's file, parsed. */
export type DevFile = z.infer<typeof devFileSchema> & { accounts: DevAccount[] }

/** `<config dir>/config.json`: defaults a user keeps (every field optional). */
export const configFileSchema = z.strictObject({
  vaultUrl: z.url().optional(),
  rpcUrl: z.url().optional(),
  chainId: z.number().int().positive().optional(),
  key: z.string().optional(),
  addressesFile: z.string().optional(),
})

/** The CLI's settings, each with its source. */
export type CliConfig = {
  configDir: Sourced<string>
  devDir: Sourced<string>
  /** The dev stack's file when one was found. */
  dev: (DevFile & { file: string }) | undefined
  vaultUrl: Sourced<string> | undefined
  rpcUrl: Sourced<string> | undefined
  chainId: Sourced<number> | undefined
  /** A keystore key name. */
  key: Sourced<string> | undefined
  /** A dev stack test account role. */
  account: Sourced<string> | undefined
  addressesFile: Sourced<string> | undefined
  /** The dev file's Ocean addresses, when no addresses file is configured above it. */
  devAddresses: Sourced<Record<string, unknown>> | undefined
}

/** Flags that carry settings (as parsed by `node:util` parseArgs). */
export type ConfigFlags = {
  'vault-url'?: string | undefined
  'rpc-url'?: string | undefined
  'chain-id'?: string | undefined
  'addresses-file'?: string | undefined
  'dev-dir'?: string | undefined
  'config-dir'?: string | undefined
  key?: string | undefined
  account?: string | undefined
}

const urlSetting = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
const chainIdSetting = z.coerce.number().int().positive().max(2 ** 53 - 1)
const accountSetting = z.string().regex(/^(owner|buyer|deployer|spare(-\d)?)$/, 'must be owner, buyer, deployer or spare-N')

/** The default config dir: `$XDG_CONFIG_HOME/datavault`, else `~/.config/datavault`. */
export function defaultConfigDir(env: Record<string, string | undefined>): string {
  const xdg = env.XDG_CONFIG_HOME
  if (xdg && isAbsolute(xdg)) return join(xdg, 'datavault')
  return join(env.HOME || homedir(), '.config', 'datavault')
}

async function readJson(file: string): Promise<unknown | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new CliUsageError(`Cannot read ${file}: ${(error as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new CliUsageError(`${file} is not JSON.`, { code: 'CONFIG_INVALID' })
  }
}

/**
 * Resolves every setting: flags > environment > `<config dir>/config.json` > `<dev dir>/dev.json`.
 * A bad value anywhere is a usage error naming where it came from.
 */
export async function resolveConfig({ flags, env, cwd }: { flags: ConfigFlags; env: Record<string, string | undefined>; cwd: string }): Promise<CliConfig> {
  const pick = <T>(
    name: string,
    schema: z.ZodType<T>,
    candidates: [value: unknown, source: string][],
  ): Sourced<T> | undefined => {
    for (const [value, source] of candidates) {
      if (value === undefined || value === '') continue
      return { value: check(schema, value, `${name} (from ${source})`), source }
    }
    return undefined
  }

  const configDir = pick('config dir', z.string(), [
    [flags['config-dir'], 'flag --config-dir'],
    [env.DATAVAULT_CONFIG_DIR, 'env DATAVAULT_CONFIG_DIR'],
  ]) ?? { value: defaultConfigDir(env), source: env.XDG_CONFIG_HOME ? 'default ($XDG_CONFIG_HOME/datavault)' : 'default (~/.config/datavault)' }
  configDir.value = resolve(cwd, configDir.value)

  const configPath = join(configDir.value, 'config.json')
  const configJson = await readJson(configPath)
  const fileConfig = configJson === undefined ? {} : check(configFileSchema, configJson, configPath)
  const inConfig = `config ${configPath}`

  const explicitDevDir = pick('dev dir', z.string(), [
    [flags['dev-dir'], 'flag --dev-dir'],
    [env.DATAVAULT_DEV_DIR, 'env DATAVAULT_DEV_DIR'],
  ])
  const devDir = explicitDevDir ?? { value: '.datavault', source: 'default (./.datavault)' }
  devDir.value = resolve(cwd, devDir.value)
  const devPath = join(devDir.value, 'dev.json')
  const devJson = await readJson(devPath)
  if (devJson === undefined && explicitDevDir)
    throw new CliUsageError(`No dev.json in ${devDir.value} (from ${devDir.source}); is \`datavault dev --data-dir ${devDir.value}\` running?`)
  const dev = devJson === undefined ? undefined : { ...(check(devFileSchema, devJson, devPath) as DevFile), file: devPath }
  const inDev = `dev ${devPath}`

  const vaultUrl = pick('vault URL', urlSetting, [
    [flags['vault-url'], 'flag --vault-url'],
    [env.DATAVAULT_VAULT_URL, 'env DATAVAULT_VAULT_URL'],
    [fileConfig.vaultUrl, inConfig],
    [dev?.vaultUrl, inDev],
  ])
  const rpcUrl = pick('RPC URL', urlSetting, [
    [flags['rpc-url'], 'flag --rpc-url'],
    [env.DATAVAULT_RPC_URL, 'env DATAVAULT_RPC_URL'],
    [fileConfig.rpcUrl, inConfig],
    [dev?.rpcUrl, inDev],
  ])
  const chainId = pick('chain id', chainIdSetting, [
    [flags['chain-id'], 'flag --chain-id'],
    [env.DATAVAULT_CHAIN_ID, 'env DATAVAULT_CHAIN_ID'],
    [fileConfig.chainId, inConfig],
    [dev?.chainId, inDev],
  ])
  const addressesFile = pick('addresses file', z.string(), [
    [flags['addresses-file'], 'flag --addresses-file'],
    [env.DATAVAULT_ADDRESSES_FILE, 'env DATAVAULT_ADDRESSES_FILE'],
    [fileConfig.addressesFile === undefined ? undefined : resolve(configDir.value, fileConfig.addressesFile), inConfig],
  ])
  if (addressesFile && !addressesFile.source.startsWith('config')) addressesFile.value = resolve(cwd, addressesFile.value)
  const devAddresses = addressesFile === undefined && dev ? { value: dev.addresses, source: inDev } : undefined

  // The wallet: a key or a dev account, from the first level that names one; naming both at one
  // level is ambiguous.
  if (flags.key !== undefined && flags.account !== undefined) throw new CliUsageError('Pass either --key or --account, not both.')
  if (env.DATAVAULT_KEY && env.DATAVAULT_ACCOUNT) throw new CliUsageError('Set either DATAVAULT_KEY or DATAVAULT_ACCOUNT, not both.')
  const walletCandidates: ['key' | 'account', unknown, string][] = [
    ['key', flags.key, 'flag --key'],
    ['account', flags.account, 'flag --account'],
    ['key', env.DATAVAULT_KEY, 'env DATAVAULT_KEY'],
    ['account', env.DATAVAULT_ACCOUNT, 'env DATAVAULT_ACCOUNT'],
    ['key', fileConfig.key, inConfig],
  ]
  const chosen = walletCandidates.find(([, value]) => value !== undefined && value !== '')
  const key = chosen?.[0] === 'key' ? pick('key', z.string().min(1), [[chosen[1], chosen[2]]]) : undefined
  const account = chosen?.[0] === 'account' ? pick('--account', accountSetting, [[chosen[1], chosen[2]]]) : undefined

  return { configDir, devDir, dev, vaultUrl, rpcUrl, chainId, key, account, addressesFile, devAddresses }
}

/** A URL without credentials, path or query (an RPC URL's path often holds an API key). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    const hidden = parsed.pathname !== '/' && parsed.pathname !== '' ? '/…' : ''
    return `${parsed.protocol}//${parsed.host}${hidden}${parsed.search ? '?…' : ''}`
  } catch {
    return '(unparsable URL)'
  }
}

/** The `--verbose` lines: each setting, its (redacted) value and its source. */
export function describeConfig(config: CliConfig): string[] {
  const line = (name: string, setting: Sourced<unknown> | undefined, show: (value: never) => string = String) =>
    `config: ${name.padEnd(13)} ${setting ? `${show(setting.value as never)}  (${setting.source})` : '(not set)'}`
  return [
    line('config dir', config.configDir),
    line('dev dir', config.devDir, (value: string) => (config.dev ? value : `${value} (no dev.json)`)),
    line('vault URL', config.vaultUrl, redactUrl),
    line('RPC URL', config.rpcUrl, redactUrl),
    line('chain id', config.chainId),
    line('addresses', config.addressesFile ?? config.devAddresses, (value: unknown) => (typeof value === 'string' ? value : 'from dev.json')),
    config.account ? line('account', config.account, (value: string) => `${value} (dev stack test key)`) : line('key', config.key),
  ]
}
