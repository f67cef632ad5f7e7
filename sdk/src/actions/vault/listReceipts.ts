import type { SignedReceipt } from '../../api/receipt.ts'
import type { VaultClient } from '../../api/transport.ts'
import { z } from 'zod'
import { signedReceiptSchema } from '../../api/schemas.ts'
import { readResponse } from '../../api/response.ts'

export type ListReceiptsParameters = { dataset: `0x${string}` }
export type ListReceiptsReturnType = SignedReceipt[]
/** What `listReceipts` may throw. */
export type ListReceiptsErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * The dataset's owner lists the receipts of every finished job on their dataset: who trained
 * what, with which parameters, what left, and the privacy spent. Verify each with `verifyReceipt`.
 *
 * @example
 * const receipts = await listReceipts(owner, { dataset: datatoken })
 */
export async function listReceipts(client: VaultClient, { dataset }: ListReceiptsParameters): Promise<ListReceiptsReturnType> {
  const response = await client.request({
    method: 'GET',
    path: `/v1/receipts?dataset=${dataset.toLowerCase()}`,
    doing: 'listing receipts',
    signed: true,
  })
  return (await readResponse(response, z.looseObject({ receipts: z.array(signedReceiptSchema) }), 'listing receipts')).receipts
}
