// Internal helpers shared by the chain actions (not exported from the SDK).
import type { Abi, Account, Address, Chain, Client, ContractFunctionArgs, ContractFunctionName, Hash, TransactionReceipt, Transport } from 'viem'
import { erc20Abi } from 'viem'
import { readContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { ChainTransactionError } from './errors.ts'

/** A viem client that can sign: a wallet client with an account (JSON-RPC or local). */
export type AccountClient = Client<Transport, Chain | undefined, Account>

/**
 * Sends a contract write as `action`, waits for its receipt, and throws a
 * {@link ChainTransactionError} if anything fails or the transaction reverts.
 */
export async function writeAndConfirm<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
  const args extends ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
>(client: AccountClient, action: string, request: { address: Address; abi: abi; functionName: functionName; args: args }): Promise<TransactionReceipt> {
  let hash: Hash
  try {
    hash = await writeContract(client, { ...request, account: client.account, chain: client.chain ?? null } as never)
  } catch (error) {
    throw ChainTransactionError.from(action, error)
  }
  let receipt: TransactionReceipt
  try {
    receipt = await waitForTransactionReceipt(client, { hash })
  } catch (error) {
    throw ChainTransactionError.from(action, error)
  }
  if (receipt.status !== 'success') throw new ChainTransactionError({ action, failure: 'reverted', txHash: hash })
  return receipt
}

/** Approves `spender` for `amount` of `token` unless the allowance already covers it; returns the approval receipt if one was sent. */
export async function ensureAllowance(
  client: AccountClient,
  { token, spender, amount }: { token: Address; spender: Address; amount: bigint },
): Promise<TransactionReceipt | undefined> {
  if (amount === 0n) return undefined
  const allowance = await readContract(client, { address: token, abi: erc20Abi, functionName: 'allowance', args: [client.account.address, spender] }).catch((error: unknown) => {
    throw ChainTransactionError.from('allowance', error)
  })
  if (allowance >= amount) return undefined
  return writeAndConfirm(client, 'approve', { address: token, abi: erc20Abi, functionName: 'approve', args: [spender, amount] })
}
