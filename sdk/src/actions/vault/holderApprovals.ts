// Internal: owners' custom-algorithm approvals reach the dataset's other key holders too, since
// each holder checks, by itself, that the owner allowed what a job runs.
import type { Hex } from 'viem'
import { getDataset } from './getDatasets.ts'
import { AccountRequiredError, type VaultClient, createVaultClient } from '../../api/transport.ts'

/**
 * Sends an owner-signed approval (or its withdrawal) to every key holder of `dataset` other than
 * the node. The node only says where the holders are; each holder checks the owner's signature and
 * data NFT on chain.
 */
export async function sendHolderApprovals(
  client: VaultClient,
  { dataset, hash, terms, approved }: { dataset: `0x${string}`; hash: Hex; terms?: Hex | undefined; approved: boolean },
): Promise<number> {
  const view = await getDataset(client, { id: dataset })
  const holders = view.keyHolders ?? []
  if (holders.length === 0) return 0
  const account = client.account
  if (!account) throw new AccountRequiredError('approving an algorithm')
  await Promise.all(
    holders.map((holder) =>
      createVaultClient({ url: holder.url, account }).request({
        method: 'PUT',
        path: `/v1/holder/approvals/${dataset.toLowerCase()}`,
        doing: `${approved ? 'giving' : 'withdrawing'} an algorithm approval at key holder ${holder.address}`,
        json: { hash, ...(terms ? { terms } : {}), approved },
        signed: true,
      }),
    ),
  )
  return holders.length
}
