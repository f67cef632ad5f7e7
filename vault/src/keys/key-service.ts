import { DataVaultError } from '@datavault/sdk'
import type { Job } from '@datavault/compute-to-data'
import { type AlgorithmStore, approvalTerms } from '../db/algorithms.ts'
import type { Dataset } from '../db/datasets.ts'

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
  requestKey(params: {
    job: Job
    dataset: Dataset
    /** For a job on a pool: the DataPool and its datatoken (the order's); `dataset` is one of its members. */
    pool?: { address: `0x${string}`; datatoken: `0x${string}` } | undefined
    signal?: AbortSignal
  }): Promise<Uint8Array>
  /** The key holders a dataset's key is escrowed with (threshold backend), for owners to reach. */
  escrowHolders?(datasetId: string): `0x${string}`[]
  /** Revocation: no job can be given the key again; the backend deletes what it holds. */
  revoke(params: { dataset: Dataset }): Promise<void>
}

/**
 * A key was refused: not escrowed, or the job may not have it. The message and details name
 * checks and holders only, never key material, so they are shown to clients (and job failures).
 */
export class KeyReleaseError extends DataVaultError {
  override name = 'KeyReleaseError'
  constructor(shortMessage: string, { code, status = 403, cause, details }: { code: string; status?: number; cause?: unknown; details?: string | undefined }) {
    super(shortMessage, { code, status, cause, details, expose: true })
  }
}

/**
 * True when a dataset's policy lets this program run: a built-in trainer by id, or by id pinned to
 * its exact bundle hash; a custom algorithm only by its exact hash and terms (`custom@<sha256>+<terms>`
 * in the policy, or an approval the owner gave for this dataset on those terms).
 */
export function policyAllowsTrainer(
  dataset: Pick<Dataset, 'policy' | 'id'>,
  trainer: { id: string; hash: string; outputs?: unknown },
  approvals?: Pick<AlgorithmStore, 'isApproved'>,
  params: Record<string, unknown> = {},
): boolean {
  const hash = trainer.hash.replace(/^0x/, '').toLowerCase()
  if (trainer.id === 'custom') {
    // A pin binds the program and its terms (declared outputs and parameters), as an approval does.
    const terms = approvalTerms({ outputs: trainer.outputs, params })
    return (
      dataset.policy.trainers.includes(`custom@${hash}+${terms.slice(2)}`) ||
      approvals?.isApproved({ datasetId: dataset.id, hash: trainer.hash, terms }) === true
    )
  }
  return dataset.policy.trainers.some((entry) => entry === trainer.id || entry === `${trainer.id}@${hash}`)
}
