import type { Address } from 'viem'
import { erc20Abi } from 'viem'
import type { Chain, Client, Transport } from 'viem'
import { readContract } from 'viem/actions'
import { ChainTransactionError } from '../../chain/errors.ts'

export type GetTokenBalanceParameters = {
  /** Any ERC20: the base token (OCEAN) or a datatoken. */
  token: Address
  owner: Address
}

export type GetTokenBalanceReturnType = bigint

export type GetTokenBalanceErrorType = ChainTransactionError

/**
 * Balance of an ERC20 (base token or datatoken) in its smallest units.
 *
 * @example
 * const held = await getTokenBalance(publicClient, { token: datatoken, owner: buyer })
 * if (held < 10n ** 18n) await buyDatatoken(buyerClient, { addresses, datatoken })
 */
export async function getTokenBalance(client: Client<Transport, Chain | undefined>, { token, owner }: GetTokenBalanceParameters): Promise<GetTokenBalanceReturnType> {
  try {
    return await readContract(client, { address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] })
  } catch (error) {
    throw ChainTransactionError.from('balanceOf', error)
  }
}
