import { KeyReleaseError } from '../key-service.ts'
import { datatokenAccessConditions, litChainName } from './conditions.ts'
import { type LitClient, classifyLitFailure, safeLitCause } from './lit-client.ts'
import type { LitEscrow } from './lit-key-service.ts'

/** What {@link encryptDataKeyWithLit} needs. */
export type EncryptDataKeyWithLitParameters = {
  /** A Lit client the owner has connected (`await client.connect()`). */
  litClient: Pick<LitClient, 'encrypt'>
  /** The dataset's 32-byte data key. Read, never kept or sent open. */
  dataKey: Uint8Array
  /** The dataset's datatoken. */
  datatoken: string
  /** The chain of the datatoken, as an EVM chain id. */
  chainId: number
  /** The compute node's wallet (`GET /v1/node`'s `address`): the only caller the conditions let decrypt. */
  node: string
  /** Least datatoken balance the node must hold, wei; one datatoken by default (must match the node's setting). */
  minimum?: bigint | undefined
}

/** The escrow payload the Lit key backend takes. */
export type EncryptDataKeyWithLitReturnType = LitEscrow

/**
 * The owner's side of the Lit key backend: encrypts a dataset's data key to Lit's network under
 * the dataset's conditions (the node holds ≥ 1 datatoken and is the caller) and returns the
 * escrow payload to send to the node. Lit fixes the conditions now: to change the node, the
 * datatoken or the minimum, encrypt again and escrow the new payload.
 *
 * @example
 * const escrow = await encryptDataKeyWithLit({ litClient, dataKey, datatoken, chainId: 137, node: nodeInfo.address })
 * await keys.escrow({ dataset, escrow }) // on the node, via its API
 */
export async function encryptDataKeyWithLit({ litClient, dataKey, datatoken, chainId, node, minimum }: EncryptDataKeyWithLitParameters): Promise<EncryptDataKeyWithLitReturnType> {
  if (!(dataKey instanceof Uint8Array) || dataKey.byteLength !== 32)
    throw new KeyReleaseError('A data key must be 32 bytes.', { code: 'LIT_ARGUMENT_INVALID', status: 400 })
  const unifiedAccessControlConditions = datatokenAccessConditions({ datatoken, chainId, node, minimum })
  // Lit hashes the plaintext it is given; a copy keeps the caller's key out of its reach afterwards.
  const dataToEncrypt = new Uint8Array(dataKey)
  try {
    const { ciphertext, dataToEncryptHash } = await litClient.encrypt({ unifiedAccessControlConditions, dataToEncrypt })
    return { ciphertext, dataToEncryptHash, unifiedAccessControlConditions, chain: litChainName(chainId) }
  } catch (error) {
    // Lit's errors can carry their parameters (the key among them): only names and codes go on.
    if (classifyLitFailure(error) === 'unreachable')
      throw new KeyReleaseError('The Lit client is not connected to its network.', { code: 'LIT_UNREACHABLE', status: 503, cause: safeLitCause(error) })
    throw new KeyReleaseError('Lit could not encrypt the data key.', { code: 'LIT_REQUEST_FAILED', status: 502, cause: safeLitCause(error) })
  } finally {
    dataToEncrypt.fill(0)
  }
}
