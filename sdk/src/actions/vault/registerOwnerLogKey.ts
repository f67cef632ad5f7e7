import { bytesToHex } from 'viem'
import type { VaultClient } from '../../api/transport.ts'
import { AccountRequiredError } from '../../api/transport.ts'
import { readResponse } from '../../api/response.ts'
import { registerOwnerLogKeyBodySchema } from '../../api/schemas.ts'
import { deriveOwnerLogKey } from '../../ownerlog/deriveOwnerLogKey.ts'

export type RegisterOwnerLogKeyParameters = Record<string, never>
export type RegisterOwnerLogKeyReturnType = {
  /** The X25519 public key the node now seals this wallet's job logs to (0x hex). */
  publicKey: `0x${string}`
}
export type RegisterOwnerLogKeyErrorType = import('../../api/response.ts').VaultRequestErrorType | AccountRequiredError

/**
 * A dataset owner registers its owner log key with the node: the public half of the key derived
 * from the wallet's signature of a fixed message (`deriveOwnerLogKey`). The node seals each later
 * job's program log to it and stores nothing else; a job that ends while the owner has no key
 * keeps no log. `approveJob` sends it too. Idempotent.
 *
 * @example
 * await registerOwnerLogKey(owner, {})
 */
export async function registerOwnerLogKey(client: VaultClient, _params: RegisterOwnerLogKeyParameters = {}): Promise<RegisterOwnerLogKeyReturnType> {
  if (!client.account) throw new AccountRequiredError('registering an owner log key')
  const { publicKey } = await deriveOwnerLogKey(client.account)
  const response = await client.request({
    method: 'PUT',
    path: '/v1/owner/log-key',
    doing: 'registering an owner log key',
    json: { publicKey: bytesToHex(publicKey) },
    signed: true,
  })
  const answer = await readResponse(response, registerOwnerLogKeyBodySchema, 'registering an owner log key')
  return { publicKey: answer.publicKey as `0x${string}` }
}
