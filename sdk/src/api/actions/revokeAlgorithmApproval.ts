import type { VaultClient } from '../transport.ts'

export type RevokeAlgorithmApprovalParameters = { dataset: `0x${string}`; hash: `0x${string}` }
export type RevokeAlgorithmApprovalReturnType = { revoked: number }

/**
 * The dataset's owner withdraws every approval of a custom algorithm on their dataset: later jobs
 * of it wait for approval again (jobs already running finish).
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
  return (await response.json()) as RevokeAlgorithmApprovalReturnType
}
