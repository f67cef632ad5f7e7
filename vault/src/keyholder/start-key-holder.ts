import { createServer } from 'node:http'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import Koa from 'koa'
import { type Address, type PublicClient, bytesToHex, createPublicClient, createWalletClient, http } from 'viem'
import { keyHolderRegistryAbi } from '@datavault/contracts'
import { readOceanAddressesFile } from '@datavault/contracts/addresses-file'
import { DataVaultError, type NodeInfo, rpcChain } from '@datavault/sdk'
import { type ComponentMigrations, type LegacyMigrations, migrateComponents } from '@datavault/compute-to-data'
import { errorHandler } from '../http/middleware/error-handler.ts'
import { requestId } from '../http/middleware/request-id.ts'
import type { VaultState } from '../http/state.ts'
import { type NodeIdentity, loadNodeIdentity } from '../keys/node-identity.ts'
import { type Logger, createLogger } from '../logger.ts'
import { nonceStore } from '../db/nonces.ts'
import { type KeyRegistryReader, keyRegistryReader } from './holder-chain.ts'
import { type KeyHolder, keyHolder, keyHolderMigrations } from './key-holder.ts'
import { keyHolderRoutes } from './holder-routes.ts'
import { type HeDecryptor, heDecryptor, heDecryptorMigrations } from './he-decryptor.ts'

/** The key holder's components, each with its own version (append to a list, never insert). */
const keyHolderComponents: readonly ComponentMigrations[] = [
  { component: 'keyholder:shares', migrations: keyHolderMigrations },
  {
    component: 'keyholder:nonces',
    migrations: [`CREATE TABLE request_nonces (address TEXT NOT NULL, nonce TEXT NOT NULL, expiry INTEGER NOT NULL, PRIMARY KEY (address, nonce))`],
  },
  { component: 'keyholder:he', migrations: heDecryptorMigrations },
]

/** Release 0.1.0 recorded both lists under one `keyholder` version; their lengths then (frozen). */
const keyHolderLegacy: LegacyMigrations = {
  component: 'keyholder',
  parts: [
    { component: 'keyholder:shares', length: 3 },
    { component: 'keyholder:nonces', length: 1 },
  ],
}

/** Opens (creating if needed) a key holder's database and brings its schema up to date. */
export function openKeyHolderDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;')
  migrateComponents(db, keyHolderComponents, keyHolderLegacy)
  return db
}

/** The key holder's wallet has no gas to register itself on chain. */
export class KeyHolderRegistrationError extends DataVaultError {
  override name = 'KeyHolderRegistrationError'
  constructor(shortMessage: string, { cause, details }: { cause?: unknown; details?: string } = {}) {
    super(shortMessage, { code: 'KEY_HOLDER_REGISTRATION_FAILED', status: 500, cause, details })
  }
}

/**
 * Makes sure the registry lists `identity` with this key and URL (as a key holder and/or compute
 * node); sends a transaction only when something changed. The wallet pays gas.
 */
export async function ensureRegistered({
  client,
  rpcUrl,
  chainId,
  registry,
  identity,
  url,
  as,
}: {
  client: PublicClient
  rpcUrl: string
  chainId: number
  registry: Address
  identity: NodeIdentity
  url: string
  as: ('key-holder' | 'compute-node')[]
}): Promise<void> {
  const wallet = createWalletClient({ account: identity.account, chain: rpcChain({ chainId, rpcUrl }), transport: http(rpcUrl) })
  const key = bytesToHex(identity.encryption.publicKey)
  const sends: (() => Promise<`0x${string}`>)[] = []
  if (as.includes('key-holder')) {
    const [registeredKey, registeredUrl, active] = await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'keyHolder', args: [identity.account.address] })
    if (!active || registeredKey.toLowerCase() !== key || registeredUrl !== url)
      sends.push(() => wallet.writeContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'registerKeyHolder', args: [key, url] }))
  }
  if (as.includes('compute-node')) {
    const [registeredUrl, active] = await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'computeNode', args: [identity.account.address] })
    if (!active || registeredUrl !== url) sends.push(() => wallet.writeContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'registerComputeNode', args: [url] }))
  }
  if (sends.length === 0) return
  const balance = await client.getBalance({ address: identity.account.address })
  if (balance === 0n)
    throw new KeyHolderRegistrationError(`The wallet ${identity.account.address} has no gas to register itself on the KeyHolderRegistry.`, {
      details: 'Send it a little of the chain\'s native token, then start again.',
    })
  for (const send of sends) {
    const hash = await send()
    const receipt = await client.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new KeyHolderRegistrationError('Registering on the KeyHolderRegistry failed on chain.', { details: hash })
  }
}

export type StartKeyHolderParameters = {
  dataDir: string
  host?: string
  port?: number
  rpcUrl: string
  chainId: number
  addressesFile: string
  /** The URL clients reach this holder at (registered on chain); defaults to http://host:port. */
  publicUrl?: string
  logger?: Logger
  /** How often shares of datasets revoked on chain are deleted, in ms. */
  sweepIntervalMs?: number
}

