import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { DataVaultError, computeEnvironmentSchema, pinnedImageSchema } from '@datavault/sdk'
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
  /** Most bytes the node holds in uploads that no dataset registration names yet, all wallets together. */
  maxNodePendingUploadBytes: z.coerce.number().int().positive().default(32 * 1024 ** 3),
  /** Ciphertext uploads one wallet may start per hour. */
  maxUploadsPerWalletPerHour: z.coerce.number().int().positive().default(30),
  /** Ceiling on any job's wall time, whatever a dataset's policy allows, in seconds. */
  maxJobWallTimeSeconds: z.coerce.number().int().positive().max(86_400).default(3600),
  /** Ceiling on any job's memory, in MiB. */
  maxJobMemoryMb: z.coerce.number().int().min(128).max(65_536).default(4096),
  /** Anchor every finished job's receipt hash on the ReceiptRegistry (the node's wallet pays gas). */
  anchorReceipts: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .default(false)
    .transform((value) => value === true || value === 'true' || value === '1'),
  /** Jobs waiting to run (queued or awaiting approval) the node accepts, all wallets together. */
  maxWaitingJobs: z.coerce.number().int().positive().default(1000),
  /** Jobs one wallet may have waiting to run. */
  maxWaitingJobsPerWallet: z.coerce.number().int().positive().default(16),
  /** Jobs one wallet may submit per hour. */
  maxJobsPerWalletPerHour: z.coerce.number().int().positive().default(120),
  /** Distinct target-ε calibrations (each up to seconds of CPU on its own thread) running or waiting at once; one more answers 429. */
  maxPendingCalibrations: z.coerce.number().int().positive().max(1024).default(8),
  /** Jobs that may run at once. */
  concurrency: z.coerce.number().int().min(1).max(64).default(1),
  /**
   * Sandboxes kept started ahead per environment and built-in trainer (each serves one job, then is
   * replaced); 0 disables pre-starting. Each holds an idle Node process (about 50 MB) and its cgroups.
   */
  sandboxPrestart: z.coerce.number().int().min(0).max(8).default(2),
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
  /**
   * The compute environments this node offers, in order of preference (a job that names none runs
   * in the first that fits its program and the dataset's policy). Absent: the local sandbox's
   * `cpu` (Node) and `cpu-python` (PyTorch where Debian's python3-torch is installed, else Python).
   */
  environments: z.array(computeEnvironmentSchema).min(1).max(64).optional(),
  /** The namespace the Kubernetes runner creates its jobs' objects in. */
  kubernetesNamespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a Kubernetes namespace name').default('datavault-jobs'),
  /** A kubeconfig file for the Kubernetes runner; absent: the pod's in-cluster service account. */
  kubernetesKubeconfig: z.string().min(1).optional(),
  /** The URL job pods reach the node's job gateway at: an IP literal, since job pods get no DNS. */
  kubernetesGatewayUrl: z
    .url()
    .refine((url) => /^https?:\/\/(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(:\d+)?(\/|$)/.test(url), 'must name the gateway by IP address: job pods have no DNS')
    .optional(),
  /**
   * The node's own pods as job pods' only egress peer, for a node inside the cluster:
   * `namespace=<ns>,<label>=<value>,…` (e.g. `namespace=datavault,app.kubernetes.io/name=datavault-node`).
   * Absent: egress to the gateway URL's IP.
   */
  kubernetesGatewayPods: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined
      const pairs = value.split(',').map((pair) => pair.trim().split('='))
      const label = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/
      const namespace = pairs.find(([key]) => key === 'namespace')?.[1]
      const podLabels = Object.fromEntries(pairs.filter(([key]) => key !== 'namespace').map(([key, labelValue]) => [key, labelValue]))
      if (!namespace || Object.keys(podLabels).length === 0 || pairs.some((pair) => pair.length !== 2 || !label.test(pair[0] ?? '') || !label.test(pair[1] ?? ''))) {
        ctx.addIssue({ code: 'custom', message: 'must be namespace=<ns> and at least one <label>=<value>, comma-separated' })
        return z.NEVER
      }
      return { namespace, podLabels: podLabels as Record<string, string> }
    }),
  /** Where the job gateway listens. */
  kubernetesGatewayHost: z.string().default('0.0.0.0'),
  kubernetesGatewayPort: z.coerce.number().int().min(0).max(65_535).default(8701),
  /** The node's own image, pinned by digest: it runs the input and output steps of a job's pod. */
  kubernetesJobIoImage: pinnedImageSchema.optional(),
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
  // What an environment advertises is what a job there may get: never more than the node's ceiling.
  const oversized = parsed.data.environments?.find((environment) => environment.memoryMb > parsed.data.maxJobMemoryMb)
  if (oversized)
    throw new ConfigError(
      `environment ${oversized.name} offers ${oversized.memoryMb} MiB, more than maxJobMemoryMb (DATAVAULT_MAX_JOB_MEMORY_MB, ${parsed.data.maxJobMemoryMb}): raise that ceiling or lower the environment's memoryMb`,
    )
  const kubernetes = parsed.data.environments?.filter((environment) => environment.runner === 'kubernetes') ?? []
  if (kubernetes.length) {
    const missing = [
      ...(parsed.data.kubernetesGatewayUrl ? [] : ['kubernetesGatewayUrl (DATAVAULT_KUBERNETES_GATEWAY_URL)']),
      ...(parsed.data.kubernetesJobIoImage ? [] : ['kubernetesJobIoImage (DATAVAULT_KUBERNETES_JOB_IO_IMAGE)']),
    ]
    if (missing.length)
      throw new ConfigError(`environment ${kubernetes[0]!.name} runs on Kubernetes, which needs ${missing.join(' and ')}`)
  }
  const holders = parsed.data.keyHolders.length || 1
  if (parsed.data.keyThreshold > holders)
    throw new ConfigError(`keyThreshold: ${parsed.data.keyThreshold} is more than the ${holders} key holder${holders === 1 ? '' : 's'} configured`)
  return { ...parsed.data, dataDir: resolve(parsed.data.dataDir), addressesFile: resolve(parsed.data.addressesFile) }
}

