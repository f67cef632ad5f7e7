import { z } from 'zod'
import type { Hex } from 'viem'
import { escrowDataKey } from '../vault/escrowDataKey.ts'
import { getDataset } from '../vault/getDatasets.ts'
import { readResponse } from '../../api/response.ts'
import { type DatasetView, datasetViewSchema } from '../../api/schemas.ts'
import type { EnvelopeCrypto } from '../../envelope/crypto.ts'
import { generateDataKey } from '../../envelope/generateDataKey.ts'
import { DataVaultError } from '../../errors/base.ts'
import { manifestToJson } from '../../keyshares/format.ts'
import { type PlaintextSource, uploadPlaintext } from '../../client/uploadPlaintext.ts'
import { type DataVaultBaseClient, assertSameChain, requireWallet } from '../../client/baseClient.ts'

export type RotateDatasetKeyParameters = {
  /** The dataset id (its datatoken). */
  dataset: Hex
  /** The plaintext again (your copy of the data): encrypted here, streaming, under a fresh key. */
  data: PlaintextSource
  /** Plaintext bytes read, encrypted and sent so far. */
  onProgress?: ((event: { bytes: number; totalBytes: number | undefined }) => void) | undefined
  crypto?: EnvelopeCrypto | undefined
  signal?: AbortSignal | undefined
}
export type RotateDatasetKeyReturnType = {
  dataset: DatasetView & { retiredCids: { cid: string; retiredAt: string }[] }
  /** The new ciphertext. */
  cid: string
  /** The ciphertext retired (unpinned on the node; receipts of past jobs keep naming it). */
  retiredCid: string
}

/** Rotation needs the dataset to be live on the node. */
export type RotateDatasetKeyErrorType = RotateDatasetKeyError | import('../../api/response.ts').VaultRequestErrorType | import('../../client/errors.ts').ChainMismatchError

export class RotateDatasetKeyError extends DataVaultError {
  override name = 'RotateDatasetKeyError'
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'ROTATION_REFUSED', status: 409 })
  }
}

/**
 * Rotates a dataset's data key: encrypts the data again under a fresh key (streaming, never whole
 * in memory), uploads the new ciphertext, escrows the new key with the key holders, and switches
 * the node to the new ciphertext and escrow in one request. The old ciphertext is retired; receipts
 * keep naming the CID they used. A job already running finishes on the old ciphertext.
 *
 * @example
 * const { cid, retiredCid } = await rotateDatasetKey(client, { dataset, data: await openAsBlob('heart.csv') })
 */
export async function rotateDatasetKey(client: DataVaultBaseClient, { dataset, data, onProgress, crypto, signal }: RotateDatasetKeyParameters): Promise<RotateDatasetKeyReturnType> {
  requireWallet(client, 'rotating a dataset\'s key')
  await assertSameChain(client)
  const current = await getDataset(client.vault, { id: dataset })
  if (current.revokedAt) throw new RotateDatasetKeyError('The dataset is revoked; publish it again instead of rotating its key.')
  const key = generateDataKey()
  try {
    const { cid } = await uploadPlaintext(client.vault, { data, key, crypto, signal, onBytes: (bytes, totalBytes) => onProgress?.({ bytes, totalBytes }) })
    const { manifest, signature } = await escrowDataKey(client.vault, { dataset, key, chain: client.public, cid, trainers: current.policy.trainers, register: false })
    const response = await client.vault.request({
      method: 'POST',
      path: `/v1/datasets/${dataset.toLowerCase()}/rotate`,
      doing: 'switching the dataset to its new ciphertext',
      json: { cid, escrow: { manifest: manifestToJson(manifest), signature } },
      signed: true,
    })
    return { dataset: await readResponse(response, z.intersection(datasetViewSchema, z.looseObject({ retiredCids: z.array(z.looseObject({ cid: z.string(), retiredAt: z.string() })) })), 'switching the dataset to its new ciphertext'), cid, retiredCid: current.cid }
  } finally {
    key.fill(0)
  }
}
