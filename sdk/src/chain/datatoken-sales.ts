import type { Address, Chain, Client, Hash, Hex, Transport } from 'viem'
import { readContract } from 'viem/actions'
import { dispenserAbi, erc20TemplateAbi, fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { ChainReadError } from './errors.ts'
import { type AccountClient, writeAndConfirm } from './transact.ts'

/** One sale channel of a datatoken whose state a call changed. */
export type DatatokenSaleChange =
  | { type: 'fixed-rate'; exchange: Address; exchangeId: Hex; txHash: Hash }
  | { type: 'free'; dispenser: Address; txHash: Hash }

/**
 * Reads a datatoken's sale channels, its FixedRateExchanges and its Dispensers, each read through
 * `read` (which turns a failure into the caller's `ChainReadError`). What pricing a datatoken and
 * switching its sales both start from.
 */
export async function readDatatokenSaleChannels(client: Client<Transport, Chain | undefined>, datatoken: Address, read: <T>(promise: Promise<T>) => Promise<T>) {
  return await Promise.all([
    read(readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getFixedRates' })),
    read(readContract(client, { address: datatoken, abi: erc20TemplateAbi, functionName: 'getDispensers' })),
  ])
}

/**
 * Brings every sale channel of a datatoken to `active`: each FixedRateExchange in the other state
 * is toggled (`toggleExchangeState`, at its current rate), each Dispenser is deactivated or
 * re-activated with the limits it had. Channels already in that state are left as they are, so
 * running it again sends nothing. What `closeDatatokenSales` and `reopenDatatokenSales` share.
 */
export async function setDatatokenSalesActive(client: AccountClient, datatoken: Address, active: boolean): Promise<DatatokenSaleChange[]> {
  const doing = `reading how ${datatoken} is sold`
  const read = <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      throw ChainReadError.from(doing, error)
    })
  const [fixedRates, dispensers] = await readDatatokenSaleChannels(client, datatoken, read)
  const changed: DatatokenSaleChange[] = []
  for (const { contractAddress: exchange, id: exchangeId } of fixedRates) {
    const [, , , , , , isActive] = await read(readContract(client, { address: exchange, abi: fixedRateExchangeAbi, functionName: 'getExchange', args: [exchangeId] }))
    if (isActive === active) continue
    const receipt = await writeAndConfirm(client, 'toggleExchangeState', { address: exchange, abi: fixedRateExchangeAbi, functionName: 'toggleExchangeState', args: [exchangeId] })
    changed.push({ type: 'fixed-rate', exchange, exchangeId, txHash: receipt.transactionHash })
  }
  for (const dispenser of dispensers) {
    const [isActive, , , maxTokens, maxBalance] = await read(readContract(client, { address: dispenser, abi: dispenserAbi, functionName: 'status', args: [datatoken] }))
    if (isActive === active) continue
    const receipt = active
      ? await writeAndConfirm(client, 'activate', { address: dispenser, abi: dispenserAbi, functionName: 'activate', args: [datatoken, maxTokens, maxBalance] })
      : await writeAndConfirm(client, 'deactivate', { address: dispenser, abi: dispenserAbi, functionName: 'deactivate', args: [datatoken] })
    changed.push({ type: 'free', dispenser, txHash: receipt.transactionHash })
  }
  return changed
}
