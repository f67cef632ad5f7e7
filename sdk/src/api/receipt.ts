import {
  type Address,
  type Hex,
  type LocalAccount,
  hashTypedData,
  keccak256,
  recoverTypedDataAddress,
  stringToBytes,
} from 'viem'
import { DataVaultError } from '../errors/base.ts'

/** EIP-712 types of a job receipt. */
export const receiptTypes = {
  Receipt: [
    { name: 'jobId', type: 'string' },
    { name: 'dataset', type: 'address' },
    { name: 'datasetCids', type: 'string[]' },
    { name: 'datasetIds', type: 'address[]' },
    { name: 'datasetRows', type: 'uint64[]' },
    { name: 'buyer', type: 'address' },
    { name: 'orderTx', type: 'bytes32' },
    { name: 'trainerId', type: 'string' },
    { name: 'trainerVersion', type: 'string' },
    { name: 'trainerHash', type: 'bytes32' },
    { name: 'paramsHash', type: 'bytes32' },
    { name: 'outputsHash', type: 'bytes32' },
    { name: 'epsilon', type: 'string' },
    { name: 'delta', type: 'string' },
    { name: 'acceptedAt', type: 'uint64' },
    { name: 'startedAt', type: 'uint64' },
    { name: 'finishedAt', type: 'uint64' },
  ],
} as const

/** The EIP-712 domain of receipts signed by nodes on `chainId`. */
export function receiptDomain(chainId: number) {
  return { name: 'datavault-receipt', version: '1', chainId } as const
}

/** What a receipt states, as signed. */
export type ReceiptMessage = {
  jobId: string
  dataset: Address
  /** Every dataset CID the job read (one for a dataset, several for a pool). */
  datasetCids: readonly string[]
  /** The dataset each CID belongs to (a pool's member datasets; the dataset itself otherwise). */
  datasetIds: readonly Address[]
  /** Rows the job read from each, in the same order: what each member contributed to this model. */
  datasetRows: readonly bigint[]
  buyer: Address
  orderTx: Hex
  trainerId: string
  trainerVersion: string
  /** SHA-256 of the trainer bundle or custom algorithm that ran. */
  trainerHash: Hex
  paramsHash: Hex
  /** `hashJobOutputs` of the released files. */
  outputsHash: Hex
  /** Privacy spent, as decimal strings: `'0'` for a job without differential privacy is not a claim of privacy, see `delta`. */
  epsilon: string
  /** `'1'` when the job ran without differential privacy (no guarantee), else the δ of the (ε, δ) guarantee. */
  delta: string
  /** Seconds since the epoch: order verified and job accepted, trainer started, outputs released. */
  acceptedAt: bigint
  startedAt: bigint
  finishedAt: bigint
}

/** Receipt times as bigints, from a JSON receipt. */
type ReceiptTimes = 'acceptedAt' | 'startedAt' | 'finishedAt'

/** A signed receipt as the node serves it (JSON-safe: times and row counts as decimal strings). */
export type SignedReceipt = {
  chainId: number
  node: Address
  message: Omit<ReceiptMessage, ReceiptTimes | 'datasetRows'> & Record<ReceiptTimes, string> & { datasetRows: readonly string[] }
  /** `hashTypedData` of the message: the receipt's identity, what may be anchored on chain. */
  hash: Hex
  signature: Hex
}

/** Deepest nesting {@link canonicalJson} encodes. */
export const maxCanonicalJsonDepth = 64

/**
 * Canonical JSON: object keys sorted, so the same value always hashes the same. Throws
 * `JSON_TOO_DEEP` past {@link maxCanonicalJsonDepth} levels (a clear error, not a stack overflow;
 * the node refuses such input at its edge before it gets here).
 */
export function canonicalJson(value: unknown): string {
  return encodeCanonical(value, 0)
}

function encodeCanonical(value: unknown, depth: number): string {
  if (depth > maxCanonicalJsonDepth)
    throw new DataVaultError(`The value is nested deeper than ${maxCanonicalJsonDepth} levels.`, { code: 'JSON_TOO_DEEP', status: 400 })
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map((item) => encodeCanonical(item, depth + 1)).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${encodeCanonical(v, depth + 1)}`).join(',')}}`
}

/**
 * The terms an owner approves a custom algorithm on: keccak256 of the canonical JSON of its
 * declared outputs and the job's parameters. Node and key holders key approvals by it.
 */
