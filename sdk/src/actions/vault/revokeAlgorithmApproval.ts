import type { VaultClient } from '../../api/transport.ts'
import { sendHolderApprovals } from './holderApprovals.ts'
import { z } from 'zod'
import { readResponse } from '../../api/response.ts'

export type RevokeAlgorithmApprovalParameters = { dataset: `0x${string}`; hash: `0x${string}` }
export type RevokeAlgorithmApprovalReturnType = { revoked: number }
/** What `revokeAlgorithmApproval` may throw. */
export type RevokeAlgorithmApprovalErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * The dataset's owner withdraws every approval of a custom algorithm on their dataset: later jobs
 * of it wait for approval again (jobs already running finish); at the node and at each of the
 * dataset's other key holders.
 *
 * @example
 * await revokeAlgorithmApproval(owner, { dataset, hash })
 */
export async function revokeAlgorithmApproval(
  client: VaultClient,
  { dataset, hash }: RevokeAlgorithmApprovalParameters,
): Promise<RevokeAlgorithmApprovalReturnType> {
  const response = await client.request({
    method: 'DELETE',
    path: `/v1/datasets/${dataset.toLowerCase()}/approvals/${hash.toLowerCase()}`,
    doing: 'withdrawing an algorithm approval',
    signed: true,
  })
  const revoked = await readResponse(response, z.looseObject({ revoked: z.number() }), 'withdrawing an algorithm approval')
  await sendHolderApprovals(client, { dataset, hash, approved: false })
  return revoked
}