/** A running key holder process. */
export type RunningKeyHolder = {
  url: string
  address: Address
  encryptionPublicKey: `0x${string}`
  holder: KeyHolder
  /** This holder's decryption of HE results (its record: `releases()`). */
  decryptor: HeDecryptor
  stop(): Promise<void>
}

/**
 * Starts a key holder (`datavault keyholder`): its own key pair and SQLite store under `dataDir`,
 * its API on `host:port`, registered on the chain's KeyHolderRegistry (the wallet pays gas once),
 * and a sweep that deletes shares of datasets revoked on chain.
 *
 * @example
 * const holder = await startKeyHolder({ dataDir: '.holder-1', port: 8801, rpcUrl, chainId: 8996, addressesFile })
 */
export async function startKeyHolder({
  dataDir,
  host = '127.0.0.1',
  port = 0,
  rpcUrl,
  chainId,
  addressesFile,
  publicUrl,
  logger = createLogger({ level: 'info' }),
  sweepIntervalMs = 5000,
}: StartKeyHolderParameters): Promise<RunningKeyHolder> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const identity = await loadNodeIdentity(join(dataDir, 'keys', 'holder.json'))
  const db = openKeyHolderDatabase(join(dataDir, 'keyholder.sqlite'))
  // Replay nonces (of job tickets and owners' signed requests) are written through a second
  // connection that does not wait for the disk on commit (synchronous = NORMAL): every release
  // writes one, and an fsync each was most of a release's time. WAL keeps them through a crash of
  // this process; only a power cut can lose the last few, which live minutes at most (tickets ≤ 5,
  // signed requests ≤ 10). A ticket replayed then still passes every check on chain and gets the share
  // sealed to the one job key its order already has (holder_releases keeps a full sync, like shares
  // and approvals); a replayed owner's request repeats what the owner signed.
  const nonceDb = new DatabaseSync(join(dataDir, 'keyholder.sqlite'))
  nonceDb.exec('PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;')
  const log = logger.child({ component: 'keyholder', holder: identity.account.address })
  const server = createServer()
  let timer: NodeJS.Timeout | undefined
  const stop = async () => {
    if (timer) clearInterval(timer)
    await new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    nonceDb.close()
    db.close()
  }
  try {
    const addresses = await readOceanAddressesFile(addressesFile, chainId)
    // JSON-RPC batches: the reads a release makes at once (order receipt, dataset state, compute node) go out as one request.
    const client = createPublicClient({ chain: rpcChain({ chainId, rpcUrl }), transport: http(rpcUrl, { retryCount: 2, batch: true }), pollingInterval: 100 }) as PublicClient
    // Each release's chain reads are reused while the chain is still at the block they were read at.
    const chain: KeyRegistryReader = keyRegistryReader({ client, chainId, addresses, cacheByBlock: true })
    const nonces = nonceStore({ db: nonceDb })
    const holder = keyHolder()({ db, identity, chain, nonces, logger })
    // This process decrypts HE results of datasets it holds a share of (never a compute node's).
    const decryptor = heDecryptor()({ db, holder, identity, chain, logger })
    const app = new Koa<VaultState>({ proxy: false })
    app.silent = true
    app.use(requestId({ logger: log }))
    app.use(errorHandler())
    app.use(async (ctx, next) => {
      if (ctx.method === 'GET' && ctx.path === '/v1/node') {
        // Enough of a node's info for clients to sign requests to this holder.
        const info: NodeInfo & { role: 'keyholder' } = {
          role: 'keyholder',
          version: '0.1.0',
          chainId,
          address: identity.account.address,
          encryptionPublicKey: bytesToHex(identity.encryption.publicKey),
          trainers: [],
          maxUploadBytes: 0,
        }
        ctx.body = info
        return
      }
      await next()
    })
    const router = keyHolderRoutes({ holder, chainId, registry: chain.registry, nonces, decryptor, isComputeNode: (address) => chain.isComputeNode(address) })
    app.use(router.routes())
    app.use(router.allowedMethods())
    server.on('request', app.callback())
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
    const url = publicUrl ?? `http://${host}:${(server.address() as AddressInfo).port}`
    await ensureRegistered({ client, rpcUrl, chainId, registry: chain.registry, identity, url, as: ['key-holder'] })
    const sweep = () => {
      holder.sweepRevoked().catch((error: unknown) => log.warn({ err: { name: (error as Error).name } }, 'revocation sweep failed'))
    }
    sweep()
    timer = setInterval(sweep, sweepIntervalMs)
    timer.unref()
    log.info({ url }, 'key holder listening')
    return { url, address: identity.account.address, encryptionPublicKey: bytesToHex(identity.encryption.publicKey), holder, decryptor, stop }
  } catch (error) {
    // Start-up failed: stop what did start; the start-up error is the one to report.
    await stop().catch(() => {})
    throw error
  }
}
