import type { Hex } from 'viem'
import { z } from 'zod'
import { readResponse } from '../../api/response.ts'
import type { VaultClient } from '../../api/transport.ts'

const hex = z.custom<`0x${string}`>((value) => typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value), 'must be 0x-prefixed hex')
const decimal = z.string().regex(/^\d+$/, 'must be a decimal integer')
const providerFeeSchema = z.looseObject({
  providerFeeAddress: hex,
  providerFeeToken: hex,
  providerFeeAmount: decimal,
  providerData: hex,
  v: z.number().int(),
  r: hex,
  s: hex,
  validUntil: decimal,
})

export type GetProviderFeeParameters = { dataset: `0x${string}`; consumer: `0x${string}` }
/** The provider fee the node signed, ready for `startOrder`. */
export type GetProviderFeeReturnType = {
  providerFeeAddress: `0x${string}`
  providerFeeToken: `0x${string}`
  providerFeeAmount: bigint
  providerData: Hex
  v: number
  r: Hex
  s: Hex
  validUntil: bigint
}
/** What `getProviderFee` may throw. */
export type GetProviderFeeErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Asks the node for the provider fee an order of this dataset must carry (the node is the
 * provider; the fee is zero by default but must be signed).
 *
 * @example
 * const providerFee = await getProviderFee(buyer, { dataset, consumer: account.address })
 */
export async function getProviderFee(client: VaultClient, { dataset, consumer }: GetProviderFeeParameters): Promise<GetProviderFeeReturnType> {
  const response = await client.request({
    method: 'GET',
    path: `/v1/datasets/${dataset.toLowerCase()}/provider-fee?consumer=${consumer.toLowerCase()}`,
    doing: 'getting the provider fee',
  })
  const fee = await readResponse(response, providerFeeSchema, 'getting the provider fee')
  return { ...fee, providerFeeAmount: BigInt(fee.providerFeeAmount), validUntil: BigInt(fee.validUntil) }
}
