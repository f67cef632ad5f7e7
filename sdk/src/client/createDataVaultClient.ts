import { type CreateDataVaultClientParameters, type DataVaultBaseClient, createDataVaultBaseClient } from './baseClient.ts'
import { type DataVaultActions, dataVaultActions } from './decorators.ts'

export {
  type CreateDataVaultClientParameters,
  type DataVaultAddresses,
  type DataVaultBaseClient,
  type DataVaultChain,
  assertSameChain,
  createDataVaultBaseClient,
  requireWallet,
} from './baseClient.ts'

/** A client that `extend` can add actions to, viem-style. */
export type Extendable<client> = client & {
  /**
   * Returns a new client with the actions `fn` makes from this one added.
   *
   * @example
   * const client = createDataVaultClient({ … }).extend((c) => ({ myDatasets: () => c.searchDatasets({ owner: c.account!.address }) }))
   */
  extend<const extension extends Record<string, unknown>>(fn: (client: client) => extension): Extendable<Omit<client, keyof extension> & extension>
}

/** `createDataVaultClient`'s result: the base client with every action bound. */
export type DataVaultClient = Extendable<DataVaultBaseClient & DataVaultActions>

/**
 * Creates a client of one vault node and its chain, with every action bound: the buyer's
 * (`searchDatasets`, `orderDataset`, `submitJob`, `watchJob`, `downloadResult`…) and the owner's
 * (`publishDataset`, `earnings`, `listReceipts`, `approveAlgorithm`…). Actions are also exported
 * as functions that take the client first.
 *
 * @example
 * const client = createDataVaultClient({
 *   node: 'http://127.0.0.1:8700',
 *   chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 8996 },
 *   account: privateKeyToAccount(key),
 * })
 * const [dataset] = await client.searchDatasets({ text: 'heart', trainer: 'logistic-regression' })
 */
export function createDataVaultClient(parameters: CreateDataVaultClientParameters): DataVaultClient {
  const base = createDataVaultBaseClient(parameters)
  return extendable(base).extend(dataVaultActions) as DataVaultClient
}

/** Adds `extend` to a client. */
function extendable<client extends object>(client: client): Extendable<client> {
  return Object.assign(client, {
    extend(fn: (client: client) => Record<string, unknown>) {
      return extendable({ ...client, ...fn(client) })
    },
  }) as Extendable<client>
}
