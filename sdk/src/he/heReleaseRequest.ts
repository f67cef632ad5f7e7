import { createHash } from 'node:crypto'
import type { Address, Hex } from 'viem'
import { z } from 'zod'
import { type JobTicket, signedJobTicketSchema, ticketToJson } from '../keyshares/format.ts'
import { HeObjectRefusedError, HeReleaseRefusedError } from './errors.ts'
import { sha256Hex } from './format.ts'
import { type HePacking, hePackingLayout, hePackingSchema } from './packing.ts'

/** First bytes of a release request: `DVHR` and format version 1. */
export const heReleaseRequestMagic: Uint8Array = new Uint8Array([0x44, 0x56, 0x48, 0x52, 0x01])

/** Most columns one release may cover: d sums and d(d+1)/2 products, 90 ciphertexts at d = 12. */
export const heReleaseMaxColumns = 12

/** Largest header of a release request, bytes. */
const maxHeaderBytes = 256 * 1024

/** Gaussian DP noise a release asks for: σ = `noiseMultiplier` × the release's L2 sensitivity, at `delta`. */
export const heReleaseDpSchema = z.object({ noiseMultiplier: z.number().positive().max(1e6), delta: z.number().positive().max(0.01) }).strict()

/** The DP noise of a release. */
export type HeReleaseDp = z.infer<typeof heReleaseDpSchema>

const headerSchema = z
  .object({
    version: z.literal(1),
    dataset: z.string().regex(/^0x[0-9a-f]{40}$/),
    /** The job's columns, in the order of the sums (products follow over the upper triangle). */
    columns: z.array(z.string().min(1).max(128)).min(1).max(heReleaseMaxColumns),
    dp: heReleaseDpSchema.optional(),
    /** How the results are packed; absent: one rotate-and-summed ciphertext per total (sums, then products). */
    packing: hePackingSchema.optional(),
    /** The owner's EIP-712 signature over the manifest bytes. */
    manifestSignature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
    /** Byte lengths of the sections that follow the header, in order: manifest, sealed secret key, each result. */
    sections: z.array(z.number().int().positive()).min(3),
    /** One job ticket per key holder of the escrow manifest, signed by the compute node. */
    tickets: z.array(signedJobTicketSchema).min(1).max(32),
  })
  .strict()

/**
 * What a compute node sends the decrypting key holder for an HE job: the job's tickets (one per
 * holder, each sealed-share request naming this holder's registered key), the owner-signed HE
 * manifest and the sealed CKKS secret key from the dataset's bundle, the job's columns, the DP
 * noise it asks for, the results' packing and the result ciphertexts. `termsHash` of every ticket is
 * {@link heReleaseTermsHash} of exactly these, so the holders' checks bind the ciphertexts to the job.
 */
export type HeReleaseRequest = {
  dataset: Address
  columns: string[]
  dp?: HeReleaseDp | undefined
  /** The results' packing (`hePackingLayout`); undefined: one ciphertext per total. */
  packing?: HePacking | undefined
  manifestBytes: Uint8Array
  manifestSignature: Hex
  sealedSecretKey: Uint8Array
  results: Uint8Array[]
  tickets: { ticket: JobTicket; signature: Hex }[]
}

/** d sums and d(d+1)/2 products: the ciphertexts a release of `columns` columns has. */
export const heReleaseResultCount = (columns: number): number => columns + (columns * (columns + 1)) / 2

/** Result ciphertexts a release of `columns` columns carries: one per packed group, or one per total unpacked. */
export const heReleaseCiphertextCount = (columns: number, packing?: HePacking): number =>
  packing ? hePackingLayout(columns, packing).groups.length : heReleaseResultCount(columns)

/**
 * The hash a release's tickets carry as their `termsHash`: SHA-256 over the manifest's SHA-256,
 * the columns, the DP noise, the packing and every result ciphertext's SHA-256, in order. A holder recomputes it
 * from what it was sent; a ticket for other ciphertexts (or another noise) does not match.
 *
 * @example
 * const termsHash = heReleaseTermsHash({ manifestHash, columns, dp, results })
 */
export function heReleaseTermsHash({
  manifestHash,
  columns,
  dp,
  packing,
  results,
}: {
  manifestHash: string
  columns: readonly string[]
  dp?: HeReleaseDp | undefined
  packing?: HePacking | undefined
  results: readonly Uint8Array[]
}): Hex {
  const terms = JSON.stringify({
    kind: 'datavault/he-release/v1',
    manifestHash,
    columns,
    dp: dp ?? null,
    ...(packing ? { packing } : {}),
    results: results.map((result) => sha256Hex(result)),
  })
  return `0x${createHash('sha256').update(terms).digest('hex')}`
}

/**
 * Encodes a release request: magic, header length (u32 BE), header JSON, then the manifest, the
 * sealed secret key and the results as raw bytes (no hex or base64 expansion of megabytes).
 *
 * @example
 * const body = encodeHeReleaseRequest({ dataset, columns, manifestBytes, manifestSignature, sealedSecretKey, results, tickets })
 */
