import Router from '@koa/router'
import { type Address, bytesToHex, hexToBytes } from 'viem'
import { z } from 'zod'
import { addressSchema, signedJobTicketSchema, signedKeyEscrowSchema } from '@datavault/sdk'
import { walletAuth } from '../http/middleware/wallet-auth.ts'
import { parseJsonBody, parseParam, readBody } from '../http/read-body.ts'
import type { VaultState } from '../http/state.ts'
import type { NonceStore } from '../db/nonces.ts'
import { type KeyHolder, KeyHolderError } from './key-holder.ts'
import type { HeDecryptor } from './he-decryptor.ts'

/** Largest HE release request: 90 result ciphertexts at N = 16384 (≈ 1 MiB each, uncompressed bound), the manifest and the sealed key. */
export const heReleaseMaxBodyBytes = 128 * 1024 ** 2

const hex = (max: number) => z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'hex bytes').max(2 + max * 2)
const escrowShareBodySchema = signedKeyEscrowSchema.extend({ sealedShare: hex(512) })
const approvalBodySchema = z.object({
  hash: z.string().regex(/^0x[0-9a-fA-F]{64}$/).transform((value) => value.toLowerCase() as `0x${string}`),
  terms: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/)
    .transform((value) => value.toLowerCase() as `0x${string}`)
    .optional(),
  approved: z.boolean(),
})

/** What `GET /v1/holder` answers. */
export type KeyHolderInfo = { address: Address; encryptionPublicKey: `0x${string}`; chainId: number; registry: Address; shares: number }

/**
 * The key holder's API, served by a `datavault keyholder` and by a node that is one:
 * `GET /v1/holder`, `PUT|DELETE /v1/holder/shares/:dataset` (the dataset's owner, signed),
 * `PUT /v1/holder/approvals/:dataset` (the owner, signed) and `POST /v1/holder/releases` (a job
 * ticket signed by a compute node: the ticket is the authentication, with its own expiry and nonce),
 * and, on a holder that decrypts HE results, `POST /v1/holder/he-releases` (a binary release
 * request: the job's tickets, the owner-signed manifest, the sealed key and the result
 * ciphertexts; the answer is the noised aggregates only).
 */
export function keyHolderRoutes({
  holder,
  chainId,
  registry,
  nonces,
  decryptor,
}: {
  holder: KeyHolder
  chainId: number
  registry: Address
  nonces: NonceStore
  /** Set on a standalone key holder: it decrypts HE results. A compute node that is a holder never does. */
  decryptor?: HeDecryptor | undefined
}) {
  const router = new Router<VaultState>()
  const signed = (body: 'json' | 'none') => walletAuth({ chainId, node: holder.address, nonces, body, maxBodyBytes: 64 * 1024 })

  router.get('/v1/holder', (ctx) => {
    const info: KeyHolderInfo = { address: holder.address, encryptionPublicKey: bytesToHex(holder.encryptionPublicKey), chainId, registry, shares: holder.datasets().length }
    ctx.body = info
  })

  router.put('/v1/holder/shares/:dataset', signed('json'), async (ctx) => {
    const dataset = parseParam(addressSchema, ctx.params.dataset, 'dataset')
    const body = parseJsonBody(ctx, escrowShareBodySchema)
    if (body.manifest.dataset !== dataset.toLowerCase())
      throw new KeyHolderError('The manifest is for another dataset than the path names.', { code: 'MANIFEST_DATASET_MISMATCH', status: 400 })
    const { index } = await holder.escrow({
      owner: ctx.state.wallet as Address,
      manifest: body.manifest,
      signature: body.signature,
      sealedShare: hexToBytes(body.sealedShare as `0x${string}`),
    })
    ctx.status = 201
    ctx.body = { index }
  })

  router.delete('/v1/holder/shares/:dataset', signed('none'), async (ctx) => {
    const dataset = parseParam(addressSchema, ctx.params.dataset, 'dataset')
    const deleted = await holder.deleteShare({ dataset, owner: ctx.state.wallet as Address })
    ctx.body = { deleted }
  })

  router.put('/v1/holder/approvals/:dataset', signed('json'), async (ctx) => {
    const dataset = parseParam(addressSchema, ctx.params.dataset, 'dataset')
    const body = parseJsonBody(ctx, approvalBodySchema)
    await holder.setApproval({ owner: ctx.state.wallet as Address, dataset, ...body })
    ctx.status = 204
  })

  router.post('/v1/holder/releases', async (ctx) => {
    ctx.state.rawBody = await readBody(ctx, 16 * 1024)
    const { ticket, signature } = parseJsonBody(ctx, signedJobTicketSchema)
    const released = await holder.release({ ticket, signature })
    ctx.body = { index: released.index, sealedShare: bytesToHex(released.sealedShare) }
  })

  if (decryptor)
    router.post('/v1/holder/he-releases', async (ctx) => {
      const body = await readBody(ctx, heReleaseMaxBodyBytes)
      ctx.body = await decryptor.release(body)
    })
  return router
}
