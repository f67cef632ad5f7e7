import type { Address, Chain, Client, Hash, Transport } from 'viem'
import { getBalance } from 'viem/actions'
import { ChainTransactionError, DevFundsUnavailableError } from '../../chain/errors.ts'
import { isDevChain } from './isDevChain.ts'

/** Test ETH a dev wallet gets by default: 10 ETH, enough for hundreds of publications on the dev chain. */
export const devFundsAmount = 10n * 10n ** 18n

export type FundFromDevChainParameters = {
  /** Who gets the test ETH. */
  address: Address
  /** In wei; default {@link devFundsAmount}. */
  amount?: bigint | undefined
}
export type FundFromDevChainReturnType = {
  address: Address
  /** Wei added. */
  added: bigint
  /** The address's balance after it, in wei. */
  balance: bigint
  /** The dev chain's transaction that sent it. */
  txHash: Hash
}
export type FundFromDevChainErrorType = DevFundsUnavailableError | ChainTransactionError

/**
 * Test ETH for a wallet on the local dev chain (`datavault dev`): one of the chain's funded test
 * accounts (the last) sends `amount` to `address`, as a real transaction, which a persistent dev
 * stack journals and replays (a balance set with `hardhat_setBalance` would be lost at its
 * restart). On any chain that is not a local dev chain ({@link isDevChain}) it throws
 * {@link DevFundsUnavailableError} having asked nothing but `hardhat_metadata`. The CLI's
 * `datavault fund` and the extension's "Get 10 test ETH" button both use it.
 *
 * @example
 * const { balance } = await fundFromDevChain(createPublicClient({ transport: http('http://127.0.0.1:8545') }), { address })
 */
export async function fundFromDevChain(
  client: Client<Transport, Chain | undefined>,
  { address, amount = devFundsAmount }: FundFromDevChainParameters,
): Promise<FundFromDevChainReturnType> {
  const url = (client.transport as { url?: unknown }).url
  if (!(await isDevChain(client))) throw new DevFundsUnavailableError({ url: typeof url === 'string' ? url : undefined })
  try {
    const request = client.request as unknown as (args: { method: string; params: unknown[] }) => Promise<unknown>
    const accounts = (await request({ method: 'eth_accounts', params: [] })) as Address[]
    const from = accounts.at(-1)
    if (from === undefined) throw new DevFundsUnavailableError({ url: typeof url === 'string' ? url : undefined })
    // The dev chain mines each transaction as it arrives: the balance read after it includes it.
    const txHash = (await request({ method: 'eth_sendTransaction', params: [{ from, to: address, value: `0x${amount.toString(16)}` }] })) as Hash
    return { address, added: amount, balance: await getBalance(client, { address }), txHash }
  } catch (error) {
    if (error instanceof DevFundsUnavailableError) throw error
    throw ChainTransactionError.from('test ETH', error)
  }
}
