// The client every action takes, and what actions need of it. Actions import this module, never
// createDataVaultClient.ts (which imports every action to bind them): no import circle.
import { type Address, type Chain, type LocalAccount, type PublicClient, type Transport, type WalletClient, createPublicClient, createWalletClient, http } from 'viem'
import type { OceanAddresses } from '@datavault/contracts'
import type { NodeInfo } from '../api/schemas.ts'
import { AccountRequiredError, type VaultClient, createVaultClient } from '../api/transport.ts'
import { rpcChain } from '../chain/rpcChain.ts'
import { AddressesRequiredError, ChainMismatchError } from './errors.ts'

/** This chain's Ocean (and datavault) contract addresses, as an addresses file or `datavault dev` lists them. */
export type DataVaultAddresses = Pick<OceanAddresses, 'ERC721Factory' | 'FixedPrice' | 'Dispenser' | 'Ocean'> & {
  ReceiptRegistry?: Address | undefined
}

/** A chain: a viem `Chain`, or just its JSON-RPC URL and id. */
export type DataVaultChain = Chain | { rpcUrl: string; chainId: number; name?: string | undefined }

export type CreateDataVaultClientParameters = {
  /** The vault node's URL, e.g. `http://127.0.0.1:8700`. */
  node: string
  /** The chain the node's datatokens live on. */
  chain: DataVaultChain
  /** The wallet that signs requests and transactions (`privateKeyToAccount(key)`); read-only without. */
  account?: LocalAccount | undefined
  /** Ocean contract addresses; only publishing needs them, and the node's `GET /v1/node` may serve them. */
  addresses?: DataVaultAddresses | undefined
  /** The chain transport; `http(rpcUrl)` by default. */
  transport?: Transport | undefined
  /** How often to poll (jobs, transaction receipts), in ms; 250 by default. */
  pollingInterval?: number | undefined
  /** The `fetch` the vault client uses. */
  fetch?: typeof globalThis.fetch | undefined
}

/**
 * What every datavault action gets: the vault node's client, a viem public client and, with an
 * account, a wallet client on the same chain. Extended clients are assignable to it.
 */
export type DataVaultBaseClient = {
  /** The node's API client (signs requests with `account`). */
  vault: VaultClient
  /** Reads the chain. */
  public: PublicClient<Transport, Chain>
  /** Sends transactions from `account`; undefined for a read-only client. */
  wallet: WalletClient<Transport, Chain, LocalAccount> | undefined
  account: LocalAccount | undefined
  chain: Chain
  pollingInterval: number
  /** This chain's Ocean contract addresses: those given, else the node's. */
  addresses(): Promise<DataVaultAddresses>
}

/** The client without bound actions (what `extend` starts from). */
export function createDataVaultBaseClient({
  node,
  chain: chainParameter,
  account,
  addresses,
  transport,
  pollingInterval = 250,
  fetch,
}: CreateDataVaultClientParameters): DataVaultBaseClient {
  const chain = 'rpcUrl' in chainParameter ? rpcChain({ chainId: chainParameter.chainId, rpcUrl: chainParameter.rpcUrl, name: chainParameter.name }) : chainParameter
  const chainTransport = transport ?? http(chain.rpcUrls.default.http[0])
  const vault = createVaultClient({ url: node, ...(account ? { account } : {}), ...(fetch ? { fetch } : {}) })
  const publicClient = createPublicClient({ chain, transport: chainTransport, pollingInterval }) as PublicClient<Transport, Chain>
  const wallet = account ? createWalletClient({ account, chain, transport: chainTransport, pollingInterval }) : undefined
  return {
    vault,
    public: publicClient,
    wallet,
    account,
    chain,
    pollingInterval,
    async addresses() {
      if (addresses) return addresses
      const served = ((await vault.node()) as NodeInfo & { addresses?: DataVaultAddresses }).addresses
      if (!served) throw new AddressesRequiredError('publishing')
      return served
    },
  }
}

/** The wallet client, or `AccountRequiredError` naming what needed it. */
export function requireWallet(client: DataVaultBaseClient, doing: string): WalletClient<Transport, Chain, LocalAccount> {
  if (!client.wallet) throw new AccountRequiredError(doing)
  return client.wallet
}

/** Throws `ChainMismatchError` when the node is on another chain than the client (checked before spending anything). */
export async function assertSameChain(client: DataVaultBaseClient): Promise<void> {
  const { chainId } = await client.vault.node()
  if (chainId !== client.chain.id) throw new ChainMismatchError({ node: chainId, client: client.chain.id })
}
