import { type Address, type Hex, bytesToHex, hexToBytes, zeroAddress } from 'viem'
import {
  DataVaultError,
  type JobTicket,
  type KeyEscrowManifest,
  jobTicketTypes,
  keyEscrowDomain,
  keyEscrowTypes,
  keyShareContext,
  knownSignerRecovery,
  manifestToJson,
  maxJobTicketLifetimeSeconds,
  recoverTypedDataSigner,
  releasedShareContext,
  shareCommitment,
  typedDataHasher,
} from '@datavault/sdk'
import type { Logger } from '../logger.ts'
import type { Database } from '../db/database.ts'
import type { NodeIdentity } from '../keys/node-identity.ts'
import type { NonceStore } from '../db/nonces.ts'
import type { PoolReader } from '../pools/pool-chain.ts'
import { nodeSealToPublicKey, nodeSealedBoxOpener } from '@datavault/sdk/node'
import { isHomomorphicTrainer } from '@datavault/sdk/he'

/** A dataset's state as its owner set it on the KeyHolderRegistry. */
export type DatasetChainState = 'active' | 'unpublished' | 'revoked'

/** What a key holder reads from the chain, by itself, before it releases a share. */
export type KeyHolderChain = {
  chainId: number
  /** The KeyHolderRegistry: the EIP-712 verifying contract of manifests and tickets. */
  registry: Address
  datasetState(datatoken: Address): Promise<DatasetChainState>
  isComputeNode(node: Address): Promise<boolean>
  /** The owner of the datatoken's data NFT; undefined when it is no Ocean datatoken. */
  datatokenOwner(datatoken: Address): Promise<Address | undefined>
  /** Throws (the order errors of `@datavault/contracts`) unless `txHash` is a valid order. */
  verifyOrder(params: { txHash: Hex; datatoken: Address; consumer: Address; providerFeeAddress: Address }): Promise<unknown>
  /** DataPools: membership and governance, for tickets of jobs on a pool. */
  pools: Pick<PoolReader, 'datatoken' | 'isDatasetActive' | 'allowsProgram' | 'allowsBuyer'>
  /**
   * A key holder's registration (its X25519 key and URL). Needed for HE datasets: their shares go
   * only to a key holder's registered key, and the decrypting holder reaches the others by it.
   */
  keyHolder?(address: Address): Promise<{ encryptionKey: Hex; url: string; active: boolean }>
}

/** Custom-algorithm approvals the dataset's owner gave this holder. */
export type HolderApprovals = {
  isApproved(params: { datasetId: string; hash: string; terms: Hex }): boolean
}

/** A share was refused, or an escrow request is invalid. `code` says which check failed. */
export class KeyHolderError extends DataVaultError {
  override name = 'KeyHolderError'
  constructor(shortMessage: string, { code, status, cause, details }: { code: string; status: number; cause?: unknown; details?: string }) {
    super(shortMessage, { code, status, cause, details, expose: true })
  }
}

/** The holder's tables (its own SQLite in a `datavault keyholder`; the node's when the node is one). */
export const keyHolderMigrations = [
  `CREATE TABLE holder_shares (
     dataset TEXT PRIMARY KEY,          -- datatoken address, lower-case
     manifest_json TEXT NOT NULL,       -- the owner-signed manifest
     manifest_signature TEXT NOT NULL,
     holder_index INTEGER NOT NULL,
     sealed_share BLOB NOT NULL,        -- sealed to this holder's X25519 key; never stored open
     issued_at INTEGER NOT NULL,
     created_at TEXT NOT NULL
   )`,
  `CREATE TABLE holder_releases (
     dataset TEXT NOT NULL,
     order_tx TEXT NOT NULL,
     job_key TEXT NOT NULL,             -- the one job key this order's share may ever be sealed to
     job_id TEXT NOT NULL,
     released_at TEXT NOT NULL,
     PRIMARY KEY (dataset, order_tx)
   )`,
  `CREATE TABLE holder_approvals (
     dataset TEXT NOT NULL,
     hash TEXT NOT NULL,
     terms TEXT NOT NULL,
     approved_at TEXT NOT NULL,
     PRIMARY KEY (dataset, hash, terms)
   )`,
]

