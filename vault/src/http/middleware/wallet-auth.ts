import type { Next } from 'koa'
import type { Address } from 'viem'
import { RequestAuthError, hashRequestBody, unsignedBodyHash, verifyRequestSignature } from '@datavault/sdk'
import type { NonceStore } from '../../db/nonces.ts'
import type { VaultContext } from '../state.ts'
import { readBody } from '../read-body.ts'

/** Options of `walletAuth`. */
export type WalletAuthOptions = {
  chainId: number
  /** The node's address: the EIP-712 domain requests are signed for. */
  node: Address
  nonces: NonceStore
  /** `json`: the body is read (up to `maxBodyBytes`) and must match the signed hash; `stream`: the body is streamed by the handler and must be declared unsigned; `none`: no body. */
  body?: 'json' | 'stream' | 'none'
  maxBodyBytes?: number
}

/**
 * Requires a request signed by a wallet (EIP-712 over method, path, body hash, nonce and expiry),
 * refuses replays by remembering nonces until they expire, and sets `ctx.state.wallet`.
 */
export function walletAuth({ chainId, node, nonces, body = 'none', maxBodyBytes = 1024 * 1024 }: WalletAuthOptions) {
  return async function walletAuthMiddleware(ctx: VaultContext, next: Next) {
    const verified = await verifyRequestSignature({
      chainId,
      node,
      method: ctx.method,
      path: ctx.url,
      headers: ctx.headers,
    })
    if (body === 'stream') {
      if (verified.bodyHash !== unsignedBodyHash.toLowerCase())
        throw new RequestAuthError('Streamed uploads must be signed with the unsigned-body hash.', { code: 'REQUEST_BODY_HASH_MISMATCH' })
    } else {
      const raw = body === 'json' ? await readBody(ctx, maxBodyBytes) : new Uint8Array()
      if (body === 'none' && ctx.request.length) throw new RequestAuthError('This request takes no body.', { code: 'REQUEST_BODY_UNEXPECTED' })
      if (hashRequestBody(raw).toLowerCase() !== verified.bodyHash)
        throw new RequestAuthError('The request body does not match its signature.', { code: 'REQUEST_BODY_HASH_MISMATCH' })
      ctx.state.rawBody = raw
    }
    if (!nonces.use({ address: verified.address, nonce: verified.nonce, expiry: verified.expiry }))
      throw new RequestAuthError('This signed request was already used (replay).', { code: 'REQUEST_REPLAYED' })
    ctx.state.wallet = verified.address.toLowerCase() as Address
    await next()
  }
}
