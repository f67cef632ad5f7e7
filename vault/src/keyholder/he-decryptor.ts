import { type Address, type Hex, bytesToHex, hexToBytes, recoverTypedDataAddress, zeroAddress } from 'viem'
import { combineKeyShares, jobTicketTypes, keyEscrowDomain, releasedShareContext, ticketToJson } from '@datavault/sdk'
import { nodeOpenSealed } from '@datavault/sdk/node'
import {
  HeObjectRefusedError,
  HeReleaseRefusedError,
  checkSealHeader,
  heCiphertextMaxBytes,
  type SealRuntime,
  decodeHeReleaseRequest,
  heFloodingBits,
  heReleaseSensitivity,
  heReleaseTermsHash,
  loadSeal,
  openHeManifest,
  releaseHeAggregates,
} from '@datavault/sdk/he'
import { epsilonFor } from '@datavault/compute-to-data'
import type { Logger } from '../logger.ts'
import type { Database } from '../db/database.ts'
import type { NodeIdentity } from '../keys/node-identity.ts'
import { type KeyHolder, type KeyHolderChain, KeyHolderError } from './key-holder.ts'

/** What the decrypting key holder answers: the noised aggregates and how they were noised. */
export type HeReleaseAnswer = {
  /** The aggregates in the request's order (sums, then products), flooded, and DP-noised when asked. */
  values: number[]
  /** log₂ of the flooding ratio σ / B (Li–Micciancio). */
  floodingBits: number
  /** The DP noise added, when the release carries it: σ per value and the release's (ε, δ). */
  dp?: { sigma: number; epsilon: number; delta: number }
}

/** The decrypting holder's table: what it decrypted, for which job (never a value). */
export const heDecryptorMigrations = [
  `CREATE TABLE holder_he_releases (
     job_id TEXT NOT NULL,
     dataset TEXT NOT NULL,
     order_tx TEXT NOT NULL,
     node TEXT NOT NULL,                -- the compute node that signed the tickets
     values_released INTEGER NOT NULL,
     dp_epsilon REAL,                   -- the release's ε when it carried DP noise
     released_at TEXT NOT NULL,
     PRIMARY KEY (dataset, order_tx)    -- one release per order: repeats would average the noise away
   )`,
]

/** One release in the decrypting holder's record. */
export type HeReleaseRecord = { jobId: string; dataset: Address; orderTx: Hex; node: Address; values: number; dpEpsilon: number | null; releasedAt: string }

/** Options of {@link heDecryptor}. */
export type HeDecryptorInit = {
  /** How long to wait for another holder's share, ms. */
  holderTimeoutMs?: number
  fetch?: typeof globalThis.fetch
  /** A node-seal instance to use; one is started at the first release otherwise. */
  runtime?: () => Promise<SealRuntime>
}

/**
 * The decrypting key holder of HE datasets. A compute node sends it the result ciphertexts of a
 * job with one signed ticket per key holder; it decrypts in its own process and returns only noised
 * aggregates. In order, before any SEAL object is loaded:
 *
 * 1. Its own ticket goes through the holder's full release checks (node named by the owner and
 *    registered on chain, the order valid on chain for this buyer and datatoken, the trainer in the
 *    owner's policy, the dataset active); every ticket names the same job, this holder's registered
 *    key as the job key, and as `termsHash` the hash of exactly the ciphertexts, columns and noise sent.
 * 2. The HE manifest must be signed by the datatoken's owner on chain; the sealed secret key must
 *    match its signed hash; the rows must meet the owner-signed minimum; each result must fit the
 *    parameters' size bound and carry a valid SEAL header.
 * 3. DP: with an owner-signed privacy budget the release must ask for DP noise, the columns must have
 *    signed bounds, and one release's ε may not exceed the budget.
 *
 * Then it reserves the order's one release (a second is refused: repeats would average the noise
 * away), gathers the other holders' shares (each sealed to this holder's key; the compute node
 * relays none), combines t of them, opens the CKKS secret key, decrypts, floods and noises, and
 * wipes the key.
 *
 * @example
 * const decryptor = heDecryptor()({ holder, identity, chain, logger })
 * const answer = await decryptor.release(body)
 */
