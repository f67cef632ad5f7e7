import type { Job, JobInputs } from '@datavault/compute-to-data'
import { DataVaultError } from '@datavault/sdk'
import { HeReleaseRefusedError, type SealRuntime, loadSeal, openHeBundle, releaseHeAggregates } from '@datavault/sdk/he'
import type { VaultConfig } from '../config.ts'
import type { KeyService } from '../keys/key-service.ts'
import type { Logger } from '../logger.ts'
import type { Storage } from '../storage/storage.ts'
import type { DatasetStore } from '../db/datasets.ts'

/** A homomorphic job cannot run on this dataset (a pool, or not an HE dataset). */
export class HeJobRefusedError extends DataVaultError {
  override name = 'HeJobRefusedError'
  constructor(shortMessage: string, { code = 'HE_JOB_REFUSED' }: { code?: string } = {}) {
    super(shortMessage, { code, status: 409, expose: true })
  }
}

export type HeJobInputsInit = Pick<VaultConfig, 'chainId' | 'maxJobWallTimeSeconds' | 'maxJobMemoryMb'>
export type HeJobInputsComponents = {
  datasets: Pick<DatasetStore, 'require'>
  storage: Pick<Storage, 'cat'>
  keys: Pick<KeyService, 'requestKey'>
  logger: Logger
}

/**
 * The vault's side of homomorphic jobs. `open` reads the dataset's HE bundle from IPFS and checks
 * it (the owner's EIP-712 signature over the manifest, accepted CKKS parameters, every object's
 * size) before anything is parsed by SEAL; no key is asked for and nothing is decrypted then.
 * `release` is the key holders' part: it refuses below the policy's minimum rows, asks the key
 * service for the dataset's data key (the holders check the order on chain and the trainer
 * against the policy, as for any job), opens the CKKS secret key sealed under it, decrypts only
 * the result ciphertexts, floods them with noise and wipes the key.
 *
 * Where that happens: with the embedded 1-of-1 key service, in the node's own process (its main
 * thread, never the HE worker threads that compute); with t-of-n holders, the shares are combined
 * here too, as for data keys. The compute engine itself only ever sees the noised aggregates.
 *
 * @example
 * const he = heJobInputs(config)({ datasets, storage, keys, logger })
 * const inputs = await he.open(job, { signal })
 */
export function heJobInputs(init: HeJobInputsInit) {
  const { chainId, maxJobWallTimeSeconds, maxJobMemoryMb } = init
  return ({ datasets, storage, keys, logger }: HeJobInputsComponents) => {
    const log = logger.child({ component: 'vault:he' })
    let runtime: Promise<SealRuntime> | undefined
    return {
      async open(job: Job, { signal }: { signal: AbortSignal }): Promise<JobInputs> {
        const target = datasets.require(job.datasetId)
        if (target.pool) throw new HeJobRefusedError('Homomorphic trainers run on one HE dataset, not on a pool.')
        // The dataset's size is what the node stored at registration: the read stops there.
        const chunks: Uint8Array[] = []
        let read = 0
        for await (const chunk of storage.cat(target.cid, { signal })) {
          read += chunk.byteLength
          if (read > target.size) throw new HeJobRefusedError('The stored HE bundle is larger than registered.', { code: 'HE_OBJECT_REFUSED' })
          chunks.push(chunk)
        }
        const bundle = await openHeBundle(Buffer.concat(chunks), { chainId, owner: target.owner as `0x${string}` })
        const rows = bundle.manifest.rows
        const policy = {
          ...target.policy,
          maxWallTimeSeconds: Math.min(target.policy.maxWallTimeSeconds, maxJobWallTimeSeconds),
          maxMemoryMb: Math.min(target.policy.maxMemoryMb, maxJobMemoryMb),
        }
        return {
          datasets: [{ id: target.id, cid: target.cid, rows: () => rows }],
          schema: target.schema,
          policy,
          inputs: [],
          rowCount: () => rows,
          homomorphic: {
            bundle,
            async release(results, { signal: releaseSignal }) {
              // The policy's minimum rows, checked before any key is asked for.
              if (policy.minRows !== undefined && rows < policy.minRows)
                throw new HeReleaseRefusedError(`The dataset's policy requires at least ${policy.minRows} rows per job; nothing was decrypted.`, {
                  code: 'HE_TOO_FEW_ROWS',
                })
              const dataKey = await keys.requestKey({ job, dataset: target, signal: releaseSignal })
              try {
                runtime ??= loadSeal()
                const released = await releaseHeAggregates(await runtime, { bundle, dataKey, results, minRows: policy.minRows })
                log.info({ jobId: job.id, values: released.values.length }, 'HE aggregates released with noise flooding')
                return released.values
              } finally {
                dataKey.fill(0)
              }
            },
          },
          async dispose() {},
        }
      },
    }
  }
}
