import type { FingerprintedDatasets } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { AccountRequiredError } from '../../api/transport.ts'
import { fingerprintedDatasetsSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type FindDatasetsByFingerprintParameters = {
  /** A keyed file fingerprint (64 lower-case hex), as {@link setDatasetFingerprint} recorded it. */
  fingerprint: string
}
export type FindDatasetsByFingerprintReturnType = FingerprintedDatasets['datasets']
export type FindDatasetsByFingerprintErrorType = import('../../api/response.ts').VaultRequestErrorType | AccountRequiredError

/**
 * The client's wallet's own datasets on this node that were published from the file with this
 * keyed fingerprint, oldest first, revoked ones included (each with `revokedAt`): how a publisher
 * on any machine learns that it published the same file before. Signed: the node answers the
 * signer's datasets only, so nobody learns another wallet's fingerprints or files.
 *
 * @example
 * const earlier = await findDatasetsByFingerprint(owner, { fingerprint })
 * if (earlier.some((dataset) => !dataset.revokedAt)) console.log(`already published as ${earlier[0]!.id}`)
 */
export async function findDatasetsByFingerprint(client: VaultClient, { fingerprint }: FindDatasetsByFingerprintParameters): Promise<FindDatasetsByFingerprintReturnType> {
  if (!client.account) throw new AccountRequiredError('looking up earlier publications of a file')
  const response = await client.request({
    method: 'GET',
    path: `/v1/owner/fingerprints/${encodeURIComponent(fingerprint)}`,
    doing: 'looking up earlier publications of a file',
    signed: true,
  })
  return (await readResponse(response, fingerprintedDatasetsSchema, 'looking up earlier publications of a file')).datasets
}
