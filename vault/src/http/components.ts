import type { ComputeEngine, EnvironmentCatalog, JobStore, TrainerCatalog } from '@datavault/compute-to-data'
import type { VaultConfig } from '../config.ts'
import type { Chain } from '../chain/chain.ts'
import type { KeyService } from '../keys/key-service.ts'
import type { NodeIdentity } from '../keys/node-identity.ts'
import type { Logger } from '../logger.ts'
import type { Database } from '../db/database.ts'
import type { DatasetStore } from '../db/datasets.ts'
import type { NonceStore } from '../db/nonces.ts'
import type { Storage } from '../storage/storage.ts'
import type { AlgorithmStore } from '../db/algorithms.ts'
import type { JobQuota } from '../db/job-quota.ts'
import type { UploadQuota } from '../db/upload-quota.ts'
import type { UploadSessions } from '../uploads/upload-sessions.ts'
import type { VaultPrivacy } from '../privacy/vault-privacy.ts'
import type { NoiseCalibrator } from '../privacy/noise-calibrator.ts'
import type { KeyRegistryReader } from '../keyholder/holder-chain.ts'
import type { PoolReader } from '../pools/pool-chain.ts'

/** Everything the HTTP API uses; each route takes the `Pick` it needs. */
export type ApiComponents = {
  config: Pick<VaultConfig, 'chainId' | 'maxUploadBytes' | 'maxPendingUploadBytes' | 'maxJobWallTimeSeconds' | 'maxJobMemoryMb'>
  db: Database
  identity: NodeIdentity
  storage: Storage
  datasets: DatasetStore
  keys: KeyService
  chain: Chain
  /** The KeyHolderRegistry: datasets' on-chain state, key holders, compute nodes. */
  registry: KeyRegistryReader
  /** DataPools on chain: members, governance, limits. */
  pools: PoolReader
  nonces: NonceStore
  jobs: JobStore
  /** Node-wide and per-wallet limits on unregistered ciphertext uploads and on how fast a wallet uploads. */
  uploadQuota: UploadQuota
  /** Chunked, resumable uploads (`/v1/upload-sessions`), assembled and checked before the IPFS add. */
  uploadSessions: UploadSessions
  /** Node-wide and per-wallet limits on jobs waiting and on how fast a wallet submits. */
  jobQuota: JobQuota
  engine: Pick<ComputeEngine, 'notify' | 'cancel'>
  trainers: TrainerCatalog
  algorithms: AlgorithmStore
  /** The program runtimes the sandbox can confine on this host. */
  runtimes: () => Promise<('node' | 'python')[]>
  /** The compute environments the node offers, each bound to its runner. */
  environments: Pick<EnvironmentCatalog, 'list' | 'get' | 'choose'>
  privacy: VaultPrivacy
  /** Turns a job's target ε into its noise multiplier off the event loop, a bounded number at a time. */
  calibrator: NoiseCalibrator
  resultsDir: string
  logger: Logger
}
