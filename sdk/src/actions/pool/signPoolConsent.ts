import type { Address, Hex } from 'viem'
import { getChainId, readContract, signTypedData } from 'viem/actions'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { contributionConsentTypedData, type PoolContribution } from '@datavault/contracts/pool'
import { ChainArgumentError, type ChainReadError } from '../../chain/errors.ts'
import type { AccountClient } from '../../chain/transact.ts'
import { read } from '../../pool/internal.ts'

/** A data owner's signed consent to add a dataset to a pool; anyone may relay it with `joinPool`. */
export type PoolConsent = {
  /** The signer: the dataset's data NFT owner, who gets the shares. */
  member: Address
  /** Unix seconds after which the pool refuses it. */
  deadline: bigint
  signature: Hex
}

export type SignPoolConsentParameters = {
  /** The DataPool. */
  pool: Address
  contribution: PoolContribution
  /** Unix seconds the consent stays valid until; one day from now by default. */
  deadline?: bigint | undefined
}

export type SignPoolConsentReturnType = PoolConsent

export type SignPoolConsentErrorType = ChainReadError | ChainArgumentError

/**
 * Signs, as the data owner (the client's account, which must own the dataset's data NFT), the
 * EIP-712 consent to add a dataset to a pool. The consent names the pool and the owner's next
 * nonce there, so it is good for that pool, once. Nothing is sent.
 *
 * @example
 * const consent = await signPoolConsent(ownerWallet, { pool, contribution: { datatoken, cid, keyEscrow, rows: 3000n } })
 * await joinPool(relayerWallet, { pool, contribution, consent })
 */
export async function signPoolConsent(client: AccountClient, parameters: SignPoolConsentParameters): Promise<SignPoolConsentReturnType> {
  const { pool, contribution, deadline = BigInt(Math.floor(Date.now() / 1000) + 86_400) } = parameters
  if (deadline <= BigInt(Math.floor(Date.now() / 1000))) throw new ChainArgumentError('The consent deadline is in the past.')
  const member = client.account.address
  const [chainId, nonce] = await Promise.all([
    client.chain?.id ?? read('reading the chain id', getChainId(client)),
    read(`reading the consent nonce of ${member} on ${pool}`, readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'nonces', args: [member] })),
  ])
  const signature = await signTypedData(client, { account: client.account, ...contributionConsentTypedData({ chainId, pool, contribution, member, nonce, deadline }) })
  return { member, deadline, signature }
}