export function encodeHeReleaseRequest(request: HeReleaseRequest): Uint8Array {
  const sections = [request.manifestBytes, request.sealedSecretKey, ...request.results]
  const header = new TextEncoder().encode(
    JSON.stringify({
      version: 1,
      dataset: request.dataset.toLowerCase(),
      columns: request.columns,
      ...(request.dp ? { dp: request.dp } : {}),
      ...(request.packing ? { packing: request.packing } : {}),
      manifestSignature: request.manifestSignature,
      sections: sections.map((section) => section.byteLength),
      tickets: request.tickets.map(({ ticket, signature }) => ({ ticket: ticketToJson(ticket), signature })),
    }),
  )
  const total = heReleaseRequestMagic.byteLength + 4 + header.byteLength + sections.reduce((sum, section) => sum + section.byteLength, 0)
  const out = new Uint8Array(total)
  out.set(heReleaseRequestMagic, 0)
  new DataView(out.buffer).setUint32(heReleaseRequestMagic.byteLength, header.byteLength)
  let at = heReleaseRequestMagic.byteLength + 4
  out.set(header, at)
  at += header.byteLength
  for (const section of sections) {
    out.set(section, at)
    at += section.byteLength
  }
  return out
}

/**
 * Decodes a release request, checking its framing only (sizes add up, the header matches its
 * schema, as many results as the columns need). What the sections hold is checked by the holder.
 *
 * @example
 * const request = decodeHeReleaseRequest(body)
 */
export function decodeHeReleaseRequest(bytes: Uint8Array): HeReleaseRequest {
  const refuse = (message: string, details?: string): never => {
    throw new HeObjectRefusedError(message, { reason: 'bad-format', details })
  }
  if (bytes.byteLength < heReleaseRequestMagic.byteLength + 4 || !heReleaseRequestMagic.every((byte, index) => bytes[index] === byte))
    refuse('The body is not an HE release request.')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = view.getUint32(heReleaseRequestMagic.byteLength)
  if (headerLength > maxHeaderBytes) refuse('The HE release request header is too large.')
  let at = heReleaseRequestMagic.byteLength + 4
  if (at + headerLength > bytes.byteLength) refuse('The HE release request is truncated.')
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at, at + headerLength)))
  } catch {
    refuse('The HE release request header is not JSON.')
  }
  const parsed = headerSchema.safeParse(json)
  if (!parsed.success) return refuse('The HE release request header does not match its schema.', parsed.error.issues[0]?.message)
  const header = parsed.data
  at += headerLength
  if (at + header.sections.reduce((sum, length) => sum + length, 0) !== bytes.byteLength) refuse('The HE release request sections do not add up to its length.')
  const expected = heReleaseCiphertextCount(header.columns.length, header.packing)
  if (header.sections.length - 2 !== expected)
    throw new HeReleaseRefusedError(`A release of ${header.columns.length} columns has ${expected} result ciphertexts, not ${header.sections.length - 2}.`, {
      code: 'HE_RESULTS_MISMATCH',
    })
  const sections = header.sections.map((length) => {
    const section = bytes.slice(at, at + length)
    at += length
    return section
  })
  return {
    dataset: header.dataset as Address,
    columns: header.columns,
    dp: header.dp,
    packing: header.packing,
    manifestBytes: sections[0] as Uint8Array,
    manifestSignature: header.manifestSignature as Hex,
    sealedSecretKey: sections[1] as Uint8Array,
    results: sections.slice(2),
    tickets: header.tickets.map(({ ticket, signature }) => ({ ticket: ticket as JobTicket, signature: signature as Hex })),
  }
}

/**
 * The L2 sensitivity of a release (each column's sum, then Σ x_i x_j over the upper triangle) when
 * one row is replaced by another inside the bounds (the row count is public: the owner signed it).
 * Each coordinate moves at most by its range over the bounds' box (a product's range is that of
 * its corner values; a square's lower end is 0 when the interval holds 0); Δ is the L2 norm of
 * those ranges, which bounds the L2 norm of any change.
 *
 * @example
 * heReleaseSensitivity([{ min: 0, max: 1 }, { min: -1, max: 1 }]) // sums 1, 2; products 1, 2, 1 → √11
 */
export function heReleaseSensitivity(bounds: readonly { min: number; max: number }[]): number {
  let squared = 0
  for (const { min, max } of bounds) squared += (max - min) ** 2
  for (let i = 0; i < bounds.length; i++)
    for (let j = i; j < bounds.length; j++) {
      const a = bounds[i] as { min: number; max: number }
      const b = bounds[j] as { min: number; max: number }
      let low: number
      let high: number
      if (i === j) {
        high = Math.max(a.min * a.min, a.max * a.max)
        low = a.min <= 0 && a.max >= 0 ? 0 : Math.min(a.min * a.min, a.max * a.max)
      } else {
        const corners = [a.min * b.min, a.min * b.max, a.max * b.min, a.max * b.max]
        high = Math.max(...corners)
        low = Math.min(...corners)
      }
      squared += (high - low) ** 2
    }
  return Math.sqrt(squared)
}
