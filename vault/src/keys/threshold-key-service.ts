import { type Address, type Hex, bytesToHex, hexToBytes, recoverTypedDataAddress, zeroHash } from 'viem'
import {
  type KeyEscrowManifest,
  combineKeyShares,
  generateKeyPair,
  jobTicketTypes,
  keyEscrowDomain,
  keyEscrowTypes,
  manifestToJson,
  releasedShareContext,
  shareCommitment,
  signedKeyEscrowSchema,
  ticketToJson,
  type JobTicket,
  typedDataHasher,
} from '@datavault/sdk'
import type { Job } from '@datavault/compute-to-data'
import type { Logger } from '../logger.ts'
import type { Database } from '../db/database.ts'
import { approvalTerms } from '../db/algorithms.ts'
import type { Dataset } from '../db/datasets.ts'
import type { KeyRegistryReader } from '../keyholder/holder-chain.ts'
import type { KeyHolder } from '../keyholder/key-holder.ts'
import { nodeSealToPublicKey, nodeSealedBoxOpener } from '@datavault/sdk/node'
import { holderClient } from './holder-client.ts'
import { type HolderLatenciesInit, holderLatencies } from './holder-latencies.ts'
import { jobTicketFor } from './job-ticket.ts'
import { KeyReleaseError, type KeyService } from './key-service.ts'
import type { NodeIdentity } from './node-identity.ts'

/** The node's tables for the threshold backend (appended to the vault's migrations). */
export const thresholdKeyMigrations = [
  `CREATE TABLE key_manifests (
     dataset_id TEXT PRIMARY KEY,       -- the owner-signed manifest: holders, threshold, commitments
     manifest_json TEXT NOT NULL,
     signature TEXT NOT NULL,
     issued_at INTEGER NOT NULL,
     created_at TEXT NOT NULL
   )`,
  `CREATE TABLE job_keys (
     order_tx TEXT PRIMARY KEY,         -- one X25519 job key per order: holders seal shares to it
     public_key TEXT NOT NULL,
     sealed_private_key BLOB NOT NULL,  -- sealed to the node's own X25519 key
     created_at TEXT NOT NULL
   )`,
]

/** One key holder as the engine reaches it: in process (the node itself) or over HTTP. */
export type HolderEndpoint = (params: { ticket: JobTicket; signature: Hex; signal: AbortSignal }) => Promise<{ index: number; sealedShare: Uint8Array }>

/** Options of {@link thresholdKeyService}. */
export type ThresholdKeyServiceInit = {
  chainId: number
  /** How long a job ticket is valid, in seconds. */
  ticketLifetimeSeconds?: number
  /** How long to wait for one holder, in ms. */
  holderTimeoutMs?: number
  /** How the holders to ask first are picked and when one more is asked (the hedge delay). */
  latencies?: HolderLatenciesInit
}

/**
 * The threshold key service: data keys are split t of n across independent key holders (the
 * embedded default is 1 of 1, the node itself). For a job it asks the t holders that answered
 * fastest lately (one ticket each, signed for that holder), another for each that fails and one
 * more each hedge delay the answers are late (`latencies`), checks each released share against the owner's
 * commitment, and combines the first t valid ones in memory; a holder that lies is named in the logs
 * and never combined.
 */
