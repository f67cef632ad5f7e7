import type { Address, Hex, LocalAccount } from 'viem'
import { encodePacked, isAddressEqual, keccak256, parseSignature, zeroAddress } from 'viem'
import { ChainArgumentError } from './errors.ts'

/** The provider-fee struct `startOrder` takes, signed by the provider (the compute node). */
export type ProviderFee = {
  providerFeeAddress: Address
  providerFeeToken: Address
  providerFeeAmount: bigint
  v: number
  r: Hex
  s: Hex
  /** Unix seconds after which the fee may no longer be used; 0 = no limit. */
  validUntil: bigint
  providerData: Hex
}

export type SignProviderFeeParameters = {
  /** Who receives the fee and must be the signer; defaults to the account's address. */
  providerFeeAddress?: Address | undefined
  /** Token the fee is paid in; the zero address (with amount 0) for no fee. */
  providerFeeToken?: Address | undefined
  /** Fee amount in the token's smallest units; 0 by default. */
  providerFeeAmount?: bigint | undefined
  /** Opaque bytes the provider binds to the order (Ocean puts a JSON of environment and timestamp there). */
  providerData?: Hex | undefined
  validUntil?: bigint | undefined
}

export type SignProviderFeeReturnType = ProviderFee

export type SignProviderFeeErrorType = ChainArgumentError

/** What a signer must offer: a viem local account, or anything with its address and `signMessage`. */
export type ProviderFeeSigner = Pick<LocalAccount, 'address' | 'signMessage'>

/**
 * Signs a provider fee the way Ocean's ERC20Template checks it in `startOrder`: an `eth_sign`-style
 * (EIP-191 "\x19Ethereum Signed Message:\n32") signature over
 * `keccak256(abi.encodePacked(providerData, providerFeeAddress, providerFeeToken, providerFeeAmount, validUntil))`
 * by `providerFeeAddress`. Needed even for a zero fee. Runs where the node's key is; the result
 * goes to the buyer, who passes it to {@link startOrder}.
 *
 * @example
 * const providerFee = await signProviderFee(nodeAccount, {
 *   providerData: stringToHex(JSON.stringify({ environment: 'cpu-1', timestamp: Date.now() })),
 *   validUntil: BigInt(Math.floor(Date.now() / 1000) + 3600),
 * })
 */
export async function signProviderFee(account: ProviderFeeSigner, parameters: SignProviderFeeParameters = {}): Promise<SignProviderFeeReturnType> {
  const { providerFeeAddress = account.address, providerFeeToken = zeroAddress, providerFeeAmount = 0n, providerData = '0x', validUntil = 0n } = parameters
  if (!isAddressEqual(providerFeeAddress, account.address)) {
    throw new ChainArgumentError('The provider fee must be signed by its providerFeeAddress.')
  }
  if (providerFeeAmount < 0n || validUntil < 0n) throw new ChainArgumentError('Provider fee amount and validUntil must not be negative.')
  if (providerFeeAmount > 0n && providerFeeToken === zeroAddress) throw new ChainArgumentError('A non-zero provider fee needs a fee token.')
  const message = keccak256(
    encodePacked(['bytes', 'address', 'address', 'uint256', 'uint256'], [providerData, providerFeeAddress, providerFeeToken, providerFeeAmount, validUntil]),
  )
  const { r, s, v, yParity } = parseSignature(await account.signMessage({ message: { raw: message } }))
  return {
    providerFeeAddress,
    providerFeeToken,
    providerFeeAmount,
    v: Number(v ?? 27n + BigInt(yParity)),
    r,
    s,
    validUntil,
    providerData,
  }
}