export function heDecryptor({ holderTimeoutMs = 30_000, fetch = globalThis.fetch, runtime }: HeDecryptorInit = {}) {
  return ({ db, holder, identity, chain, logger }: { db: Database; holder: KeyHolder; identity: NodeIdentity; chain: KeyHolderChain; logger: Logger }) => {
    const log = logger.child({ component: 'keyholder:he' })
    const self = holder.address
    const ownKey = bytesToHex(identity.encryption.publicKey)
    let seal: Promise<SealRuntime> | undefined
    const refuse = (message: string, code: string) => new HeReleaseRefusedError(message, { code })

    /** Asks another holder for its share, sealed to this holder's key; returns the opened share. */
    const shareFrom = async ({ ticket, signature }: { ticket: Parameters<KeyHolder['release']>[0]['ticket']; signature: Hex }): Promise<{ index: number; share: Uint8Array }> => {
      let released: { index: number; sealedShare: Uint8Array }
      if (ticket.holder.toLowerCase() === self) released = await holder.release({ ticket, signature })
      else {
        if (!chain.keyHolder) throw new KeyHolderError('This holder cannot look up other key holders.', { code: 'HOLDER_UNREACHABLE', status: 503 })
        const entry = await chain.keyHolder(ticket.holder)
        const response = await fetch(`${entry.url.replace(/\/+$/, '')}/v1/holder/releases`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ticket: ticketToJson(ticket), signature }),
          signal: AbortSignal.timeout(holderTimeoutMs),
        })
        // An answer that is not JSON is a refusal with the HTTP status.
        const payload = (await response.json().catch(() => undefined)) as { index?: number; sealedShare?: Hex; error?: { code?: string } } | undefined
        if (!response.ok || typeof payload?.index !== 'number' || typeof payload.sealedShare !== 'string')
          throw new KeyHolderError(`The key holder ${ticket.holder} refused its share.`, { code: payload?.error?.code ?? 'HOLDER_FAILED', status: 503 })
        released = { index: payload.index, sealedShare: hexToBytes(payload.sealedShare) }
      }
      const share = nodeOpenSealed(identity.encryption.privateKey, released.sealedShare, {
        context: releasedShareContext({ chainId: chain.chainId, dataset: ticket.dataset, holder: ticket.holder, jobId: ticket.jobId }),
      })
      return { index: released.index, share }
    }

    const domain = keyEscrowDomain({ chainId: chain.chainId, registry: chain.registry })
    return {
      /** What this holder decrypted (newest first), for a dataset or all. */
      releases(dataset?: Address): HeReleaseRecord[] {
        const rows = (
          dataset
            ? db.prepare('SELECT * FROM holder_he_releases WHERE dataset = ? ORDER BY rowid DESC').all(dataset.toLowerCase())
            : db.prepare('SELECT * FROM holder_he_releases ORDER BY rowid DESC').all()
        ) as { job_id: string; dataset: Address; order_tx: Hex; node: Address; values_released: number; dp_epsilon: number | null; released_at: string }[]
        return rows.map((row) => ({
          jobId: row.job_id,
          dataset: row.dataset,
          orderTx: row.order_tx,
          node: row.node,
          values: row.values_released,
          dpEpsilon: row.dp_epsilon,
          releasedAt: row.released_at,
        }))
      },

      async release(body: Uint8Array): Promise<HeReleaseAnswer> {
        const request = decodeHeReleaseRequest(body)
        const dataset = request.dataset.toLowerCase() as Address
        const escrow = holder.escrowManifest(dataset)
        if (!escrow) throw new KeyHolderError('This holder holds no share of that dataset\'s key.', { code: 'SHARE_NOT_FOUND', status: 404 })
        if (escrow.computeNodes.includes(self)) throw refuse('This key holder is also a compute node of the dataset: it does not decrypt HE results.', 'HE_DECRYPTOR_IS_NODE')
        // A compute node that holds as many shares as the threshold could open the key alone: no release then.
        if (escrow.holders.filter((entry) => escrow.computeNodes.includes(entry.toLowerCase() as Address)).length >= escrow.threshold)
          throw refuse('The dataset\'s compute nodes hold as many key shares as the threshold: the key is not kept from them, so nothing is decrypted.', 'HE_NODE_HOLDS_KEY')

        // 1. The tickets: one job, this holder's key, the hash of exactly what was sent.
        const own = request.tickets.find(({ ticket }) => ticket.holder.toLowerCase() === self)
        if (!own) throw refuse('The release carries no ticket for this key holder.', 'HE_TICKET_MISSING')
        const owner = await chain.datatokenOwner(dataset)
        if (!owner) throw new KeyHolderError(`${dataset} is not an Ocean datatoken on chain ${chain.chainId}.`, { code: 'DATASET_UNKNOWN', status: 404 })
        const { manifest, manifestHash } = await openHeManifest({ manifestBytes: request.manifestBytes, signature: request.manifestSignature, chainId: chain.chainId, owner })
        const termsHash = heReleaseTermsHash({ manifestHash, columns: request.columns, dp: request.dp, packing: request.packing, results: request.results })
        const holders = new Set<string>()
        for (const { ticket } of request.tickets) {
          const same =
            ticket.dataset.toLowerCase() === dataset &&
            ticket.pool === zeroAddress &&
            ticket.jobId === own.ticket.jobId &&
            ticket.orderTx.toLowerCase() === own.ticket.orderTx.toLowerCase() &&
            ticket.buyer.toLowerCase() === own.ticket.buyer.toLowerCase() &&
            ticket.trainerId === own.ticket.trainerId &&
            ticket.trainerHash.toLowerCase() === own.ticket.trainerHash.toLowerCase() &&
            ticket.jobKey.toLowerCase() === ownKey &&
            ticket.termsHash.toLowerCase() === termsHash
          if (!same) throw refuse('A ticket names another job, key or set of ciphertexts than the release.', 'HE_TICKET_MISMATCH')
          const index = escrow.holders.findIndex((entry) => entry.toLowerCase() === ticket.holder.toLowerCase())
          if (index === -1 || holders.has(ticket.holder.toLowerCase())) throw refuse('A ticket names a holder twice, or one outside the escrow.', 'HE_TICKET_MISMATCH')
          holders.add(ticket.holder.toLowerCase())
        }

        // 2. What is loaded: the owner-signed rows and columns, results of checked size.
        if (manifest.minRows !== undefined && manifest.rows < manifest.minRows)
          throw refuse(`The dataset's policy requires at least ${manifest.minRows} rows per job; nothing was decrypted.`, 'HE_TOO_FEW_ROWS')
        const columns = request.columns.map((name) => {
          const column = manifest.columns.find((entry) => entry.name === name)
          if (!column) throw refuse(`The HE dataset has no encrypted column ${name}.`, 'HE_RESULTS_MISMATCH')
          return column
        })
        if (new Set(request.columns).size !== request.columns.length) throw refuse('A column is listed twice.', 'HE_RESULTS_MISMATCH')
        // Sizes and SEAL headers before anything else is done (SEAL parses them only after the key is open).
        const maxBytes = heCiphertextMaxBytes(manifest.parameters, 2)
        for (const result of request.results) {
          if (result.byteLength > maxBytes) throw new HeObjectRefusedError('A result ciphertext is larger than these parameters allow.', { reason: 'too-large' })
          checkSealHeader(result, 'ciphertext')
        }

        // 3. DP: required by the owner's signed budget; calibrated to the signed bounds.
        let dp: HeReleaseAnswer['dp']
        if (manifest.privacy && !request.dp) throw refuse('The dataset\'s owner requires differential privacy: the release must ask for DP noise (params.dp).', 'HE_DP_REQUIRED')
        if (request.dp) {
          const bounds = columns.map((column) => (column.min !== undefined && column.max !== undefined ? { min: column.min, max: column.max } : undefined))
          if (bounds.some((bound) => bound === undefined))
            throw refuse('DP noise needs the owner\'s bounds (min and max) on every column of the release.', 'HE_DP_BOUNDS_MISSING')
          const epsilon = epsilonFor({ sampleRate: 1, noiseMultiplier: request.dp.noiseMultiplier, steps: 1, delta: request.dp.delta })
          if (manifest.privacy && (epsilon > manifest.privacy.epsilon || request.dp.delta > manifest.privacy.delta))
            throw refuse(`One release would spend ε = ${epsilon.toPrecision(3)} at δ = ${request.dp.delta}, more than the owner's whole budget.`, 'HE_DP_INSUFFICIENT')
          const sigma = request.dp.noiseMultiplier * heReleaseSensitivity(bounds as { min: number; max: number }[])
          dp = { sigma, epsilon, delta: request.dp.delta }
        }

        // The shares: this holder's own through its full checks first, then the others', each sealed to this holder's key.
        const shares: { index: number; share: Uint8Array }[] = []
        let reserved = false
        let answered = false
        try {
          shares.push(await shareFrom(own))
          // One release per order, reserved once the job's own checks passed: a second release of
          // the same order (other ciphertexts, or the same again for fresh noise) is refused.
          const node = (await recoverTypedDataAddress({ domain, types: jobTicketTypes, primaryType: 'JobTicket', message: own.ticket, signature: own.signature })).toLowerCase()
          const inserted = db
            .prepare(
              'INSERT INTO holder_he_releases (job_id, dataset, order_tx, node, values_released, dp_epsilon, released_at) VALUES (?, ?, ?, ?, 0, NULL, ?) ON CONFLICT DO NOTHING',
            )
            .run(own.ticket.jobId, dataset, own.ticket.orderTx.toLowerCase(), node, new Date().toISOString())
          if (inserted.changes === 0) throw refuse('This order\'s results were already released once; a second release would let its noise be averaged away.', 'HE_ALREADY_RELEASED')
          reserved = true
          const others = request.tickets.filter((entry) => entry !== own)
          const failures: string[] = []
          await Promise.all(
            others.map((entry) =>
              shareFrom(entry).then(
                (share) => void shares.push(share),
                (error: unknown) => void failures.push(`${entry.ticket.holder}: ${(error as { code?: string }).code ?? 'HOLDER_FAILED'}`),
              ),
            ),
          )
          if (shares.length < escrow.threshold)
            throw new KeyHolderError(`Only ${shares.length} of the ${escrow.threshold} key shares needed were released.`, {
              code: 'KEY_THRESHOLD_NOT_MET',
              status: 503,
              details: failures.join('; '),
            })
          const { key } = await combineKeyShares({ manifest: escrow, shares })
          try {
            seal ??= runtime ? runtime() : loadSeal()
            const released = await releaseHeAggregates(await seal, {
              manifest,
              sealedSecretKey: request.sealedSecretKey,
              dataKey: key,
              results: request.results,
              packing: request.packing,
              columns: request.columns.length,
              minRows: manifest.minRows,
              dpSigma: dp ? () => dp.sigma : undefined,
            })
            db.prepare('UPDATE holder_he_releases SET values_released = ?, dp_epsilon = ?, released_at = ? WHERE dataset = ? AND order_tx = ?').run(
              released.values.length,
              dp?.epsilon ?? null,
              new Date().toISOString(),
              dataset,
              own.ticket.orderTx.toLowerCase(),
            )
            answered = true
            log.info({ dataset, jobId: own.ticket.jobId, values: released.values.length, dp: dp !== undefined }, 'HE results decrypted and released with noise flooding')
            return { values: Array.from(released.values), floodingBits: heFloodingBits, ...(dp ? { dp } : {}) }
          } finally {
            key.fill(0)
          }
        } finally {
          for (const { share } of shares) share.fill(0)
          // Nothing was decrypted and released (a share missing, a refusal): the order may try again.
          if (reserved && !answered)
            db.prepare('DELETE FROM holder_he_releases WHERE dataset = ? AND order_tx = ? AND values_released = 0').run(dataset, own.ticket.orderTx.toLowerCase())
        }
      },
    }
  }
}

/** The decrypting holder's service, as its route uses it. */
export type HeDecryptor = ReturnType<ReturnType<typeof heDecryptor>>
