import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { DataVaultError } from '@datavault/sdk'
import { litNetworks } from './keys/lit/lit-client.ts'

/** Everything a vault node needs to start, as parsed from the environment or given by a caller. */
export type VaultConfig = z.output<typeof vaultConfigSchema>

const vaultConfigSchema = z.object({
  /** Where SQLite, IPFS blocks, keys and results live. */
  dataDir: z.string().min(1),
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65_535).default(8700),
  /** JSON-RPC URL of the chain that holds the datatokens. */
  rpcUrl: z.url(),
  chainId: z.coerce.number().int().positive(),
  /** Path of the addresses file written by the deploy script. */
  addressesFile: z.string().min(1),
  /** Largest ciphertext upload accepted, in bytes. */
  maxUploadBytes: z.coerce.number().int().positive().default(4 * 1024 ** 3),
  /** Most bytes one wallet may hold in uploads that no dataset registration names yet. */
  maxPendingUploadBytes: z.coerce.number().int().positive().default(8 * 1024 ** 3),
  /** Ceiling on any job's wall time, whatever a dataset's policy allows, in seconds. */
  maxJobWallTimeSeconds: z.coerce.number().int().positive().max(86_400).default(3600),
  /** Ceiling on any job's memory, in MiB. */
  maxJobMemoryMb: z.coerce.number().int().min(128).max(65_536).default(4096),
  /** Anchor every finished job's receipt hash on the ReceiptRegistry (the node's wallet pays gas). */
  anchorReceipts: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .default(false)
    .transform((value) => value === true || value === 'true' || value === '1'),
  /** Jobs that may run at once. */
  concurrency: z.coerce.number().int().min(1).max(64).default(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where data keys are escrowed: `threshold` (t of n key holders; default 1 of 1, this node) or `lit`. */
  keyBackend: z.enum(['threshold', 'lit']).default('threshold'),
  /** The key holders owners should split keys across (addresses on the KeyHolderRegistry); this node alone by default. */
  keyHolders: z
    .union([z.array(z.string()), z.string()])
    .default([])
    .transform((value) => (typeof value === 'string' ? value.split(',').map((entry) => entry.trim()).filter(Boolean) : value))
    .pipe(z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address').transform((entry) => entry.toLowerCase() as `0x${string}`)).max(16)),
  /** How many of `keyHolders` must release their share for a job. */
  keyThreshold: z.coerce.number().int().min(1).max(16).default(1),
  /** The URL others reach this node at (registered on chain); `http://host:port` by default. */
  publicUrl: z.url().optional(),
  /** The Lit network (with `keyBackend: lit`). */
  litNetwork: z.enum(litNetworks).default('datil'),
  litConnectTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(20_000),
  /** A Capacity Credits delegation (JSON AuthSig), needed on `datil` and `datil-test`. */
  litCapacityDelegationAuthSig: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .optional()
    .transform((value, ctx) => {
      if (typeof value !== 'string') return value
      try {
        return JSON.parse(value) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' })
        return z.NEVER
      }
    })
    .pipe(z.object({ sig: z.string(), derivedVia: z.string(), signedMessage: z.string(), address: z.string(), algo: z.string().optional() }).optional()),
})

/** The configuration is missing a value or has a bad one. */
export class ConfigError extends DataVaultError {
  override name = 'ConfigError'
  constructor(details: string) {
    super('Invalid vault node configuration.', { code: 'CONFIG_INVALID', details })
  }
}

/** Parses a configuration object, reporting every bad field by name. */
export function parseVaultConfig(input: Record<string, unknown>): VaultConfig {
  const parsed = vaultConfigSchema.safeParse(input)
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`).join('; '))
  const holders = parsed.data.keyHolders.length || 1
  if (parsed.data.keyThreshold > holders)
    throw new ConfigError(`keyThreshold: ${parsed.data.keyThreshold} is more than the ${holders} key holder${holders === 1 ? '' : 's'} configured`)
  return { ...parsed.data, dataDir: resolve(parsed.data.dataDir), addressesFile: resolve(parsed.data.addressesFile) }
}

/**
 * The one place that reads the environment. Variables: `DATAVAULT_DATA_DIR` (default
 * `~/.datavault`), `DATAVAULT_HOST`, `DATAVAULT_PORT`, `DATAVAULT_RPC_URL`, `DATAVAULT_CHAIN_ID`,
 * `DATAVAULT_ADDRESSES_FILE`, `DATAVAULT_MAX_UPLOAD_BYTES`, `DATAVAULT_MAX_PENDING_UPLOAD_BYTES`,
 * `DATAVAULT_MAX_JOB_WALL_TIME_SECONDS`, `DATAVAULT_MAX_JOB_MEMORY_MB`, `DATAVAULT_ANCHOR_RECEIPTS`, `DATAVAULT_CONCURRENCY`, `DATAVAULT_LOG_LEVEL`,
 * `DATAVAULT_KEY_BACKEND`, `DATAVAULT_KEY_HOLDERS` (comma-separated addresses), `DATAVAULT_KEY_THRESHOLD`, `DATAVAULT_PUBLIC_URL`,
 * `DATAVAULT_LIT_NETWORK`, `DATAVAULT_LIT_CONNECT_TIMEOUT_MS`, `DATAVAULT_LIT_CAPACITY_DELEGATION_AUTH_SIG`.
 */
export function readVaultConfigFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof VaultConfig, unknown>> = {}): VaultConfig {
  const dataDir = env.DATAVAULT_DATA_DIR ?? join(homedir(), '.datavault')
  return parseVaultConfig({
    dataDir,
    host: env.DATAVAULT_HOST,
    port: env.DATAVAULT_PORT,
    rpcUrl: env.DATAVAULT_RPC_URL,
    chainId: env.DATAVAULT_CHAIN_ID,
    addressesFile: env.DATAVAULT_ADDRESSES_FILE ?? join(dataDir, 'addresses.json'),
    maxUploadBytes: env.DATAVAULT_MAX_UPLOAD_BYTES,
    maxPendingUploadBytes: env.DATAVAULT_MAX_PENDING_UPLOAD_BYTES,
    maxJobWallTimeSeconds: env.DATAVAULT_MAX_JOB_WALL_TIME_SECONDS,
    maxJobMemoryMb: env.DATAVAULT_MAX_JOB_MEMORY_MB,
    anchorReceipts: env.DATAVAULT_ANCHOR_RECEIPTS,
    concurrency: env.DATAVAULT_CONCURRENCY,
    logLevel: env.DATAVAULT_LOG_LEVEL,
    keyBackend: env.DATAVAULT_KEY_BACKEND,
    keyHolders: env.DATAVAULT_KEY_HOLDERS,
    keyThreshold: env.DATAVAULT_KEY_THRESHOLD,
    publicUrl: env.DATAVAULT_PUBLIC_URL,
    litNetwork: env.DATAVAULT_LIT_NETWORK,
    litConnectTimeoutMs: env.DATAVAULT_LIT_CONNECT_TIMEOUT_MS,
    litCapacityDelegationAuthSig: env.DATAVAULT_LIT_CAPACITY_DELEGATION_AUTH_SIG,
    ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)),
  })
}
