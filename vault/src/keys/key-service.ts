import { DataVaultError, dataKeyContext, openSealed } from '@datavault/sdk'
import type { Job } from '@datavault/compute-to-data'
import type { Chain } from '../chain/chain.ts'
import type { Logger } from '../logger.ts'
import type { Database } from '../store/database.ts'
import { type AlgorithmStore, approvalTerms } from '../store/algorithms.ts'
import type { Dataset } from '../store/datasets.ts'
import type { NodeIdentity } from './node-identity.ts'

/**
 * Escrows data keys and gives them to jobs that may run; what the compute engine uses. Backend-
 * neutral: `threshold` (t of n independent key holders; the embedded default is 1 of 1 inside the
 * node) and `lit` (Lit Protocol access conditions) both implement it. An unknown backend name
 * fails at start-up.
 */
export type KeyService = {
  /** The backend's name, as configured (`DATAVAULT_KEY_BACKEND`). */
  readonly backend: string
  /**
   * Records a dataset's key escrow. `escrow` is the backend's own payload (sealed shares and
   * their manifest, a Lit ciphertext, …), validated here; a bad one is a 400 `KeyReleaseError`.
   * Escrowing again replaces the old escrow (rotation).
   */
  escrow(params: { dataset: Dataset; escrow: unknown }): Promise<void>
  /** True when a key for the dataset is escrowed and not revoked. */
  hasKey(datasetId: string): boolean
  /**
   * Returns the data key for a job after the backend's own checks (the order on chain, the
   * dataset's policy, revocation). The caller must wipe the returned bytes (`fill(0)`) when done.
   */
  requestKey(params: { job: Job; dataset: Dataset; signal?: AbortSignal }): Promise<Uint8Array>
  /** Revocation: no job can be given the key again; the backend deletes what it holds. */
  revoke(params: { dataset: Dataset }): Promise<void>
}

/** A key was refused: not escrowed, or the job may not have it. */
export class KeyReleaseError extends DataVaultError {
  override name = 'KeyReleaseError'
  constructor(shortMessage: string, { code, status = 403, cause }: { code: string; status?: number; cause?: unknown }) {
    super(shortMessage, { code, status, cause })
  }
}

/**
 * True when a dataset's policy lets this program run: a built-in trainer by id, or by id pinned to
 * its exact bundle hash; a custom algorithm only by its exact hash (`custom@<sha256>` in the
 * policy, or an approval the owner gave for this dataset).
 */
export function policyAllowsTrainer(
  dataset: Pick<Dataset, 'policy' | 'id'>,
  trainer: { id: string; hash: string; outputs?: unknown },
  approvals?: Pick<AlgorithmStore, 'isApproved'>,
  params: Record<string, unknown> = {},
): boolean {
  const hash = trainer.hash.replace(/^0x/, '').toLowerCase()
  if (trainer.id === 'custom')
    return (
      dataset.policy.trainers.includes(`custom@${hash}`) ||
      approvals?.isApproved({ datasetId: dataset.id, hash: trainer.hash, terms: approvalTerms({ outputs: trainer.outputs, params }) }) === true
    )
  return dataset.policy.trainers.some((entry) => entry === trainer.id || entry === `${trainer.id}@${hash}`)
}

/**
 * The embedded key service: one key holder inside the node (1 of 1). Data keys arrive sealed to
 * the node's X25519 key and stay sealed in SQLite; one is opened only in memory, for a job whose
 * order it has verified on chain itself.
 */
export function localKeyService({ chainId }: { chainId: number }) {
  return ({
    db,
    identity,
    chain,
    logger,
    approvals,
  }: {
    db: Database
    identity: NodeIdentity
    chain: Pick<Chain, 'verifyOrder'>
    logger: Logger
    approvals: Pick<AlgorithmStore, 'isApproved'>
  }): KeyService => {
    const log = logger.child({ component: 'vault:keys' })
    const open = (datasetId: string, sealedKey: Uint8Array) =>
      openSealed(identity.encryption.privateKey, sealedKey, { context: dataKeyContext({ chainId, datasetId }) })

    return {
      backend: 'local',
      async escrow({ dataset, escrow }) {
        const sealedKey = (escrow as { sealedKey: Uint8Array }).sealedKey
        let key: Uint8Array
        try {
          key = await open(dataset.id, sealedKey)
        } catch (cause) {
          throw new KeyReleaseError('The sealed key does not open with this node\'s key for this dataset.', {
            code: 'KEY_SEAL_INVALID',
            status: 400,
            cause,
          })
        }
        const length = key.byteLength
        key.fill(0)
        if (length !== 32) throw new KeyReleaseError('A data key must be 32 bytes.', { code: 'KEY_SEAL_INVALID', status: 400 })
        db.prepare(
          'INSERT INTO key_escrows (dataset_id, sealed_key, created_at) VALUES (?, ?, ?) ON CONFLICT(dataset_id) DO UPDATE SET sealed_key = excluded.sealed_key, created_at = excluded.created_at',
        ).run(dataset.id, sealedKey, new Date().toISOString())
        log.info({ dataset: dataset.id }, 'data key escrowed')
      },

      async revoke({ dataset }) {
        db.prepare('DELETE FROM key_escrows WHERE dataset_id = ?').run(dataset.id)
        log.info({ dataset: dataset.id }, 'data key deleted (dataset revoked)')
      },

      hasKey(datasetId) {
        return db.prepare('SELECT 1 FROM key_escrows WHERE dataset_id = ?').get(datasetId.toLowerCase()) !== undefined
      },

      async requestKey({ job, dataset }) {
        if (job.datasetId !== dataset.id) throw new KeyReleaseError('The job is for another dataset.', { code: 'KEY_DATASET_MISMATCH' })
        if (dataset.revokedAt) throw new KeyReleaseError('The dataset was revoked by its owner.', { code: 'DATASET_REVOKED', status: 410 })
        if (!policyAllowsTrainer(dataset, job.trainer, approvals, job.params))
          throw new KeyReleaseError('The dataset\'s policy does not allow this trainer.', { code: 'KEY_POLICY_DENIED' })
        const row = db.prepare('SELECT sealed_key FROM key_escrows WHERE dataset_id = ?').get(dataset.id) as
          | { sealed_key: Uint8Array }
          | undefined
        if (!row) throw new KeyReleaseError('The dataset\'s owner has not escrowed its data key.', { code: 'KEY_NOT_ESCROWED', status: 409 })
        // Checked again here, independently of the API that accepted the job.
        await chain.verifyOrder({ txHash: job.orderTx, datatoken: dataset.datatoken, consumer: job.buyer })
        const key = await open(dataset.id, new Uint8Array(row.sealed_key))
        log.info({ dataset: dataset.id, jobId: job.id }, 'data key released to job')
        return key
      },
    }
  }
}
