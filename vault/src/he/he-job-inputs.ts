import type { Address } from 'viem'
import type { Job, JobInputs } from '@datavault/compute-to-data'
import { DataVaultError, type KeyEscrowManifest, jobTicketTypes, keyEscrowDomain, signRequest } from '@datavault/sdk'
import { HeReleaseRefusedError, encodeHeReleaseRequest, heReleaseResultCount, heReleaseTermsHash, openHeBundle } from '@datavault/sdk/he'
import type { VaultConfig } from '../config.ts'
import type { KeyRegistryReader } from '../keyholder/holder-chain.ts'
import type { NodeIdentity } from '../keys/node-identity.ts'
import type { Logger } from '../logger.ts'
import type { Storage } from '../storage/storage.ts'
import type { DatasetStore } from '../db/datasets.ts'
import { jobTicketFor } from '../keys/job-ticket.ts'
import { keyReleaseMayRecover } from '../keys/requestKeyWithRetry.ts'

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
const abortableDelay = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const aborted = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', aborted)
      resolve()
    }, ms)
    signal.addEventListener('abort', aborted, { once: true })
  })

/** A homomorphic job cannot run on this dataset (a pool, or not an HE dataset). */
export class HeJobRefusedError extends DataVaultError {
  override name = 'HeJobRefusedError'
  constructor(shortMessage: string, { code = 'HE_JOB_REFUSED' }: { code?: string } = {}) {
    super(shortMessage, { code, status: 409, expose: true })
  }
}

export type HeJobInputsInit = Pick<VaultConfig, 'chainId' | 'maxJobWallTimeSeconds' | 'maxJobMemoryMb'> & {
  /** How long a job ticket is valid, in seconds (the decrypting holder forwards them to the others). */
  ticketLifetimeSeconds?: number
  /** How long to wait for the decrypting holder's answer, in ms. */
  releaseTimeoutMs?: number
  /**
   * While the decrypting holder (or a holder it gathers a share from) cannot be reached, the release
   * is tried again after `firstDelayMs`, doubling up to `maxDelayMs`, for at most `maxWaitMs` (and
   * within the job's wall time). Defaults 1 s, 30 s, 5 minutes, as for a data key.
   */
  releaseRetry?: { firstDelayMs: number; maxDelayMs: number; maxWaitMs: number }
  fetch?: typeof globalThis.fetch
}

export type HeJobInputsComponents = {
  datasets: Pick<DatasetStore, 'require'>
  storage: Pick<Storage, 'cat'>
  /** The node's identity: it signs the job's tickets (it never receives a share of an HE key). */
  identity: Pick<NodeIdentity, 'account'>
  /** The KeyHolderRegistry: where the decrypting holder is and which key it registered. */
  registry: Pick<KeyRegistryReader, 'registry' | 'keyHolder'>
  /** The owner-signed escrow manifest of a dataset (threshold backend); undefined when none. */
  escrow: (datasetId: string) => KeyEscrowManifest | undefined
  logger: Logger
}

/**
 * The vault's side of homomorphic jobs. `open` reads the dataset's HE bundle from IPFS and checks
 * it (the owner's EIP-712 signature over the manifest, accepted CKKS parameters, every object's
 * size) before anything is parsed by SEAL; no key is asked for and nothing is decrypted then.
 *
 * `release` sends the result ciphertexts to the **decrypting key holder** (the first holder of the
 * owner's escrow manifest that is not a compute node), with one ticket per key holder signed by this
 * node; each ticket names the decrypting holder's registered key as its job key and, as its
 * `termsHash`, the hash of exactly these ciphertexts, columns and DP noise. That holder checks the
 * job on chain, gathers t shares sealed to its own key, decrypts in its own process and answers the
 * noised aggregates only. This node has no code path that receives a share of an HE dataset's key,
 * the data key or the CKKS secret key: the holders refuse to seal one to a compute node.
 *
 * @example
 * const he = heJobInputs(config)({ datasets, storage, identity, registry, escrow, logger })
 * const inputs = await he.open(job, { signal })
 */
