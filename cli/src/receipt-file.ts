// The receipt file `datavault train` saves beside the weights: the node's signed receipt as the
// node serves it, plus `files` (name, SHA-256 and size of every released output). The list is
// not signed on its own, but its hash must equal the signed `outputsHash`, so it cannot be
// changed without the verification failing; it is what lets a weights file be checked offline.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { z } from 'zod'
import { type SignedReceipt, hashJobOutputs, verifyReceipt } from '@datavault/sdk'
import { CliFileError, CliUsageError, CliVerificationError } from './errors.ts'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/) as unknown as z.ZodType<`0x${string}`>
const hash = z.string().regex(/^0x[0-9a-fA-F]{64}$/) as unknown as z.ZodType<`0x${string}`>
const decimal = z.string().regex(/^\d{1,20}$/)

/** A receipt file: a signed receipt, with the outputs' list when `datavault train` saved it. */
export const receiptFileSchema = z.object({
  chainId: z.number().int().positive(),
  node: address,
  message: z.object({
    jobId: z.string(),
    dataset: address,
    datasetCids: z.array(z.string()),
    datasetIds: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/).transform((value) => value as `0x${string}`)),
    datasetRows: z.array(z.string().regex(/^\d{1,20}$/)),
    buyer: address,
    orderTx: hash,
    trainerId: z.string(),
    trainerVersion: z.string(),
    trainerHash: hash,
    paramsHash: hash,
    outputsHash: hash,
    epsilon: z.string(),
    delta: z.string(),
    acceptedAt: decimal,
    startedAt: decimal,
    finishedAt: decimal,
  }),
  hash,
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/) as unknown as z.ZodType<`0x${string}`>,
  files: z.array(z.object({ name: z.string(), sha256: hash, bytes: z.number().int().nonnegative().optional() })).optional(),
})

/** A parsed receipt file. */
export type ReceiptFile = SignedReceipt & { files?: { name: string; sha256: `0x${string}`; bytes?: number | undefined }[] | undefined }

/** SHA-256 of a file, streamed, as 0x hex. */
export async function sha256File(path: string): Promise<`0x${string}`> {
  const digest = createHash('sha256')
  try {
    for await (const chunk of createReadStream(path)) digest.update(chunk as Buffer)
  } catch (cause) {
    throw new CliFileError(path, cause)
  }
  return `0x${digest.digest('hex')}`
}

/** What a verified receipt says. */
export type VerifiedReceipt = {
  hash: `0x${string}`
  signer: `0x${string}`
  outputsChecked: boolean
  weights?: { name: string; sha256: `0x${string}` } | undefined
}

/**
 * Verifies a receipt file offline: its EIP-712 hash and signature, that `node` signed it, that
 * its `files` hash to the signed `outputsHash`, and (with `weightsSha256`) that the weights are
 * the `.safetensors` output it lists. Failures are `CliVerificationError` (exit 5).
 */
export async function verifyReceiptFile(receipt: ReceiptFile, { node, weightsSha256 }: { node: `0x${string}`; weightsSha256?: `0x${string}` | undefined }): Promise<VerifiedReceipt> {
  let verified: { signer: `0x${string}`; hash: `0x${string}` }
  try {
    verified = await verifyReceipt({ receipt, node, ...(receipt.files ? { files: receipt.files } : {}) })
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code?.startsWith('RECEIPT_')) throw new CliVerificationError((error as { shortMessage: string }).shortMessage, { code })
    throw error
  }
  let weights: VerifiedReceipt['weights']
  if (weightsSha256 !== undefined) {
    if (!receipt.files)
      throw new CliUsageError('This receipt file lists no output files (only `datavault train` saves them), so weights cannot be checked against it.', {
        code: 'RECEIPT_FILES_MISSING',
      })
    const match = receipt.files.find((file) => file.name.endsWith('.safetensors') && file.sha256.toLowerCase() === weightsSha256.toLowerCase())
    if (!match) throw new CliVerificationError('The weights file is not the one this receipt covers (its SHA-256 differs).', { code: 'RECEIPT_WEIGHTS_MISMATCH' })
    weights = { name: match.name, sha256: match.sha256 }
  }
  return { hash: verified.hash, signer: verified.signer, outputsChecked: receipt.files !== undefined && hashJobOutputs(receipt.files) === receipt.message.outputsHash, weights }
}
