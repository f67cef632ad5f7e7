import { DataVaultError, type JobState } from '@datavault/sdk'

/** What a custom algorithm declares it will output: the only tensors and metric names it may release. */
export type JobDeclaredOutputs = {
  tensors: { name: string; dtype: string; shape: number[] }[]
  metrics: string[]
}

/**
 * What a job runs: a built-in trainer (id, version, SHA-256 of its bundle), or a custom algorithm
 * (`id: 'custom'`, the SHA-256 of its program, and the outputs the buyer declared for this job).
 */
export type JobTrainer = { id: string; version: string; hash: `0x${string}`; outputs?: JobDeclaredOutputs | undefined }

/** Why a job failed: a stable code and a message safe to show the buyer (never data). */
export type JobFailure = { code: JobFailureCode; message: string }

/**
 * Stable failure codes. A `retryable` failure releases the job's order so the buyer can submit
 * again with the same order transaction (unless the dataset's policy says an egress violation
 * forfeits it); the others consume it. Only failures the buyer's own
 * choices can cause (`charged`) count towards the attempts one order pays for: a node restart, a
 * node fault or damaged stored data never costs the buyer an attempt.
 */
export const jobFailureCodes = {
  'interrupted': { retryable: true, charged: false },
  'provisioning-failed': { retryable: true, charged: false },
  'dataset-corrupt': { retryable: true, charged: false },
  'internal-error': { retryable: true, charged: false },
  'trainer-failed': { retryable: true, charged: true },
  'timeout': { retryable: true, charged: true },
  'cpu-limit': { retryable: true, charged: true },
  'memory-limit': { retryable: true, charged: true },
  'output-limit': { retryable: true, charged: true },
  'egress-violation': { retryable: true, charged: true },
  'denied': { retryable: true, charged: true },
  'policy-violation': { retryable: true, charged: false },
  'privacy-budget-exhausted': { retryable: true, charged: false },
  'cancelled': { retryable: true, charged: true },
  'withdrawn': { retryable: true, charged: false },
  'revoked': { retryable: true, charged: false },
  // The cluster could not run the job (Kubernetes runner); the buyer is not at fault.
  'image-pull-failed': { retryable: true, charged: false },
  'unschedulable': { retryable: true, charged: false },
  'evicted': { retryable: true, charged: false },
} as const

/** A stable failure code. */
export type JobFailureCode = keyof typeof jobFailureCodes

/** Timestamps (ms since the epoch) of a job's milestones, for latency reporting. */
export type JobTimings = {
  acceptedAt?: number
  provisionedAt?: number
  startedAt?: number
  finishedAt?: number
}

/** A job as stored. */
export type Job = {
  id: string
  datasetId: `0x${string}`
  buyer: `0x${string}`
  orderTx: `0x${string}`
  trainer: JobTrainer
  params: Record<string, unknown>
  /** The compute environment the job runs in; absent for jobs queued before environments existed (they run in the node's first that fits). */
  environment?: string | undefined
  state: JobState
  failure?: JobFailure | undefined
  progress?: { epoch?: number; epochs?: number; loss?: number } | undefined
  metrics?: Record<string, number> | undefined
  result?: { files: { name: string; sha256: `0x${string}`; bytes: number }[] } | undefined
  receipt?: unknown
  /**
   * What the node keeps of the program's stderr tail, for the dataset owner only, never the buyer:
   * the tail sealed to the owner's log key (`dvol1:` and base64 of the SDK's `sealOwnerLog`), or
   * `discarded` when the owner had no key to seal it to. Never the plaintext.
   */
  ownerLog?: string | undefined
  timings: JobTimings
  createdAt: string
  updatedAt: string
}

/** The transitions a job may take; everything not listed is refused. */
export const jobTransitions: Record<JobState, readonly JobState[]> = {
  'awaiting-approval': ['queued', 'failed'],
  queued: ['provisioning', 'failed'],
  provisioning: ['running', 'failed'],
  running: ['checking', 'failed'],
  checking: ['finished', 'failed'],
  finished: [],
  failed: [],
}

/** True when a job in `state` will not change again. */
export function isFinalJobState(state: JobState): boolean {
  return jobTransitions[state].length === 0
}

/** A job was asked to move to a state its state machine does not allow. */
export class JobTransitionError extends DataVaultError {
  override name = 'JobTransitionError'
  constructor({ id, from, to }: { id: string; from: JobState; to: JobState }) {
    super(`Job ${id} cannot go from ${from} to ${to}.`, { code: 'JOB_TRANSITION_INVALID', status: 409 })
  }
}

/** No job with that id. */
export class JobNotFoundError extends DataVaultError {
  override name = 'JobNotFoundError'
  constructor(id: string) {
    super(`Job ${id} not found.`, { code: 'JOB_NOT_FOUND', status: 404 })
  }
}

/** The order transaction already paid for another job. */
export class OrderAlreadyUsedError extends DataVaultError {
  override name = 'OrderAlreadyUsedError'
  constructor(orderTx: string) {
    super(`Order ${orderTx} has already been used for another job.`, { code: 'ORDER_ALREADY_USED', status: 409 })
  }
}