export function heJobInputs(init: HeJobInputsInit) {
  const { chainId, maxJobWallTimeSeconds, maxJobMemoryMb, ticketLifetimeSeconds = 120, releaseTimeoutMs = 300_000, fetch = globalThis.fetch } = init
  const releaseRetry = init.releaseRetry ?? { firstDelayMs: 1000, maxDelayMs: 30_000, maxWaitMs: 5 * 60_000 }
  return ({ datasets, storage, identity, registry, escrow, logger }: HeJobInputsComponents) => {
    const log = logger.child({ component: 'vault:he' })
    const node = identity.account.address.toLowerCase()
    const domain = keyEscrowDomain({ chainId, registry: registry.registry })
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
        // Into shared memory: the HE workers read the ciphertexts where they are, without a copy each.
        const shared = new Uint8Array(new SharedArrayBuffer(read))
        let at = 0
        for (const chunk of chunks) {
          shared.set(chunk, at)
          at += chunk.byteLength
        }
        chunks.length = 0
        const bundle = await openHeBundle(shared, { chainId, owner: target.owner as `0x${string}` })
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
            async release({ results, packing, columns, dp }, { signal: releaseSignal }) {
              // The policy's minimum rows, checked here before anything is sent (the holder checks the owner-signed one again).
              if (policy.minRows !== undefined && rows < policy.minRows)
                throw new HeReleaseRefusedError(`The dataset's policy requires at least ${policy.minRows} rows per job; nothing was decrypted.`, {
                  code: 'HE_TOO_FEW_ROWS',
                })
              const manifest = escrow(target.id)
              if (!manifest) throw new HeReleaseRefusedError('The dataset\'s owner has not escrowed its key with key holders.', { code: 'KEY_NOT_ESCROWED' })
              const decryptor = manifest.holders.find((holder) => !manifest.computeNodes.includes(holder.toLowerCase() as Address))
              if (!decryptor)
                throw new HeReleaseRefusedError('Every key holder of this HE dataset is a compute node: an HE dataset needs a key holder outside the node to decrypt.', {
                  code: 'HE_NO_DECRYPTING_HOLDER',
                })
              const holder = await registry.keyHolder(decryptor)
              if (!holder.active) throw new HeReleaseRefusedError(`The key holder ${decryptor} is no longer registered.`, { code: 'HOLDER_NOT_REGISTERED' })
              // Fresh tickets (nonce, expiry) for every try.
              const attempt = async (): Promise<Float64Array> => {
                const termsHash = heReleaseTermsHash({ manifestHash: bundle.manifestHash, columns, dp, packing, results })
                const expiry = BigInt(Math.floor(Date.now() / 1000) + ticketLifetimeSeconds)
                const tickets = await Promise.all(
                  manifest.holders.map(async (address) => {
                    const ticket = jobTicketFor({ holder: address, dataset: target.id, job, termsHash, jobKey: holder.encryptionKey, expiry })
                    const signature = await identity.account.signTypedData({ domain, types: jobTicketTypes, primaryType: 'JobTicket', message: ticket })
                    return { ticket, signature }
                  }),
                )
                const body = encodeHeReleaseRequest({
                  dataset: target.id as Address,
                  columns,
                  dp,
                  packing,
                  manifestBytes: bundle.manifestBytes,
                  manifestSignature: bundle.signature,
                  sealedSecretKey: bundle.object(bundle.manifest.sealedSecretKey, 'sealed-secret-key'),
                  results,
                  tickets,
                })
                let response: Response
                try {
                  // Signed as the node (the holder reads no body from anyone else); the tickets inside bind the content.
                  const auth = await signRequest(identity.account, { chainId, node: decryptor, method: 'POST', path: '/v1/holder/he-releases', body: 'unsigned' })
                  response = await fetch(`${holder.url.replace(/\/+$/, '')}/v1/holder/he-releases`, {
                    method: 'POST',
                    headers: { 'content-type': 'application/octet-stream', ...auth },
                    body: new Blob([body as Uint8Array<ArrayBuffer>]),
                    signal: AbortSignal.any([releaseSignal, AbortSignal.timeout(releaseTimeoutMs)]),
                  })
                } catch (cause) {
                  releaseSignal.throwIfAborted()
                  throw new HeReleaseRefusedError(`The decrypting key holder ${decryptor} could not be reached.`, { code: 'HOLDER_UNREACHABLE', details: (cause as Error)?.name })
                }
                // An answer that is not JSON is a refusal with the HTTP status.
                const answer = (await response.json().catch(() => undefined)) as { values?: unknown; error?: { code?: string; message?: string } } | undefined
                const values = answer?.values
                const expected = heReleaseResultCount(columns.length)
                if (!response.ok || !Array.isArray(values) || values.length !== expected || !values.every((value) => typeof value === 'number' && Number.isFinite(value)))
                  throw new HeReleaseRefusedError(answer?.error?.message ?? `The decrypting key holder answered ${response.status}.`, { code: answer?.error?.code ?? 'HE_RELEASE_FAILED' })
                log.info({ jobId: job.id, holder: decryptor, values: values.length, dp: dp !== undefined }, 'HE aggregates released by the decrypting key holder')
                return Float64Array.from(values as number[])
              }
              // Like a data key's release: while the decrypting holder (or the holders it gathers shares
              // from) cannot be reached, wait and try again with exponential backoff, within the job's time.
              const started = Date.now()
              for (let tries = 1, delayMs = releaseRetry.firstDelayMs; ; tries++, delayMs = Math.min(delayMs * 2, releaseRetry.maxDelayMs)) {
                try {
                  return await attempt()
                } catch (error) {
                  releaseSignal.throwIfAborted()
                  if (!keyReleaseMayRecover(error) || Date.now() - started + delayMs > releaseRetry.maxWaitMs) throw error
                  log.warn({ jobId: job.id, holder: decryptor, attempt: tries, delayMs, code: (error as { code?: string }).code }, 'HE release waits for the decrypting key holder')
                  await abortableDelay(delayMs, releaseSignal)
                }
              }
            },
          },
          async dispose() {},
        }
      },
    }
  }
}
