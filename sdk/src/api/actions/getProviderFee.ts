import type { Hex } from 'viem'
import type { VaultClient } from '../transport.ts'

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
  const fee = (await response.json()) as Omit<GetProviderFeeReturnType, 'providerFeeAmount' | 'validUntil'> & {
    providerFeeAmount: string
    validUntil: string
  }
  return { ...fee, providerFeeAmount: BigInt(fee.providerFeeAmount), validUntil: BigInt(fee.validUntil) }
}
