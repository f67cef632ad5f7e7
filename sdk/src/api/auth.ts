import {
  type Address,
  type Hex,
  type LocalAccount,
  bytesToHex,
  keccak256,
  recoverTypedDataAddress,
  stringToBytes,
} from 'viem'
import { DataVaultError } from '../errors/base.ts'

/** Body hash a client sends when the body is streamed and cannot be hashed first (uploads only). */
export const unsignedBodyHash: Hex = keccak256(stringToBytes('datavault:unsigned-body'))

/** The longest a signed request may stay valid, in seconds. */
export const maxRequestLifetimeSeconds = 600

/** EIP-712 types of a signed vault request. */
export const requestTypes = {
  Request: [
    { name: 'method', type: 'string' },
    { name: 'path', type: 'string' },
    { name: 'bodyHash', type: 'bytes32' },
    { name: 'nonce', type: 'bytes16' },
    { name: 'expiry', type: 'uint64' },
  ],
} as const

/** Header names that carry a request signature. */
export const authHeaders = {
  address: 'x-datavault-address',
  nonce: 'x-datavault-nonce',
  expiry: 'x-datavault-expiry',
  bodyHash: 'x-datavault-body-hash',
  signature: 'x-datavault-signature',
} as const

/**
 * The EIP-712 domain of requests to one vault node. Binding the node's address as
 * `verifyingContract` means a signature made for one node is useless at another.
 */
export function requestDomain({ chainId, node }: { chainId: number; node: Address }) {
  return { name: 'datavault', version: '1', chainId, verifyingContract: node } as const
}

/** What a request signature covers. */
export type RequestMessage = {
  method: string
  path: string
  bodyHash: Hex
  nonce: Hex
  expiry: bigint
}

export type SignRequestParameters = {
  chainId: number
  /** The vault node's address (from `GET /v1/node`). */
  node: Address
  method: string
  /** Path with query string, as the server sees it. */
  path: string
  /** The exact body bytes, or `undefined` for no body, or `'unsigned'` for a streamed upload. */
  body?: Uint8Array | 'unsigned' | undefined
  /** Seconds the signature stays valid (default 120, at most 600). */
  lifetimeSeconds?: number
  /** Clock for tests; seconds since the epoch. */
  now?: number
}

/** Headers to attach to the request. */
export type SignRequestReturnType = Record<(typeof authHeaders)[keyof typeof authHeaders], string>

/** Hash of a request body as signed: keccak256 of the bytes (of nothing when there is no body). */
export function hashRequestBody(body: Uint8Array | 'unsigned' | undefined): Hex {
  if (body === 'unsigned') return unsignedBodyHash
  return keccak256(body ?? new Uint8Array())
}

/**
 * Signs a request to a vault node with the wallet's EIP-712 signature, a fresh random nonce and
 * an expiry, and returns the headers to send.
 *
 * @example
 * const headers = await signRequest(account, { chainId: 8996, node, method: 'POST', path: '/v1/jobs', body })
 */
export async function signRequest(
  account: LocalAccount,
  { chainId, node, method, path, body, lifetimeSeconds = 120, now }: SignRequestParameters,
): Promise<SignRequestReturnType> {
  const lifetime = Math.min(Math.max(1, lifetimeSeconds), maxRequestLifetimeSeconds)
  const message: RequestMessage = {
    method: method.toUpperCase(),
    path,
    bodyHash: hashRequestBody(body),
    nonce: bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(16))),
    expiry: BigInt(Math.floor(now ?? Date.now() / 1000) + lifetime),
  }
  const signature = await account.signTypedData({
    domain: requestDomain({ chainId, node }),
    types: requestTypes,
    primaryType: 'Request',
    message,
  })
  return {
    [authHeaders.address]: account.address,
    [authHeaders.nonce]: message.nonce,
    [authHeaders.expiry]: message.expiry.toString(),
    [authHeaders.bodyHash]: message.bodyHash,
    [authHeaders.signature]: signature,
  }
}

/** A request's signature is missing, malformed, expired or not from the claimed wallet. */
export class RequestAuthError extends DataVaultError {
  override name = 'RequestAuthError'
  constructor(shortMessage: string, { code = 'REQUEST_UNAUTHENTICATED', cause }: { code?: string; cause?: unknown } = {}) {
    super(shortMessage, { code, status: 401, cause })
  }
}

export type VerifyRequestParameters = {
  chainId: number
  node: Address
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  /** Seconds since the epoch. */
  now?: number
}

export type VerifyRequestReturnType = {
  /** The wallet that signed, checksummed. */
  address: Address
  nonce: Hex
  expiry: number
  bodyHash: Hex
}

const hexPattern = (bytes: number) => new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`)

/**
 * Checks a request's signature headers: well-formed, not expired, not valid for longer than
 * allowed, and signed by the claimed address over this method and path. The caller still has to
 * check the body hash against the body and that the nonce was not used before.
 */
export async function verifyRequestSignature({
  chainId,
  node,
  method,
  path,
  headers,
  now = Math.floor(Date.now() / 1000),
}: VerifyRequestParameters): Promise<VerifyRequestReturnType> {
  const read = (name: string) => {
    const value = headers[name]
    return Array.isArray(value) ? undefined : value
  }
  const address = read(authHeaders.address)
  const nonce = read(authHeaders.nonce)
  const expiryText = read(authHeaders.expiry)
  const bodyHash = read(authHeaders.bodyHash)
  const signature = read(authHeaders.signature)
  if (!address || !nonce || !expiryText || !bodyHash || !signature)
    throw new RequestAuthError('This request must be signed by a wallet (datavault signature headers missing).', {
      code: 'REQUEST_UNSIGNED',
    })
  if (!hexPattern(20).test(address) || !hexPattern(16).test(nonce) || !hexPattern(32).test(bodyHash))
    throw new RequestAuthError('Malformed request signature headers.', { code: 'REQUEST_SIGNATURE_MALFORMED' })
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature))
    throw new RequestAuthError('Malformed request signature.', { code: 'REQUEST_SIGNATURE_MALFORMED' })
  if (!/^\d{1,12}$/.test(expiryText))
    throw new RequestAuthError('Malformed request expiry.', { code: 'REQUEST_SIGNATURE_MALFORMED' })
  const expiry = Number(expiryText)
  if (expiry < now) throw new RequestAuthError('The request signature has expired.', { code: 'REQUEST_EXPIRED' })
  if (expiry > now + maxRequestLifetimeSeconds + 30)
    throw new RequestAuthError(`A request signature may be valid for at most ${maxRequestLifetimeSeconds} s.`, {
      code: 'REQUEST_EXPIRY_TOO_FAR',
    })
  let recovered: Address
  try {
    recovered = await recoverTypedDataAddress({
      domain: requestDomain({ chainId, node }),
      types: requestTypes,
      primaryType: 'Request',
      message: {
        method: method.toUpperCase(),
        path,
        bodyHash: bodyHash as Hex,
        nonce: nonce as Hex,
        expiry: BigInt(expiry),
      },
      signature: signature as Hex,
    })
  } catch (cause) {
    throw new RequestAuthError('The request signature is invalid.', { code: 'REQUEST_SIGNATURE_INVALID', cause })
  }
  if (recovered.toLowerCase() !== address.toLowerCase())
    throw new RequestAuthError('The request signature does not match the claimed wallet.', {
      code: 'REQUEST_SIGNATURE_INVALID',
    })
  return { address: recovered, nonce: nonce.toLowerCase() as Hex, expiry, bodyHash: bodyHash.toLowerCase() as Hex }
}