/** One key holder: escrows its share of data keys and releases it, sealed, to jobs that may run. */
export type KeyHolder = {
  address: Address
  encryptionPublicKey: Uint8Array
  /** Stores this holder's share of a dataset's key after checking the owner's manifest and the share. */
  escrow(params: { owner: Address; manifest: KeyEscrowManifest; signature: Hex; sealedShare: Uint8Array }): Promise<{ index: number }>
  /** Checks a compute node's ticket against the chain and releases the share sealed to the job's key. */
  release(params: { ticket: JobTicket; signature: Hex }): Promise<{ index: number; sealedShare: Uint8Array }>
  /** Deletes the share of a dataset (the owner asked, or the dataset was revoked). */
  deleteShare(params: { dataset: Address; owner?: Address }): Promise<boolean>
  hasShare(dataset: Address): boolean
  /** The datasets this holder holds shares for. */
  datasets(): Address[]
  /** The owner-signed escrow manifest of a dataset this holder holds a share of. */
  escrowManifest(dataset: Address): KeyEscrowManifest | undefined
  /**
   * Records (or withdraws) the owner's approval of a custom algorithm on exact terms; `terms`
   * omitted with `approved: false` withdraws every approval of the hash.
   */
  setApproval(params: { owner: Address; dataset: Address; hash: Hex; terms?: Hex | undefined; approved: boolean }): Promise<void>
  /** Deletes the shares of every dataset revoked on chain; returns how many. */
  sweepRevoked(): Promise<number>
}

/**
 * True when the owner's policy (the manifest's `trainers`) or an approval lets this program run: a
 * built-in trainer by id or pinned to its bundle hash; a custom algorithm only by exact hash and
 * terms (`custom@<sha256>+<terms>`), or an approval on those terms.
 */
export function manifestAllowsProgram(
  trainers: readonly string[],
  program: { datasetId: string; trainerId: string; trainerHash: string; termsHash: Hex },
  approvals?: HolderApprovals,
): boolean {
  const hash = program.trainerHash.replace(/^0x/, '').toLowerCase()
  if (program.trainerId === 'custom')
    return (
      trainers.includes(`custom@${hash}+${program.termsHash.replace(/^0x/, '').toLowerCase()}`) ||
      approvals?.isApproved({ datasetId: program.datasetId, hash: `0x${hash}`, terms: program.termsHash }) === true
    )
  return trainers.some((entry) => entry === program.trainerId || entry === `${program.trainerId}@${hash}`)
}

/**
 * A key holder. It trusts nobody's word for a release: the ticket must be signed by a compute node
 * the owner named and the chain lists, the order must be on chain for this datatoken and buyer with
 * that node's provider fee, the dataset must be active on the registry, the program allowed by the
 * owner; and one order's share is only ever sealed to one job key.
 */