/**
 * The one place that reads the environment. Variables: `DATAVAULT_DATA_DIR` (default
 * `~/.datavault`), `DATAVAULT_HOST`, `DATAVAULT_PORT`, `DATAVAULT_RPC_URL`, `DATAVAULT_CHAIN_ID`,
 * `DATAVAULT_ADDRESSES_FILE`, `DATAVAULT_MAX_UPLOAD_BYTES`, `DATAVAULT_MAX_PENDING_UPLOAD_BYTES`,
 * `DATAVAULT_MAX_JOB_WALL_TIME_SECONDS`, `DATAVAULT_MAX_JOB_MEMORY_MB`, `DATAVAULT_MAX_NODE_PENDING_UPLOAD_BYTES`, `DATAVAULT_MAX_UPLOADS_PER_WALLET_PER_HOUR`, `DATAVAULT_MAX_WAITING_JOBS`, `DATAVAULT_MAX_WAITING_JOBS_PER_WALLET`, `DATAVAULT_MAX_JOBS_PER_WALLET_PER_HOUR`, `DATAVAULT_MAX_PENDING_CALIBRATIONS`, `DATAVAULT_ANCHOR_RECEIPTS`, `DATAVAULT_CONCURRENCY`, `DATAVAULT_LOG_LEVEL`,
 * `DATAVAULT_KEY_BACKEND`, `DATAVAULT_KEY_HOLDERS` (comma-separated addresses), `DATAVAULT_KEY_THRESHOLD`, `DATAVAULT_PUBLIC_URL`,
 * `DATAVAULT_LIT_NETWORK`, `DATAVAULT_LIT_CONNECT_TIMEOUT_MS`, `DATAVAULT_LIT_CAPACITY_DELEGATION_AUTH_SIG`,
 * `DATAVAULT_ENVIRONMENTS_FILE` (a JSON array of compute environments), `DATAVAULT_KUBERNETES_NAMESPACE`,
 * `DATAVAULT_KUBERNETES_KUBECONFIG`, `DATAVAULT_KUBERNETES_GATEWAY_URL`, `DATAVAULT_KUBERNETES_GATEWAY_HOST`,
 * `DATAVAULT_KUBERNETES_GATEWAY_PORT`, `DATAVAULT_KUBERNETES_GATEWAY_PODS`, `DATAVAULT_KUBERNETES_JOB_IO_IMAGE`.
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
    maxNodePendingUploadBytes: env.DATAVAULT_MAX_NODE_PENDING_UPLOAD_BYTES,
    maxUploadsPerWalletPerHour: env.DATAVAULT_MAX_UPLOADS_PER_WALLET_PER_HOUR,
    maxJobWallTimeSeconds: env.DATAVAULT_MAX_JOB_WALL_TIME_SECONDS,
    maxJobMemoryMb: env.DATAVAULT_MAX_JOB_MEMORY_MB,
    maxWaitingJobs: env.DATAVAULT_MAX_WAITING_JOBS,
    maxWaitingJobsPerWallet: env.DATAVAULT_MAX_WAITING_JOBS_PER_WALLET,
    maxJobsPerWalletPerHour: env.DATAVAULT_MAX_JOBS_PER_WALLET_PER_HOUR,
    maxPendingCalibrations: env.DATAVAULT_MAX_PENDING_CALIBRATIONS,
    anchorReceipts: env.DATAVAULT_ANCHOR_RECEIPTS,
    concurrency: env.DATAVAULT_CONCURRENCY,
    sandboxPrestart: env.DATAVAULT_SANDBOX_PRESTART,
    logLevel: env.DATAVAULT_LOG_LEVEL,
    keyBackend: env.DATAVAULT_KEY_BACKEND,
    keyHolders: env.DATAVAULT_KEY_HOLDERS,
    keyThreshold: env.DATAVAULT_KEY_THRESHOLD,
    publicUrl: env.DATAVAULT_PUBLIC_URL,
    litNetwork: env.DATAVAULT_LIT_NETWORK,
    litConnectTimeoutMs: env.DATAVAULT_LIT_CONNECT_TIMEOUT_MS,
    litCapacityDelegationAuthSig: env.DATAVAULT_LIT_CAPACITY_DELEGATION_AUTH_SIG,
    environments: env.DATAVAULT_ENVIRONMENTS_FILE === undefined ? undefined : readEnvironmentsFile(env.DATAVAULT_ENVIRONMENTS_FILE),
    kubernetesNamespace: env.DATAVAULT_KUBERNETES_NAMESPACE,
    kubernetesKubeconfig: env.DATAVAULT_KUBERNETES_KUBECONFIG,
    kubernetesGatewayUrl: env.DATAVAULT_KUBERNETES_GATEWAY_URL,
    kubernetesGatewayHost: env.DATAVAULT_KUBERNETES_GATEWAY_HOST,
    kubernetesGatewayPods: env.DATAVAULT_KUBERNETES_GATEWAY_PODS,
    kubernetesGatewayPort: env.DATAVAULT_KUBERNETES_GATEWAY_PORT,
    kubernetesJobIoImage: env.DATAVAULT_KUBERNETES_JOB_IO_IMAGE,
    ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)),
  })
}

/** The operator's environments file: a JSON array (or `{ "environments": [...] }`); its fields are checked with the rest of the config. */
function readEnvironmentsFile(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`DATAVAULT_ENVIRONMENTS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ConfigError(`DATAVAULT_ENVIRONMENTS_FILE: ${path} is not JSON`)
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'environments' in value ? value.environments : value
}
