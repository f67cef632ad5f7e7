import type { VaultClient } from '../../api/transport.ts'
import { AccountRequiredError } from '../../api/transport.ts'

export type SetDatasetFingerprintParameters = {
  /** The dataset (its datatoken address); the client's wallet must own it. */
  dataset: `0x${string}`
  /** The owner's keyed fingerprint of the file it was published from (64 lower-case hex; see `datasetFingerprintSchema`). */
  fingerprint: string
}
export type SetDatasetFingerprintReturnType = void
export type SetDatasetFingerprintErrorType = import('../../api/response.ts').VaultRequestErrorType | AccountRequiredError

/**
 * The dataset's owner records with the node the keyed fingerprint of the file the dataset was
 * published from, so that publishing the same file again from any machine is noticed
 * ({@link findDatasetsByFingerprint}). The fingerprint is an HMAC under a key only the owner's
 * wallet can make: it tests no guess of the file without it, never appears in the dataset's view
 * or the listing, and the node answers it to the owner only. Replaces an earlier one.
 *
 * @example
 * await setDatasetFingerprint(owner, { dataset: datatoken, fingerprint: await fileFingerprint(account, sha256) })
 */
export async function setDatasetFingerprint(client: VaultClient, { dataset, fingerprint }: SetDatasetFingerprintParameters): Promise<SetDatasetFingerprintReturnType> {
  if (!client.account) throw new AccountRequiredError("recording a dataset's file fingerprint")
  await client.request({
    method: 'PUT',
    path: `/v1/datasets/${dataset.toLowerCase()}/fingerprint`,
    doing: "recording a dataset's file fingerprint",
    json: { fingerprint },
    signed: true,
  })
}