export function thresholdKeyService({ chainId, ticketLifetimeSeconds = 60, holderTimeoutMs = 10_000, latencies }: ThresholdKeyServiceInit) {
  return ({
    db,
    identity,
    registry,
    localHolder,
    logger,
  }: {
    db: Database
    identity: NodeIdentity
    registry: Pick<KeyRegistryReader, 'registry' | 'keyHolder'>
    /** The node's own key holder, when it is one. */
    localHolder?: KeyHolder | undefined
    logger: Logger
  }): KeyService & { manifest(datasetId: string): KeyEscrowManifest | undefined } => {
    const log = logger.child({ component: 'vault:keys' })
    const node = identity.account.address.toLowerCase() as Address
    const domain = keyEscrowDomain({ chainId, registry: registry.registry })
    const urls = new Map<string, { url: string; at: number }>()
    const holderTimes = holderLatencies(latencies)
    const holders = holderClient()
    // The node's own key opens each job key: its node:crypto object is made once.
    const ownKey = nodeSealedBoxOpener(identity.encryption.privateKey)
    // Each ticket is signed as its EIP-712 digest, hashed with the domain separator and type hash
    // worked out once (the signature signTypedData would give, at a part of its CPU).
    const hashTicket = typedDataHasher({ domain, types: jobTicketTypes, primaryType: 'JobTicket' })

    const readManifest = (datasetId: string) => {
      const row = db.prepare('SELECT manifest_json FROM key_manifests WHERE dataset_id = ?').get(datasetId.toLowerCase()) as { manifest_json: string } | undefined
      if (!row) return undefined
      const parsed = JSON.parse(row.manifest_json) as ReturnType<typeof manifestToJson>
      return { ...parsed, issuedAt: BigInt(parsed.issuedAt) } as KeyEscrowManifest
    }

    const jobKeyFor = async (orderTx: Hex) => {
      const context = `datavault/job-key/v1:${orderTx.toLowerCase()}`
      const row = db.prepare('SELECT public_key, sealed_private_key FROM job_keys WHERE order_tx = ?').get(orderTx.toLowerCase()) as
        | { public_key: Hex; sealed_private_key: Uint8Array }
        | undefined
      if (row)
        return { publicKey: row.public_key, privateKey: ownKey.open(new Uint8Array(row.sealed_private_key), { context }) }
      const pair = generateKeyPair()
      const sealed = nodeSealToPublicKey(identity.encryption.publicKey, pair.privateKey, { context })
      const publicKey = bytesToHex(pair.publicKey)
      db.prepare('INSERT INTO job_keys (order_tx, public_key, sealed_private_key, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(
        orderTx.toLowerCase(),
        publicKey,
        sealed,
        new Date().toISOString(),
      )
      return { publicKey, privateKey: pair.privateKey }
    }

    const holderUrl = async (holder: Address) => {
      const cached = urls.get(holder)
      if (cached && Date.now() - cached.at < 30_000) return cached.url
      const entry = await registry.keyHolder(holder)
      if (!entry.active) throw new KeyReleaseError(`The key holder ${holder} is no longer registered.`, { code: 'HOLDER_NOT_REGISTERED', status: 503 })
      urls.set(holder, { url: entry.url, at: Date.now() })
      return entry.url
    }

    const endpoint = (holder: Address): HolderEndpoint => {
      if (localHolder && holder === localHolder.address) return ({ ticket, signature }) => localHolder.release({ ticket, signature })
      return async ({ ticket, signature, signal }) => {
        const url = await holderUrl(holder)
        let response: { status: number; body: unknown }
        try {
          response = await holders.postJson(
            `${url.replace(/\/+$/, '')}/v1/holder/releases`,
            { ticket: ticketToJson(ticket), signature },
            { signal: AbortSignal.any([signal, AbortSignal.timeout(holderTimeoutMs)]) },
          )
        } catch (cause) {
          throw new KeyReleaseError(`The key holder ${holder} could not be reached.`, { code: 'HOLDER_UNREACHABLE', status: 503, cause })
        }
        // A holder's answer that is not JSON is handled below as a refusal with the HTTP status.
        const payload = response.body as { index?: number; sealedShare?: Hex; error?: { code?: string; message?: string } } | undefined
        const ok = response.status >= 200 && response.status < 300
        if (!ok || typeof payload?.index !== 'number' || typeof payload.sealedShare !== 'string')
          throw new KeyReleaseError(payload?.error?.message ?? `The key holder ${holder} answered ${response.status}.`, {
            code: payload?.error?.code ?? 'HOLDER_FAILED',
            status: 503,
          })
        return { index: payload.index, sealedShare: hexToBytes(payload.sealedShare) }
      }
    }

    return {
      backend: 'threshold',
      manifest: readManifest,
      escrowHolders: (datasetId) => readManifest(datasetId)?.holders ?? [],

      async escrow({ dataset, escrow }) {
        const parsed = signedKeyEscrowSchema.safeParse(escrow)
        if (!parsed.success)
          throw new KeyReleaseError('The key escrow is invalid.', {
            code: 'KEY_ESCROW_INVALID',
            status: 400,
            details: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
          })
        const { manifest, signature } = parsed.data
        const refuse = (message: string) => new KeyReleaseError(message, { code: 'KEY_ESCROW_INVALID', status: 400 })
        if (manifest.dataset !== dataset.id) throw refuse('The manifest is for another dataset.')
        if (manifest.cid !== dataset.cid) throw refuse('The manifest names another ciphertext than the dataset\'s.')
        if (!manifest.computeNodes.includes(node)) throw refuse('The manifest does not let this node ask for the key.')
        // A signature that does not even parse is signed by nobody: refused just below.
        const signer = await recoverTypedDataAddress({ domain, types: keyEscrowTypes, primaryType: 'KeyEscrow', message: manifest, signature }).catch(() => undefined)
        if (signer?.toLowerCase() !== dataset.owner) throw refuse('The manifest is not signed by the dataset\'s owner.')
        const existing = readManifest(dataset.id)
        if (existing && existing.issuedAt > manifest.issuedAt) throw new KeyReleaseError('A newer key escrow is already registered.', { code: 'ESCROW_STALE', status: 409 })
        db.prepare(
          `INSERT INTO key_manifests (dataset_id, manifest_json, signature, issued_at, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(dataset_id) DO UPDATE SET manifest_json = excluded.manifest_json, signature = excluded.signature, issued_at = excluded.issued_at, created_at = excluded.created_at`,
        ).run(dataset.id, JSON.stringify(manifestToJson(manifest)), signature, Number(manifest.issuedAt), new Date().toISOString())
        log.info({ dataset: dataset.id, threshold: manifest.threshold, holders: manifest.holders.length }, 'key escrow registered')
      },

      hasKey(datasetId) {
        return db.prepare('SELECT 1 FROM key_manifests WHERE dataset_id = ?').get(datasetId.toLowerCase()) !== undefined
      },

      async revoke({ dataset }) {
        db.prepare('DELETE FROM key_manifests WHERE dataset_id = ?').run(dataset.id)
        await localHolder?.deleteShare({ dataset: dataset.id as Address })
        log.info({ dataset: dataset.id }, 'key escrow deleted (dataset revoked)')
      },

      async requestKey({ job, dataset, pool, signal = new AbortController().signal }) {
        if (job.datasetId !== (pool?.datatoken ?? dataset.id)) throw new KeyReleaseError('The job is for another dataset.', { code: 'KEY_DATASET_MISMATCH' })
        if (dataset.revokedAt) throw new KeyReleaseError('The dataset was revoked by its owner.', { code: 'DATASET_REVOKED', status: 410 })
        const manifest = readManifest(dataset.id)
        if (!manifest) throw new KeyReleaseError('The dataset\'s owner has not escrowed its data key.', { code: 'KEY_NOT_ESCROWED', status: 409 })
        if (manifest.cid !== dataset.cid) throw new KeyReleaseError('The key escrow is for another ciphertext than the dataset\'s.', { code: 'KEY_ESCROW_STALE', status: 409 })
        const jobKey = await jobKeyFor(job.orderTx as Hex)
        // Opens the t released shares (sealed to the job key) with one key object.
        const jobKeyOpener = nodeSealedBoxOpener(jobKey.privateKey)
        const termsHash: Hex = job.trainer.id === 'custom' ? approvalTerms({ outputs: job.trainer.outputs, params: job.params }) : zeroHash
        const expiry = BigInt(Math.floor(Date.now() / 1000) + ticketLifetimeSeconds)
        const controller = new AbortController()
        const abort = () => controller.abort()
        signal.addEventListener('abort', abort, { once: true })
        const shares: { index: number; share: Uint8Array }[] = []
        const failures: string[] = []
        // Set once the first t valid shares are in (or every holder answered): a share that comes
        // later is neither opened (wasted work) nor kept (it would outlive the wipe below).
        let settled = false
        const started = performance.now()
        let hedge: NodeJS.Timeout | undefined
        try {
          await new Promise<void>((resolve) => {
            // The t holders that answered fastest lately are asked first; another is asked for each
            // one that fails, and one more each time the answers are later than releases usually take
            // (a hedge: one more at a time, so a slow machine is not loaded with all n). Every holder
            // asked still checks everything by itself; asking all n at once made every release pay n
            // holders' checks, n tickets and n chain reads for t shares.
            const order = holderTimes.order(manifest.holders)
            let asked = 0
            let answered = 0
            const settle = () => {
              answered++
              // Done with t shares, or once every holder asked has answered and nobody is left to ask
              // (all asked, or the caller gave up).
              if (shares.length >= manifest.threshold || (answered === asked && (asked === order.length || controller.signal.aborted))) {
                settled = true
                resolve()
              }
            }
            // Tickets are signed one at a time, a turn of the event loop between two, so the request
            // to one holder is on the wire while the next ticket is signed.
            let signingTurn: Promise<void> = Promise.resolve()
            const askNext = () => {
              if (settled || asked === order.length || controller.signal.aborted) return
              const index = order[asked++]!
              const holder = manifest.holders[index]!
              const previousTurn = signingTurn
              let passTurn = () => {}
              signingTurn = new Promise<void>((resolve) => {
                passTurn = () => setImmediate(resolve)
              })
              const askedAt = performance.now()
              void (async () => {
                const ticket = jobTicketFor({ holder, dataset: dataset.id, pool: pool?.address, job, termsHash, jobKey: jobKey.publicKey, expiry })
                let answer: ReturnType<HolderEndpoint>
                try {
                  await previousTurn
                  // Enough shares came in while earlier tickets were signed: this holder is not asked.
                  if (settled) return
                  const signature = await identity.account.sign({ hash: hashTicket(ticket) })
                  answer = endpoint(holder)({ ticket, signature, signal: controller.signal })
                } finally {
                  passTurn()
                }
                const released = await answer
                if (settled) return
                if (released.index !== index) throw new KeyReleaseError('The holder released a share under another index.', { code: 'HOLDER_INDEX_MISMATCH', status: 502 })
                const share = jobKeyOpener.open(released.sealedShare, {
                  context: releasedShareContext({ chainId, dataset: dataset.id as Address, holder, jobId: job.id }),
                })
                if (shareCommitment({ dataset: dataset.id as Address, index, share }) !== manifest.shareCommitments[index]) {
                  share.fill(0)
                  throw new KeyReleaseError('The holder released a share that does not match the owner\'s commitment.', { code: 'HOLDER_SHARE_INVALID', status: 502 })
                }
                holderTimes.answered(holder, performance.now() - askedAt)
                shares.push({ index, share })
              })()
                .catch((error: unknown) => {
                  const code = (error as { code?: string }).code ?? 'HOLDER_FAILED'
                  failures.push(`${holder}: ${code}`)
                  if (code === 'HOLDER_SHARE_INVALID') log.warn({ dataset: dataset.id, jobId: job.id, holder }, 'a key holder released a wrong share')
                  // The caller gave up: nobody else is asked, and this holder is not to blame.
                  if (controller.signal.aborted) return
                  holderTimes.failed(holder)
                  askNext()
                })
                .finally(settle)
            }
            for (let i = 0; i < manifest.threshold; i++) askNext()
            const hedgeMs = holderTimes.hedgeDelayMs()
            const hedgeOnce = () => {
              askNext()
              if (!settled && asked < order.length) hedge = setTimeout(hedgeOnce, hedgeMs)
            }
            hedge = setTimeout(hedgeOnce, hedgeMs)
          })
          holderTimes.released(performance.now() - started)
          controller.abort()
          signal.throwIfAborted()
          if (shares.length < manifest.threshold) {
            const revoked = failures.filter((failure) => failure.endsWith('DATASET_REVOKED')).length
            if (revoked > manifest.holders.length - manifest.threshold)
              throw new KeyReleaseError('The dataset was revoked by its owner.', { code: 'DATASET_REVOKED', status: 410, details: failures.join('; ') })
            throw new KeyReleaseError(`Only ${shares.length} of the ${manifest.threshold} key shares needed were released.`, {
              code: 'KEY_THRESHOLD_NOT_MET',
              status: 503,
              details: failures.join('; '),
            })
          }
          const { key } = await combineKeyShares({ manifest, shares })
          log.info({ dataset: dataset.id, jobId: job.id, shares: shares.length, failures: failures.length }, 'data key rebuilt for job')
          return key
        } finally {
          clearTimeout(hedge)
          signal.removeEventListener('abort', abort)
          for (const { share } of shares) share.fill(0)
          jobKey.privateKey.fill(0)
        }
      },
    }
  }
}
