import { type Address, type Client, type Hex, bytesToHex, hexToBytes, isAddress } from 'viem'
import { readContract } from 'viem/actions'
import { keyHolderRegistryAbi } from '@datavault/contracts/abis'
import { DataVaultError } from '../../errors/base.ts'
import { type KeyEscrowManifest, keyEscrowDomain, keyEscrowTypes, keyShareContext, manifestToJson } from '../../keyshares/format.ts'
import { splitDataKey } from '../../keyshares/splitDataKey.ts'
import { sealToPublicKey } from '../../keywrap/sealToPublicKey.ts'
import { getDataset } from './getDatasets.ts'
import { AccountRequiredError, type VaultClient, createVaultClient } from '../../api/transport.ts'

export type EscrowDataKeyParameters = {
  /** The dataset id (its datatoken address). */
  dataset: `0x${string}`
  /** The 32-byte data key. It is split, and each share sealed to one key holder; never sent open. */
  key: Uint8Array
  /** Reads the KeyHolderRegistry: holders' public keys and URLs come from the chain, not the node. */
  chain: Client
  /** The registered ciphertext's CID and the trainers the policy allows; read from the node when omitted. */
  cid?: string | undefined
  trainers?: string[] | undefined
  /** Override the node's choice of key holders (addresses registered on chain) and threshold. */
  holders?: Address[] | undefined
  threshold?: number | undefined
  /** The KeyHolderRegistry's address; the node's addresses by default. */
  registry?: Address | undefined
  /**
   * Give the manifest to the node at the end (default true). Key rotation passes false and hands
   * the manifest over together with the new ciphertext.
   */
  register?: boolean | undefined
  /** Progress: one event per holder that acknowledged its share. */
  onShare?: ((event: { holder: Address; index: number }) => void) | undefined
}
export type EscrowDataKeyReturnType = { manifest: KeyEscrowManifest; signature: Hex }
export type EscrowDataKeyErrorType = import('../../api/response.ts').VaultRequestErrorType | KeyEscrowError

/** The key escrow could not be set up: no registry, a holder not registered, a holder that refused. */
export class KeyEscrowError extends DataVaultError {
  override name = 'KeyEscrowError'
  constructor(shortMessage: string, { details, cause }: { details?: string; cause?: unknown } = {}) {
    super(shortMessage, { code: 'KEY_ESCROW_FAILED', status: 502, details, cause, expose: true })
  }
}

/**
 * Escrows a dataset's data key with its key holders, t of n: splits the key (Shamir), seals each
 * share to one holder's X25519 key as published on the KeyHolderRegistry, signs a manifest (the
 * CID, the holders, a commitment to every share and to the key, the compute node, the trainers the
 * policy allows), sends each holder its share, and only when every holder has acknowledged gives
 * the manifest to the node. The embedded default is one holder: the node itself.
 *
 * @example
 * await escrowDataKey(owner, { dataset: datatoken, key, chain: publicClient })
 */
export async function escrowDataKey(client: VaultClient, parameters: EscrowDataKeyParameters): Promise<EscrowDataKeyReturnType> {
  const { dataset, key, chain, onShare, register = true } = parameters
  const account = client.account
  if (!account) throw new AccountRequiredError('escrowing a data key')
  const node = await client.node()
  const registry = parameters.registry ?? (node.addresses?.KeyHolderRegistry as Address | undefined)
  if (!registry || !isAddress(registry)) throw new KeyEscrowError('No KeyHolderRegistry is known for this chain; pass `registry`.')
  const holders = (parameters.holders ?? node.keyEscrow?.holders ?? [node.address]).map((holder) => holder.toLowerCase() as Address)
  const threshold = parameters.threshold ?? node.keyEscrow?.threshold ?? 1
  let { cid, trainers } = parameters
  if (cid === undefined || trainers === undefined) {
    const view = await getDataset(client, { id: dataset })
    cid ??= view.cid
    trainers ??= view.policy.trainers
  }

  const registered = await Promise.all(
    holders.map(async (holder) => {
      const [encryptionKey, url, active] = await readContract(chain, { address: registry, abi: keyHolderRegistryAbi, functionName: 'keyHolder', args: [holder] }).catch(
        (cause: unknown) => {
          throw new KeyEscrowError('Could not read the key holders from the chain.', { cause })
        },
      )
      if (!active) throw new KeyEscrowError(`The key holder ${holder} is not registered on the KeyHolderRegistry.`)
      return { holder, encryptionKey, url }
    }),
  )
  const split = await splitDataKey({ dataset, key, threshold, holders: holders.length })
  try {
    const manifest: KeyEscrowManifest = {
      dataset: dataset.toLowerCase() as Address,
      cid,
      threshold,
      holders,
      shareCommitments: split.shareCommitments,
      keyCommitment: split.keyCommitment,
      computeNodes: [node.address.toLowerCase() as Address],
      trainers,
      issuedAt: BigInt(Math.floor(Date.now() / 1000)),
    }
    const signature: Hex = await account.signTypedData({
      domain: keyEscrowDomain({ chainId: node.chainId, registry }),
      types: keyEscrowTypes,
      primaryType: 'KeyEscrow',
      message: manifest,
    })
    const json = manifestToJson(manifest)
    await Promise.all(
      registered.map(async ({ holder, encryptionKey, url }, index) => {
        const sealedShare = await sealToPublicKey(hexToBytes(encryptionKey), split.shares[index] as Uint8Array, {
          context: keyShareContext({ chainId: node.chainId, dataset, holder }),
        })
        // The node is one holder like the others when it is one (same API on its own URL).
        const holderClient = holder === node.address.toLowerCase() ? client : createVaultClient({ url, account })
        await holderClient.request({
          method: 'PUT',
          path: `/v1/holder/shares/${dataset.toLowerCase()}`,
          doing: `escrowing a key share with holder ${holder}`,
          json: { manifest: json, signature, sealedShare: bytesToHex(sealedShare) },
          signed: true,
        })
        onShare?.({ holder, index })
      }),
    )
    if (register)
      await client.request({
        method: 'PUT',
        path: `/v1/datasets/${dataset.toLowerCase()}/key`,
        doing: 'registering the key escrow with the node',
        json: { manifest: json, signature },
        signed: true,
      })
    return { manifest, signature }
  } finally {
    for (const share of split.shares) share.fill(0)
  }
}
