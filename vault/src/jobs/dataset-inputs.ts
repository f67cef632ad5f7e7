// A job's inputs on this node: the dataset (or a pool's member datasets), each decrypted with the
// key its holders released for this job, joined into one CSV. Keys are zeroed once the stream
// ends, fails or is disposed of.
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { EnvironmentRefusedError, type JobInputsSource } from '@datavault/compute-to-data'
import { DataVaultError, createDecryptStream } from '@datavault/sdk'
import { nodeEnvelopeCrypto } from '@datavault/sdk/node'
import type { KeyService } from '../keys/key-service.ts'
import { type PoolReader, poolMemberDatasets } from '../pools/pool-chain.ts'
import type { Storage } from '../storage/storage.ts'
import type { DatasetStore } from '../db/datasets.ts'
import { joinCsvParts } from './join-csv-parts.ts'

/** The operator's ceilings: they bound whatever the owner's (or the pool's) policy says. */
export type DatasetInputsInit = { maxJobWallTimeSeconds: number; maxJobMemoryMb: number }

/** What {@link datasetInputs} uses. */
export type DatasetInputsComponents = {
  datasets: Pick<DatasetStore, 'require' | 'forJob' | 'get' | 'retiredCids'>
  keys: Pick<KeyService, 'requestKey'>
  storage: Pick<Storage, 'cat'>
  pools: Pick<PoolReader, 'members' | 'policy'>
  /** Opens homomorphic jobs' inputs (the owner-signed HE bundle; nothing decrypted). */
  he?: Pick<JobInputsSource, 'open'>
}

/**
 * The engine's source of job inputs on this node. Refuses (`POLICY_ENVIRONMENT_DENIED`, 403) an
 * environment the dataset's policy does not allow before any key is asked for; asks for every
 * key before anything is decrypted.
 *
 * @example
 * const inputs = datasetInputs({ maxJobWallTimeSeconds: 600, maxJobMemoryMb: 2048 })({ datasets, keys, storage, pools })
 */
export function datasetInputs({ maxJobWallTimeSeconds, maxJobMemoryMb }: DatasetInputsInit) {
  return ({ datasets, keys, storage, pools, he }: DatasetInputsComponents): JobInputsSource => ({
    async open(job, options) {
      const { signal, environment, homomorphic } = options
      const target = datasets.require(job.datasetId)
      // Where the job will run must be allowed before any key is asked for.
      if (target.policy.environments && !target.policy.environments.includes(environment))
        throw new EnvironmentRefusedError(`The dataset's policy does not allow the compute environment ${environment}; nothing ran.`, {
          code: 'POLICY_ENVIRONMENT_DENIED',
          status: 403,
        })
      if (homomorphic) {
        if (!he) throw new DataVaultError('This node runs no homomorphic jobs.', { code: 'HE_UNAVAILABLE', status: 409 })
        return he.open(job, options)
      }
      // A pool trains on its current members' datasets, each on this node, all of one schema.
      const parts = target.pool ? await poolMemberDatasets({ pools, datasets, target }) : [target]
      const pool = target.pool ? { address: target.pool, datatoken: target.id } : undefined
      // Every key first: nothing is decrypted unless each dataset's key holders released it.
      const dataKeys: Uint8Array[] = []
      const zeroKeys = () => {
        for (const key of dataKeys) key.fill(0)
      }
      try {
        for (const part of parts) dataKeys.push(await keys.requestKey({ job, dataset: part, pool, signal }))
      } catch (error) {
        zeroKeys()
        throw error
      }
      const plaintexts: ReadableStream<Uint8Array>[] = []
      const joined = joinCsvParts(
        parts.map((part, index) => ({
          id: part.id,
          read() {
            const ciphertext = Readable.toWeb(Readable.from(storage.cat(part.cid, { signal }))) as ReadableStream<Uint8Array>
            const plaintext = ciphertext.pipeThrough(createDecryptStream(dataKeys[index]!, { crypto: nodeEnvelopeCrypto }))
            plaintexts.push(plaintext)
            return Readable.fromWeb(plaintext as NodeReadableStream<Uint8Array>) as AsyncIterable<Uint8Array>
          },
        })),
      )
      const source = (async function* () {
        try {
          yield* joined.source
        } finally {
          zeroKeys()
        }
      })()
      const policy = target.pool ? { ...target.policy, ...(await pools.policy(target.pool)) } : target.policy
      return {
        datasets: parts.map((part, index) => ({ id: part.id, cid: part.cid, rows: () => joined.rows(index) })),
        // A pool's schema declares the rows its job was planned for (differential privacy needs them).
        schema: (datasets.forJob(job) ?? target).schema,
        policy: {
          ...policy,
          maxWallTimeSeconds: Math.min(policy.maxWallTimeSeconds, maxJobWallTimeSeconds),
          maxMemoryMb: Math.min(policy.maxMemoryMb, maxJobMemoryMb),
        },
        inputs: [{ name: 'data.csv', source }],
        rowCount: () => joined.totalRows(),
        async dispose() {
          zeroKeys()
          // Not awaited, and its failure is not reported: a generator suspended on a read finishes
          // once the aborted IPFS read rejects (that rejection is the abort itself); waiting here
          // could hold the job open for nothing.
          void source.return(undefined).catch(() => {})
          // Cancelling a stream that already ended or failed rejects; the job is over either way,
          // and the stream's own failure was reported where it was read.
          for (const plaintext of plaintexts) await plaintext.cancel().catch(() => {})
        },
      }
    },
  })
}
