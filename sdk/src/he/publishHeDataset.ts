import type { Address } from 'viem'
import type { ComputePolicy, DatasetSchema } from '../api/schemas.ts'
import { uploadCiphertext } from '../actions/vault/uploadCiphertext.ts'
import { type PublishDatasetReturnType, publishDataset } from '../actions/client/publishDataset.ts'
import { type DataVaultBaseClient, assertSameChain, requireWallet } from '../client/createDataVaultClient.ts'
import type { PublishDatasetArgumentError, PublishDatasetError } from '../client/errors.ts'
import { generateDataKey } from '../envelope/generateDataKey.ts'
import { HeArgumentError } from './errors.ts'
import { type HeDatasetSizes, encryptHeDataset } from './encryptHeDataset.ts'
import { encodeHeBundle, signHeManifest } from './format.ts'
import { type SealRuntime, loadSeal } from './loadSeal.ts'
import { type HeParameterSetName, heParametersFor } from './parameters.ts'

/** The trainers an HE dataset allows unless the owner says otherwise. */
export const homomorphicTrainerIds = ['he-stats', 'he-ridge'] as const

/** True for a policy entry naming a homomorphic trainer (`he-stats`, or pinned: `he-ridge@<sha256>`). */
export const isHomomorphicTrainer = (entry: string): boolean => (homomorphicTrainerIds as readonly string[]).includes(entry.split('@')[0] as string)

export type PublishHeDatasetParameters = {
  /**
   * The numeric columns (all of one length): encrypted here to CKKS, never sent open. Bounds
   * (`min`, `max`) are needed on every column when the policy has a privacy budget.
   */
  columns: { name: string; values: ArrayLike<number>; min?: number | undefined; max?: number | undefined }[]
  name: string
  description?: string | undefined
  /** `ckks-8192` (default) or `ckks-16384`. */
  parameterSet?: HeParameterSetName | undefined
  /** Allowed trainers and limits; `he-stats` and `he-ridge` by default. */
  policy?: (Partial<ComputePolicy> & { trainers?: string[] }) | undefined
  price?: bigint | undefined
  free?: boolean | undefined
  baseToken?: Address | undefined
  symbol?: string | undefined
  /** Bytes of the plaintext CSV the columns came from (for the expansion figure). */
  plaintextBytes?: number | undefined
  /** A node-seal instance to reuse; one is started otherwise. */
  runtime?: SealRuntime | undefined
  onProgress?: ((event: { step: 'encrypt'; done: number; total: number } | { step: string; status: string }) => void) | undefined
  signal?: AbortSignal | undefined
}

export type PublishHeDatasetReturnType = PublishDatasetReturnType & {
  /** Sizes of the ciphertexts and keys, and the expansion over the plaintext. */
  sizes: HeDatasetSizes
  /** Time spent encrypting, ms. */
  encryptMs: number
}

export type PublishHeDatasetErrorType = PublishDatasetError | PublishDatasetArgumentError | import('./errors.ts').HeArgumentError

/**
 * Publishes an HE dataset: encrypts the numeric columns to CKKS here (column-packed, with a fresh
 * key pair), signs the manifest of every ciphertext's and key's SHA-256 (EIP-712, so the node loads
 * only what the owner signed), uploads the bundle (public, relinearization and Galois keys inside,
 * the secret key sealed under a fresh data key), then publishes like any dataset: datatoken,
 * registration, the data key escrowed with the key holders (t of n), the price last.
 *
 * @example
 * const { dataset, sizes } = await publishHeDataset(client, {
 *   columns: [{ name: 'age', values: ages }, { name: 'charges', values: charges }],
 *   name: 'Insurance (HE)',
 *   price: parseEther('5'),
 * })
 */
export async function publishHeDataset(client: DataVaultBaseClient, parameters: PublishHeDatasetParameters): Promise<PublishHeDatasetReturnType> {
  const { columns, name, description, parameterSet = 'ckks-8192', policy = {}, price, free, baseToken, symbol, plaintextBytes, onProgress, signal } = parameters
  const wallet = requireWallet(client, 'publishing an HE dataset')
  const trainers = policy.trainers ?? [...homomorphicTrainerIds]
  // The key holders treat an escrow whose trainers are all homomorphic as an HE key: its shares go
  // only to a decrypting key holder, never to a compute node. A plaintext trainer would break that.
  const plain = trainers.filter((trainer) => !isHomomorphicTrainer(trainer))
  if (plain.length > 0) throw new HeArgumentError(`An HE dataset runs homomorphic trainers only (${homomorphicTrainerIds.join(', ')}), not ${plain.join(', ')}.`)
  const runtime = parameters.runtime ?? (await loadSeal())
  const dataKey = generateDataKey()
  try {
    const started = performance.now()
    const he = await encryptHeDataset(runtime, {
      columns,
      dataKey,
      parameters: heParametersFor(parameterSet),
      plaintextBytes,
      minRows: policy.minRows,
      privacy: policy.privacyBudget,
      onProgress: (done, total) => onProgress?.({ step: 'encrypt', done, total }),
    })
    const encryptMs = performance.now() - started
    signal?.throwIfAborted()
    // Checked after the encryption (seconds of CPU): the node is asked only once there is something to send.
    await assertSameChain(client)
    // The results are decrypted by a key holder that is not the compute node; with none, no job could finish.
    const node = await client.vault.node()
    const escrow = node.keyEscrow
    // And the node alone must not be able to rebuild the key: it may hold fewer shares than the threshold.
    const nodeShares = escrow?.holders.filter((holder) => holder.toLowerCase() === node.address.toLowerCase()).length ?? 0
    if (escrow && escrow.backend === 'threshold' && (nodeShares === escrow.holders.length || nodeShares >= escrow.threshold))
      throw new HeArgumentError('This node could rebuild the key alone (it holds as many shares as the threshold): an HE dataset needs key holders outside the compute node.', {
        details: 'Run the node with key holders it is not one of, or a threshold above its own shares (DATAVAULT_KEY_HOLDERS, or `datavault dev --keyholders 1`).',
      })
    const signature = await signHeManifest(wallet.account, { manifestBytes: he.manifestBytes, chainId: client.chain.id })
    const { cid } = await uploadCiphertext(client.vault, { body: encodeHeBundle({ ...he, signature }), signal })
    const schema: DatasetSchema = { format: 'csv', columns: columns.map((column) => ({ name: column.name, type: 'number' as const, ...(column.min !== undefined ? { min: column.min, max: column.max } : {}) })),
      rows: he.manifest.rows }
    const published = await publishDataset(client, {
      name,
      description,
      schema,
      policy: { ...policy, trainers },
      ...(free ? { free: true } : { price }),
      baseToken,
      symbol,
      key: dataKey,
      resume: { cid },
      onProgress: onProgress ? (event) => onProgress({ step: event.step, status: event.status }) : undefined,
      signal,
    })
    return { ...published, sizes: he.sizes, encryptMs }
  } finally {
    dataKey.fill(0)
  }
}