export function approvalTermsHash({ outputs, params }: { outputs: unknown; params: Record<string, unknown> }): Hex {
  return keccak256(stringToBytes(canonicalJson({ outputs, params })))
}

/** keccak256 of the canonical JSON of a job's parameters. */
export function hashJobParams(params: Record<string, unknown>): Hex {
  return keccak256(stringToBytes(canonicalJson(params)))
}

/** keccak256 over the output files' names and SHA-256 digests, sorted by name. */
export function hashJobOutputs(files: readonly { name: string; sha256: Hex }[]): Hex {
  const lines = [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((file) => `${file.name}:${file.sha256.toLowerCase()}\n`)
    .join('')
  return keccak256(stringToBytes(lines))
}

/** Signs a job receipt with the node's account. */
export async function signReceipt(
  account: LocalAccount,
  { chainId, message }: { chainId: number; message: ReceiptMessage },
): Promise<SignedReceipt> {
  const typed = { domain: receiptDomain(chainId), types: receiptTypes, primaryType: 'Receipt', message } as const
  const signature = await account.signTypedData(typed)
  return {
    chainId,
    node: account.address,
    message: {
      ...message,
      datasetCids: [...message.datasetCids],
      datasetIds: [...message.datasetIds],
      datasetRows: message.datasetRows.map(String),
      acceptedAt: message.acceptedAt.toString(),
      startedAt: message.startedAt.toString(),
      finishedAt: message.finishedAt.toString(),
    },
    hash: hashTypedData(typed),
    signature,
  }
}

/** A receipt's signature, signer or output hashes do not check out. */
export class ReceiptVerificationError extends DataVaultError {
  override name = 'ReceiptVerificationError'
  constructor(shortMessage: string, code: string) {
    super(shortMessage, { code, status: 422, kind: 'verification' })
  }
}

export type VerifyReceiptParameters = {
  receipt: SignedReceipt
  /**
   * The node you expect to have signed it (from its `GET /v1/node`, or pinned). Required: a
   * receipt checked only against the signer it names itself proves nothing.
   */
  node: Address
  /** Output files you downloaded, to check against the receipt's `outputsHash`. */
  files?: readonly { name: string; sha256: Hex }[]
}

/**
 * Verifies a receipt offline: the typed-data hash, the signature, that the expected node signed
 * it, and the downloaded files (when given). Throws `ReceiptVerificationError`.
 *
 * @example
 * await verifyReceipt({ receipt, node: info.address, files: [{ name: 'model.safetensors', sha256 }] })
 */
export async function verifyReceipt({ receipt, node, files }: VerifyReceiptParameters): Promise<{ signer: Address; hash: Hex }> {
  const message: ReceiptMessage = {
    ...receipt.message,
    datasetRows: (receipt.message.datasetRows ?? []).map((rows) => BigInt(rows)),
    acceptedAt: BigInt(receipt.message.acceptedAt),
    startedAt: BigInt(receipt.message.startedAt),
    finishedAt: BigInt(receipt.message.finishedAt),
  }
  const typed = { domain: receiptDomain(receipt.chainId), types: receiptTypes, primaryType: 'Receipt', message } as const
  const hash = hashTypedData(typed)
  if (hash !== receipt.hash) throw new ReceiptVerificationError('The receipt hash does not match its contents.', 'RECEIPT_HASH_MISMATCH')
  const signer = await recoverTypedDataAddress({ ...typed, signature: receipt.signature }).catch(() => {
    throw new ReceiptVerificationError('The receipt signature is invalid.', 'RECEIPT_SIGNATURE_INVALID')
  })
  if (signer.toLowerCase() !== receipt.node.toLowerCase())
    throw new ReceiptVerificationError('The receipt was not signed by the node it names.', 'RECEIPT_SIGNER_MISMATCH')
  if (signer.toLowerCase() !== node.toLowerCase())
    throw new ReceiptVerificationError('The receipt was signed by another node than expected.', 'RECEIPT_SIGNER_UNEXPECTED')
  if (files && hashJobOutputs(files) !== receipt.message.outputsHash)
    throw new ReceiptVerificationError('The downloaded files do not match the receipt.', 'RECEIPT_OUTPUTS_MISMATCH')
  return { signer, hash }
}
