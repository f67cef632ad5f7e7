import { bytesToHex, hexToBytes } from 'viem'
import { sealToPublicKey } from '../../keywrap/index.ts'
import { dataKeyContext } from '../keys.ts'
import type { VaultClient } from '../transport.ts'

export type EscrowDataKeyParameters = {
  /** The dataset id (its datatoken address). */
  dataset: `0x${string}`
  /** The 32-byte data key. It is sealed to the node's public key here and never sent open. */
  key: Uint8Array
}
export type EscrowDataKeyErrorType = import('../transport.ts').VaultApiError

/**
 * Seals the dataset's data key to the node's key service (X25519) and escrows it, so jobs with a
 * valid order can be given it. Signed by the owner.
 *
 * @example
 * await escrowDataKey(owner, { dataset: datatoken, key })
 */
export async function escrowDataKey(client: VaultClient, { dataset, key }: EscrowDataKeyParameters): Promise<void> {
  const node = await client.node()
  const sealed = await sealToPublicKey(hexToBytes(node.encryptionPublicKey), key, {
    context: dataKeyContext({ chainId: node.chainId, datasetId: dataset }),
  })
  await client.request({
    method: 'PUT',
    path: `/v1/datasets/${dataset.toLowerCase()}/key`,
    doing: 'escrowing the data key',
    json: { sealedKey: bytesToHex(sealed) },
    signed: true,
  })
}
