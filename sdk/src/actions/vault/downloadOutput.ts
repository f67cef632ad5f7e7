import { bytesToHex } from 'viem'
import { DataVaultError } from '../../errors/base.ts'
import type { SignedReceipt } from '../../api/receipt.ts'
import type { VaultClient } from '../../api/transport.ts'
import { signedReceiptSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type DownloadOutputParameters = { id: string; name: string }
export type DownloadOutputReturnType = { bytes: Uint8Array; sha256: `0x${string}` }
/** What `downloadOutput` may throw. */
export type DownloadOutputErrorType = import('../../api/response.ts').VaultRequestErrorType | OutputDigestMismatchError

/** A downloaded output does not match the digest the node announced. */
export class OutputDigestMismatchError extends DataVaultError {
  override name = 'OutputDigestMismatchError'
  constructor(name: string) {
    super(`The downloaded ${name} does not match its SHA-256 digest.`, { code: 'OUTPUT_DIGEST_MISMATCH', status: 502, kind: 'verification' })
  }
}

/**
 * Downloads one output of a finished job (e.g. `model.safetensors`). Only the buyer may; the
 * bytes are checked against the SHA-256 the node recorded.
 *
 * @example
 * const { bytes } = await downloadOutput(buyer, { id: job.id, name: 'model.safetensors' })
 */
export async function downloadOutput(client: VaultClient, { id, name }: DownloadOutputParameters): Promise<DownloadOutputReturnType> {
  const response = await client.request({
    method: 'GET',
    path: `/v1/jobs/${encodeURIComponent(id)}/outputs/${encodeURIComponent(name)}`,
    doing: `downloading ${name}`,
    signed: true,
  })
  const bytes = new Uint8Array(await response.arrayBuffer())
  const sha256 = bytesToHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes)))
  const announced = response.headers.get('x-datavault-sha256')
  if (announced && announced.toLowerCase() !== sha256) throw new OutputDigestMismatchError(name)
  return { bytes, sha256 }
}

/**
 * Downloads a finished job's receipt, signed by the node. Verify it with `verifyReceipt`.
 *
 * @example
 * const receipt = await getReceipt(buyer, { id: job.id })
 */
export async function getReceipt(client: VaultClient, { id }: { id: string }): Promise<SignedReceipt> {
  const response = await client.request({ method: 'GET', path: `/v1/jobs/${encodeURIComponent(id)}/receipt`, doing: 'downloading the receipt', signed: true })
  return await readResponse(response, signedReceiptSchema, 'downloading the receipt')
}
