import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient, WriteContractErrorType, ReadContractErrorType } from 'viem'
import { receiptRegistryAbi } from '@datavault/contracts/abis'

export type AnchorReceiptParameters = {
  /** The ReceiptRegistry address (`addresses.ReceiptRegistry`). */
  registry: Address
  /** The receipt's hash (`SignedReceipt.hash`). */
  hash: Hex
}
export type AnchorReceiptReturnType = { txHash: Hex }
export type AnchorReceiptErrorType = WriteContractErrorType

export type GetReceiptAnchorParameters = { registry: Address; node: Address; hash: Hex }
export type GetReceiptAnchorReturnType = Date | undefined
export type GetReceiptAnchorErrorType = ReadContractErrorType

/**
 * Anchors a receipt hash on chain from the node's wallet: a public, timestamped record that this
 * node vouched for the receipt (no receipt content goes on chain). Anchors are per node.
 *
 * @example
 * await anchorReceipt(nodeWallet, { registry: addresses.ReceiptRegistry, hash: receipt.hash })
 */
export async function anchorReceipt(
  client: WalletClient<Transport, Chain | undefined, Account>,
  { registry, hash }: AnchorReceiptParameters,
): Promise<AnchorReceiptReturnType> {
  const txHash = await client.writeContract({
    address: registry,
    abi: receiptRegistryAbi,
    functionName: 'anchor',
    args: [hash],
    chain: client.chain ?? null,
    account: client.account,
  })
  return { txHash }
}

/**
 * When `node` anchored a receipt hash, as a `Date`, or `undefined` when it never did.
 *
 * @example
 * const at = await getReceiptAnchor(publicClient, { registry, node: receipt.node, hash: receipt.hash })
 */
export async function getReceiptAnchor(
  client: PublicClient,
  { registry, node, hash }: GetReceiptAnchorParameters,
): Promise<GetReceiptAnchorReturnType> {
  const timestamp = await client.readContract({ address: registry, abi: receiptRegistryAbi, functionName: 'anchorOf', args: [node, hash] })
  return timestamp === 0n ? undefined : new Date(Number(timestamp) * 1000)
}