export function keyHolder({ now = () => Math.floor(Date.now() / 1000) }: { now?: () => number } = {}) {
  return ({
    db,
    identity,
    chain,
    nonces,
    logger,
    approvals,
  }: {
    db: Database
    identity: NodeIdentity
    chain: KeyHolderChain
    nonces: NonceStore
    logger: Logger
    /** Extra approvals (a node that is also a holder shares its own approval store). */
    approvals?: HolderApprovals
  }): KeyHolder => {
    const log = logger.child({ component: 'keyholder' })
    const address = identity.account.address.toLowerCase() as Address
    const domain = keyEscrowDomain({ chainId: chain.chainId, registry: chain.registry })
    // Ticket signers are the few compute nodes the owners named: their keys are remembered, and a
    // ticket of theirs is checked against the key instead of recovering it anew (same answer).
    const ticketSigners = knownSignerRecovery()
    // This holder's own key opens each escrowed share: its node:crypto object is made once.
    const ownKey = nodeSealedBoxOpener(identity.encryption.privateKey)
    // A ticket's EIP-712 digest with the domain separator and type hash worked out once (viem's
    // hashTypedData re-validates and re-encodes both on each call): the same digest.
    const hashTicket = typedDataHasher({ domain, types: jobTicketTypes, primaryType: 'JobTicket' })
    // The statements every release runs, compiled once (node:sqlite keeps no statement cache).
    const prepared = new Map<string, ReturnType<Database['prepare']>>()
    const statement = (sql: string) => {
      let compiled = prepared.get(sql)
      if (!compiled) prepared.set(sql, (compiled = db.prepare(sql)))
      return compiled
    }
    const localApprovals: HolderApprovals = {
      isApproved: ({ datasetId, hash, terms }) =>
        statement('SELECT 1 FROM holder_approvals WHERE dataset = ? AND hash = ? AND terms = ?').get(datasetId.toLowerCase(), hash.toLowerCase(), terms.toLowerCase()) !==
        undefined,
    }
    const allApprovals: HolderApprovals = {
      isApproved: (params) => localApprovals.isApproved(params) || approvals?.isApproved(params) === true,
    }
    type Row = { manifest_json: string; holder_index: number; sealed_share: Uint8Array; issued_at: number }
    const read = (dataset: string) =>
      statement('SELECT manifest_json, holder_index, sealed_share, issued_at FROM holder_shares WHERE dataset = ?').get(dataset.toLowerCase()) as Row | undefined

    const requireOwner = async (dataset: Address, caller: Address) => {
      const owner = await chain.datatokenOwner(dataset)
      if (!owner) throw new KeyHolderError(`${dataset} is not an Ocean datatoken on chain ${chain.chainId}.`, { code: 'DATASET_UNKNOWN', status: 404 })
      if (owner.toLowerCase() !== caller.toLowerCase())
        throw new KeyHolderError('Only the owner of the datatoken\'s data NFT can do this.', { code: 'NOT_DATASET_OWNER', status: 403 })
    }

    const forget = (dataset: string, why: string) => {
      const deleted = db.prepare('DELETE FROM holder_shares WHERE dataset = ?').run(dataset.toLowerCase()).changes > 0
      if (deleted) log.info({ dataset: dataset.toLowerCase(), why }, 'key share deleted')
      return deleted
    }

    const requireDecryptingHolder = async ({ manifest, jobKey }: { manifest: { holders: Address[]; computeNodes: string[] }; jobKey: Hex }) => {
      const refuse = () =>
        new KeyHolderError('An HE dataset\'s key share goes only to one of its key holders that is not a compute node, never to a job key.', {
          code: 'HE_SHARE_TO_NODE_REFUSED',
          status: 403,
        })
      const candidates = manifest.holders.filter((holder) => !manifest.computeNodes.includes(holder.toLowerCase()))
      if (candidates.some((holder) => holder.toLowerCase() === address) && jobKey.toLowerCase() === bytesToHex(identity.encryption.publicKey)) return
      if (!chain.keyHolder) throw refuse()
      for (const holder of candidates) {
        const entry = await chain.keyHolder(holder)
        if (entry.active && entry.encryptionKey.toLowerCase() === jobKey.toLowerCase()) return
      }
      throw refuse()
    }

    const datasets = () => (db.prepare('SELECT dataset FROM holder_shares ORDER BY dataset').all() as { dataset: Address }[]).map((row) => row.dataset)

    return {
      address,
      encryptionPublicKey: identity.encryption.publicKey,

      async escrow({ owner, manifest, signature, sealedShare }) {
        const index = manifest.holders.findIndex((holder) => holder.toLowerCase() === address)
        if (index === -1) throw new KeyHolderError('This holder is not among the manifest\'s key holders.', { code: 'HOLDER_NOT_IN_MANIFEST', status: 400 })
        // A signature that does not even parse is signed by nobody: refused just below.
        const signer = recovered(() => recoverTypedDataSigner({ domain, types: keyEscrowTypes, primaryType: 'KeyEscrow', message: manifest, signature }))
        if (signer?.toLowerCase() !== owner.toLowerCase())
          throw new KeyHolderError('The manifest is not signed by the wallet that sent it.', { code: 'MANIFEST_SIGNATURE_INVALID', status: 400 })
        await requireOwner(manifest.dataset, owner)
        if ((await chain.datasetState(manifest.dataset)) === 'revoked')
          throw new KeyHolderError('The dataset is revoked on chain; set it active again before escrowing a new key.', { code: 'DATASET_REVOKED', status: 410 })
        const existing = read(manifest.dataset)
        if (existing && BigInt(existing.issued_at) > manifest.issuedAt)
          throw new KeyHolderError('A newer key escrow for this dataset is already held.', { code: 'ESCROW_STALE', status: 409 })
        let share: Uint8Array
        try {
          share = ownKey.open(sealedShare, {
            context: keyShareContext({ chainId: chain.chainId, dataset: manifest.dataset, holder: address }),
          })
        } catch (cause) {
          throw new KeyHolderError('The share is not sealed to this holder\'s key for this dataset.', { code: 'KEY_SHARE_SEAL_INVALID', status: 400, cause })
        }
        const matches = shareCommitment({ dataset: manifest.dataset, index, share }) === manifest.shareCommitments[index]?.toLowerCase()
        share.fill(0)
        if (!matches) throw new KeyHolderError('The share does not match the manifest\'s commitment for this holder.', { code: 'KEY_SHARE_COMMITMENT_MISMATCH', status: 400 })
        db.prepare(
          `INSERT INTO holder_shares (dataset, manifest_json, manifest_signature, holder_index, sealed_share, issued_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(dataset) DO UPDATE SET manifest_json = excluded.manifest_json, manifest_signature = excluded.manifest_signature,
             holder_index = excluded.holder_index, sealed_share = excluded.sealed_share, issued_at = excluded.issued_at, created_at = excluded.created_at`,
        ).run(manifest.dataset.toLowerCase(), JSON.stringify(manifestToJson(manifest)), signature, index, sealedShare, Number(manifest.issuedAt), new Date().toISOString())
        log.info({ dataset: manifest.dataset.toLowerCase(), index, threshold: manifest.threshold, holders: manifest.holders.length }, 'key share escrowed')
        return { index }
      },

      async release({ ticket, signature }) {
        if (ticket.holder.toLowerCase() !== address) throw new KeyHolderError('The ticket is for another key holder.', { code: 'TICKET_WRONG_HOLDER', status: 400 })
        const at = now()
        if (ticket.expiry <= BigInt(at)) throw new KeyHolderError('The job ticket has expired.', { code: 'TICKET_EXPIRED', status: 401 })
        if (ticket.expiry > BigInt(at + maxJobTicketLifetimeSeconds))
          throw new KeyHolderError(`A job ticket may be valid for at most ${maxJobTicketLifetimeSeconds} s.`, { code: 'TICKET_EXPIRY_TOO_FAR', status: 400 })
        const row = read(ticket.dataset)
        const manifest = row ? (JSON.parse(row.manifest_json) as { trainers: string[]; computeNodes: string[]; holders: Address[] }) : undefined
        // A signature that does not even parse is signed by nobody: refused just below.
        const signer = recovered(() =>
          ticketSigners.recoverDigest(
            { digest: hashTicket(ticket), signature },
            { remember: (recovered) => manifest?.computeNodes.includes(recovered.toLowerCase()) === true },
          ),
        )
        if (!signer) throw new KeyHolderError('The job ticket\'s signature is invalid.', { code: 'TICKET_SIGNATURE_INVALID', status: 401 })
        if (!row || !manifest) throw new KeyHolderError('This holder holds no share of that dataset\'s key.', { code: 'SHARE_NOT_FOUND', status: 404 })
        if (!manifest.computeNodes.includes(signer.toLowerCase()))
          throw new KeyHolderError('The dataset\'s owner did not name this compute node.', { code: 'TICKET_NODE_NOT_ALLOWED', status: 403 })
        if (!nonces.use({ address: signer, nonce: ticket.nonce, expiry: Number(ticket.expiry) }))
          throw new KeyHolderError('This job ticket was already used (replay).', { code: 'TICKET_REPLAYED', status: 409 })
        // A job on a pool: the pool's governance decides what runs (the owner consented by joining),
        // the dataset must still be an active member, and the order is for the pool's datatoken.
        let orderDatatoken: Address = ticket.dataset
        if (ticket.pool !== zeroAddress) {
          const [poolDatatoken, member, approved, buyerAllowed] = await Promise.all([
            chain.pools.datatoken(ticket.pool),
            chain.pools.isDatasetActive(ticket.pool, ticket.dataset),
            chain.pools.allowsProgram(ticket.pool, { trainerId: ticket.trainerId, trainerHash: ticket.trainerHash }),
            chain.pools.allowsBuyer(ticket.pool, ticket.buyer),
          ])
          if (!member) throw new KeyHolderError('The dataset is not an active member of that pool.', { code: 'POOL_DATASET_INACTIVE', status: 403 })
          if (!approved) throw new KeyHolderError('The pool\'s governance has not approved this program.', { code: 'KEY_POLICY_DENIED', status: 403 })
          if (!buyerAllowed) throw new KeyHolderError('The pool does not admit this buyer.', { code: 'POOL_BUYER_NOT_ALLOWED', status: 403 })
          orderDatatoken = poolDatatoken
        } else if (
          !manifestAllowsProgram(manifest.trainers, { datasetId: ticket.dataset, trainerId: ticket.trainerId, trainerHash: ticket.trainerHash, termsHash: ticket.termsHash }, allApprovals)
        )
          throw new KeyHolderError('The dataset\'s policy does not allow this program.', { code: 'KEY_POLICY_DENIED', status: 403 })
        const [registered, state] = await Promise.all([
          chain.isComputeNode(signer),
          chain.datasetState(ticket.dataset),
          chain.verifyOrder({ txHash: ticket.orderTx, datatoken: orderDatatoken, consumer: ticket.buyer, providerFeeAddress: signer }),
        ])
        if (!registered) throw new KeyHolderError('The compute node is not registered on chain.', { code: 'COMPUTE_NODE_NOT_REGISTERED', status: 403 })
        if (state === 'revoked') {
          forget(ticket.dataset, 'revoked on chain')
          throw new KeyHolderError('The dataset was revoked by its owner.', { code: 'DATASET_REVOKED', status: 410 })
        }
        if (state === 'unpublished') throw new KeyHolderError('The dataset is unpublished by its owner.', { code: 'DATASET_UNPUBLISHED', status: 403 })
        // An HE dataset's key opens its CKKS secret key: its shares go only to a key holder of the
        // dataset that is not one of its compute nodes (the decrypting holder), never to a job key.
        if (isHomomorphicTicket(manifest.trainers, ticket.trainerId))
          await requireDecryptingHolder({ manifest, jobKey: ticket.jobKey })

        // One order, one job key: recorded before anything is released, in one transaction.
        const dataset = ticket.dataset.toLowerCase()
        const orderTx = ticket.orderTx.toLowerCase()
        db.exec('BEGIN IMMEDIATE')
        try {
          const previous = statement('SELECT job_key FROM holder_releases WHERE dataset = ? AND order_tx = ?').get(dataset, orderTx) as { job_key: string } | undefined
          if (previous && previous.job_key !== ticket.jobKey.toLowerCase())
            throw new KeyHolderError('This order\'s share was already released to another job key.', { code: 'SHARE_ALREADY_RELEASED', status: 409 })
          if (!previous)
            statement('INSERT INTO holder_releases (dataset, order_tx, job_key, job_id, released_at) VALUES (?, ?, ?, ?, ?)').run(
              dataset,
              orderTx,
              ticket.jobKey.toLowerCase(),
              ticket.jobId,
              new Date().toISOString(),
            )
          db.exec('COMMIT')
        } catch (error) {
          db.exec('ROLLBACK')
          throw error
        }
        const share = ownKey.open(new Uint8Array(row.sealed_share), {
          context: keyShareContext({ chainId: chain.chainId, dataset: ticket.dataset, holder: address }),
        })
        try {
          const sealedShare = nodeSealToPublicKey(hexToBytes(ticket.jobKey), share, {
            context: releasedShareContext({ chainId: chain.chainId, dataset: ticket.dataset, holder: address, jobId: ticket.jobId }),
          })
          log.info({ dataset, jobId: ticket.jobId, index: row.holder_index }, 'key share released to job')
          return { index: row.holder_index, sealedShare }
        } finally {
          share.fill(0)
        }
      },

      async deleteShare({ dataset, owner }) {
        if (owner) await requireOwner(dataset, owner)
        return forget(dataset, owner ? 'owner asked' : 'revoked')
      },

      hasShare: (dataset) => read(dataset) !== undefined,

      datasets,

      escrowManifest(dataset) {
        const row = db.prepare('SELECT manifest_json FROM holder_shares WHERE dataset = ?').get(dataset.toLowerCase()) as { manifest_json: string } | undefined
        if (!row) return undefined
        const parsed = JSON.parse(row.manifest_json) as ReturnType<typeof manifestToJson>
        return { ...parsed, issuedAt: BigInt(parsed.issuedAt) } as KeyEscrowManifest
      },

      async setApproval({ owner, dataset, hash, terms, approved }) {
        await requireOwner(dataset, owner)
        if (approved) {
          if (!terms) throw new KeyHolderError('An approval names its terms.', { code: 'APPROVAL_TERMS_MISSING', status: 400 })
          db.prepare('INSERT INTO holder_approvals (dataset, hash, terms, approved_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(
            dataset.toLowerCase(),
            hash.toLowerCase(),
            terms.toLowerCase(),
            new Date().toISOString(),
          )
        } else if (terms)
          db.prepare('DELETE FROM holder_approvals WHERE dataset = ? AND hash = ? AND terms = ?').run(dataset.toLowerCase(), hash.toLowerCase(), terms.toLowerCase())
        else db.prepare('DELETE FROM holder_approvals WHERE dataset = ? AND hash = ?').run(dataset.toLowerCase(), hash.toLowerCase())
        log.info({ dataset: dataset.toLowerCase(), hash: hash.toLowerCase(), approved }, 'algorithm approval recorded')
      },

      async sweepRevoked() {
        let deleted = 0
        for (const dataset of datasets()) if ((await chain.datasetState(dataset)) === 'revoked' && forget(dataset, 'revoked on chain')) deleted++
        return deleted
      },
    }
  }
}

/** The recovered signer, or undefined when the signature does not parse (signed by nobody). */
function recovered(recover: () => Address): Address | undefined {
  try {
    return recover()
  } catch {
    return undefined
  }
}

/**
 * True when a ticket is for an HE key: the trainer is homomorphic, or every trainer the owner's
 * manifest allows is (an HE dataset's escrow, as `publishHeDataset` makes it).
 */
export function isHomomorphicTicket(trainers: readonly string[], trainerId: string): boolean {
  return isHomomorphicTrainer(trainerId) || (trainers.length > 0 && trainers.every(isHomomorphicTrainer))
}

/** Hex of a holder's public key, for `GET /v1/holder`. */
export const publicKeyHex = (key: Uint8Array): Hex => bytesToHex(key)
