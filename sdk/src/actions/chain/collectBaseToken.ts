import type { Address, Hash, Hex } from 'viem'
import { readContract } from 'viem/actions'
import { erc20TemplateAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { ChainReadError, type ChainTransactionError } from '../../chain/errors.ts'
import { type AccountClient, writeAndConfirm } from '../../chain/transact.ts'

export type CollectBaseTokenParameters = {
  datatoken: Address
}

/** What one exchange paid out. */
export type CollectedExchange = {
  exchange: Address
  exchangeId: Hex
  baseToken: Address
  /** Base token sent to the datatoken's payment collector (smallest units). */
  amount: bigint
  txHash: Hash
}

export type CollectBaseTokenReturnType = {
  /** Where the base token went: the datatoken's payment collector (the publisher by default). */
  paymentCollector: Address
  /** One entry per exchange that held something; empty when nothing was waiting. */
  collected: CollectedExchange[]
}

export type CollectBaseTokenErrorType = ChainTransactionError | ChainReadError

/**
 * Collects the base token buyers paid that waits on a datatoken's FixedRateExchanges: calls
 * `collectBT(exchangeId, btBalance)` on each exchange holding some, which sends it to the
 * datatoken's payment collector (never to the caller, so the call is harmless from any wallet).
 * Works on a closed (revoked) exchange too. Sends nothing when nothing waits.
 *
 * @example
 * const { collected } = await collectBaseToken(ownerWallet, { datatoken })
 */
export async function collectBaseToken(client: AccountClient, { datatoken }: CollectBaseTokenParameters): Promise<CollectBaseTokenReturnType> {
  const doing = `reading what waits on the exchanges of ${datatoken}`
  const read = <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      throw ChainReadError.from(doing, error)
    })
  const [fixedRates, paymentCollector] = await Promise.all([
    read(readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getFixedRates' })),
    read(readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getPaymentCollector' })),
  ])
  const collected: CollectedExchange[] = []
  for (const { contractAddress: exchange, id: exchangeId } of fixedRates) {
    const state = await read(readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] }))
    const baseToken = state[3]
    const waiting = state[10]
    if (waiting === 0n) continue
    const receipt = await writeAndConfirm(client, 'collectBT', { address: exchange, abi: fixedRateExchangeAbi, functionName: 'collectBT', args: [exchangeId, waiting] })
    collected.push({ exchange, exchangeId, baseToken, amount: waiting, txHash: receipt.transactionHash })
  }
  return { paymentCollector, collected }
}
