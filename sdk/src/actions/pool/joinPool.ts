import type { Address, Hash } from 'viem'
import { isHex, maxUint64, parseEventLogs, size, stringToBytes, zeroHash } from 'viem'
import { dataPoolAbi } from '@datavault/contracts/abis'
import type { PoolContribution } from '@datavault/contracts/pool'
import { ChainArgumentError, ChainEventNotFoundError, type ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'
import type { PoolConsent } from './signPoolConsent.ts'

export type JoinPoolParameters = {
  /** The DataPool. */
  pool: Address
  /** The dataset: its datatoken (id), ciphertext CID, key escrow digest, rows. */
  contribution: PoolContribution
  /**
   * The owner's signed consent ({@link signPoolConsent}); the client then only relays it. Without
   * it, the client's account must own the dataset's data NFT (sending is the consent).
   */
  consent?: PoolConsent | undefined
}

export type JoinPoolReturnType = {
  txHash: Hash
  blockNumber: bigint
  gasUsed: bigint
  /** Who got (or will get) the shares: the data NFT's owner. */
  member: Address
  /** `active`: accepted at once (open admission); `pending`: waits for the members' vote (`acceptDataset`). */
  status: 'active' | 'pending'
  /** Shares minted now (0 while pending). */
  shares: bigint
}

export type JoinPoolErrorType = ChainTransactionError | ChainArgumentError | ChainEventNotFoundError

/**
 * Adds a dataset to a pool with its owner's consent: `contribute` from the owner, or
 * `contributeWithConsent` relaying a signed consent. In an open pool the dataset is accepted and
 * its shares minted at once; otherwise it waits for governance. Reverts name the reason
 * (`NotDatasetOwner`, `InvalidConsent`, `DatasetAlreadyAdded`, `SharesOverCap`, …).
 *
 * @example
 * const { status, shares } = await joinPool(ownerWallet, { pool, contribution: { datatoken, cid, keyEscrow, rows: 3000n } })
 */
export async function joinPool(client: AccountClient, parameters: JoinPoolParameters): Promise<JoinPoolReturnType> {
  const { pool, contribution, consent } = parameters
  checkContribution(contribution)
  const receipt = consent
    ? await writeAndConfirm(client, 'contributeWithConsent', {
        address: pool,
        abi: dataPoolAbi,
        functionName: 'contributeWithConsent',
        args: [contribution, consent.member, consent.deadline, consent.signature],
      })
    : await writeAndConfirm(client, 'contribute', { address: pool, abi: dataPoolAbi, functionName: 'contribute', args: [contribution] })
  const contributed = parseEventLogs({ abi: dataPoolAbi, eventName: 'DatasetContributed', logs: receipt.logs })[0]
  if (!contributed) throw new ChainEventNotFoundError({ action: 'contribute', event: 'DatasetContributed', txHash: receipt.transactionHash })
  const accepted = parseEventLogs({ abi: dataPoolAbi, eventName: 'DatasetAccepted', logs: receipt.logs })[0]
  return {
    txHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    member: contributed.args.member,
    status: accepted ? 'active' : 'pending',
    shares: accepted?.args.shares ?? 0n,
  }
}

function checkContribution({ cid, keyEscrow, rows }: PoolContribution): void {
  const cidBytes = stringToBytes(cid).length
  if (cidBytes === 0 || cidBytes > 256) throw new ChainArgumentError('The CID must be 1 to 256 bytes.')
  if (!isHex(keyEscrow) || size(keyEscrow) !== 32 || keyEscrow === zeroHash) throw new ChainArgumentError('The key escrow digest must be a non-zero 32-byte hex.')
  if (rows < 0n || rows > maxUint64) throw new ChainArgumentError('Rows must be 0 to 2^64 - 1.')
}
