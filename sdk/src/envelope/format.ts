// Byte layout of envelope version 1. FORMAT.md is the prose version of this file.
import type { ChunkCipher, EnvelopeCrypto } from './crypto.ts'
import { EnvelopeArgumentError, EnvelopeHeaderError, EnvelopeVersionError, EnvelopeWrongKeyError } from './errors.ts'

/** `DVEN`: the first four bytes of every envelope. */
export const envelopeMagic: Uint8Array = new Uint8Array([0x44, 0x56, 0x45, 0x4e])
/** The envelope format version this SDK writes and reads. */
export const envelopeVersion = 1
/** Algorithm 1: HKDF-SHA256 key schedule, AES-256-GCM chunks in a STREAM construction. */
export const envelopeAlgorithm = 1

/** Length of a data key (DEK) in bytes. */
export const dataKeyLength = 32
/** Random bytes in the header that start every chunk nonce (and salt the key schedule). */
export const noncePrefixLength = 7
/** Length of the key commitment in the header. */
export const commitmentLength = 32
/** Bytes of header before the chunks: magic 4, version 1, algorithm 1, chunk size 4, nonce prefix 7, commitment 32. */
export const headerLength = 4 + 1 + 1 + 4 + noncePrefixLength + commitmentLength
/** AES-GCM tag length. */
export const tagLength = 16
/** Each chunk frame starts with a 4-byte big-endian word: final flag in the top bit, plaintext length below. */
export const frameInfoLength = 4
/** Bytes a chunk adds to its plaintext: frame word and tag. */
export const frameOverhead = frameInfoLength + tagLength
/** Top bit of the frame word: set on the final chunk only. */
export const finalFlagBit = 0x8000_0000

/** Smallest chunk size a header may declare. */
export const minChunkSize = 16
/** Largest chunk size a header may declare; bounds what a decryptor buffers for one chunk. */
export const maxChunkSize = 16 * 1024 * 1024
/** Chunk counters are 32 bits. */
export const maxChunkCount = 2 ** 32

const chunkKeyInfo = new TextEncoder().encode('datavault envelope v1 aes-256-gcm chunk key')
const commitmentInfo = new TextEncoder().encode('datavault envelope v1 key commitment')

/** The parsed fixed-size header. `bytes` are the exact header bytes, used as AAD of every chunk. */
export type EnvelopeHeader = {
  version: number
  algorithm: number
  chunkSize: number
  noncePrefix: Uint8Array
  commitment: Uint8Array
  bytes: Uint8Array
}

/** Keys derived from a DEK and a header's nonce prefix. */
export type EnvelopeKeys = {
  chunkCipher: ChunkCipher
  commitment: Uint8Array
}

/** A Uint8Array from any realm (an iframe, a vm context, a Node Buffer). */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor?.name === 'Uint8Array')
}

export function assertDataKey(key: Uint8Array): void {
  if (!isBytes(key) || key.length !== dataKeyLength)
    throw new EnvelopeArgumentError(`A data key must be ${dataKeyLength} bytes.`, {
      details: `Got ${isBytes(key) ? `${key.length} bytes` : typeof key}.`,
    })
}

export function assertChunkSize(chunkSize: number): void {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < minChunkSize || chunkSize > maxChunkSize)
    throw new EnvelopeArgumentError(`Chunk size must be an integer from ${minChunkSize} to ${maxChunkSize} bytes.`, {
      details: `Got ${String(chunkSize)}.`,
    })
}

/**
 * Derives the chunk cipher and the key commitment from a DEK with HKDF-SHA256, salted with the
 * header's nonce prefix, under distinct info strings.
 */
export async function deriveEnvelopeKeys(
  crypto: EnvelopeCrypto,
  dataKey: Uint8Array,
  noncePrefix: Uint8Array,
): Promise<EnvelopeKeys> {
  const [chunkCipher, commitment] = await Promise.all([
    crypto.hkdfChunkCipher(dataKey, noncePrefix, chunkKeyInfo),
    crypto.hkdf(dataKey, noncePrefix, commitmentInfo, commitmentLength),
  ])
  if (!isBytes(commitment) || commitment.length !== commitmentLength)
    throw new EnvelopeArgumentError(`The envelope crypto returned a ${commitmentLength * 8}-bit HKDF output of the wrong size.`)
  return { chunkCipher, commitment }
}

/** Builds a version-1 header. */
export function encodeHeader({
  chunkSize,
  noncePrefix,
  commitment,
}: {
  chunkSize: number
  noncePrefix: Uint8Array
  commitment: Uint8Array
}): Uint8Array {
  const bytes = new Uint8Array(headerLength)
  bytes.set(envelopeMagic, 0)
  bytes[4] = envelopeVersion
  bytes[5] = envelopeAlgorithm
  new DataView(bytes.buffer).setUint32(6, chunkSize)
  bytes.set(noncePrefix, 10)
  bytes.set(commitment, 10 + noncePrefixLength)
  return bytes
}

/**
 * Parses a header from the start of `bytes`. Checks the magic first (so "not an envelope" wins over
 * "too short" when the first bytes already disagree), then length, version and algorithm, then ranges.
 */
export function decodeHeader(bytes: Uint8Array, { complete }: { complete: boolean }): EnvelopeHeader | undefined {
  const magicSeen = Math.min(bytes.length, envelopeMagic.length)
  for (let i = 0; i < magicSeen; i++)
    if (bytes[i] !== envelopeMagic[i])
      throw new EnvelopeHeaderError('Not a datavault envelope: the magic bytes do not match.', {
        details: `Expected the input to start with "DVEN" (44 56 45 4e).`,
      })
  const version = bytes[4]
  const algorithm = bytes[5]
  if ((version !== undefined && version !== envelopeVersion) || (algorithm !== undefined && algorithm !== envelopeAlgorithm))
    throw new EnvelopeVersionError({ version, algorithm })
  if (bytes.length < headerLength) {
    if (!complete) return undefined
    throw new EnvelopeHeaderError(`Envelope header is truncated: ${bytes.length} of ${headerLength} bytes.`)
  }
  const header = bytes.slice(0, headerLength)
  const chunkSize = new DataView(header.buffer).getUint32(6)
  if (chunkSize < minChunkSize || chunkSize > maxChunkSize)
    throw new EnvelopeHeaderError(`Envelope header declares a chunk size of ${chunkSize} bytes, outside ${minChunkSize}..${maxChunkSize}.`)
  return {
    version: envelopeVersion,
    algorithm: envelopeAlgorithm,
    chunkSize,
    noncePrefix: header.subarray(10, 10 + noncePrefixLength),
    commitment: header.subarray(10 + noncePrefixLength, headerLength),
    bytes: header,
  }
}

/** Throws EnvelopeWrongKeyError unless the commitments are equal (compared without early exit). */
export function assertCommitment(expected: Uint8Array, actual: Uint8Array): void {
  let diff = expected.length ^ actual.length
  for (let i = 0; i < expected.length; i++) diff |= expected[i]! ^ (actual[i] ?? 0)
  if (diff !== 0) throw new EnvelopeWrongKeyError()
}

/** STREAM nonce: nonce prefix (7) ‖ counter (4, big-endian) ‖ final flag (1). */
export function chunkNonce(noncePrefix: Uint8Array, counter: number, final: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12)
  nonce.set(noncePrefix, 0)
  nonce[7] = counter >>> 24
  nonce[8] = (counter >>> 16) & 0xff
  nonce[9] = (counter >>> 8) & 0xff
  nonce[10] = counter & 0xff
  nonce[11] = final ? 1 : 0
  return nonce
}

/** The 4-byte frame word that precedes a chunk's ciphertext. */
export function encodeFrameInfo(plaintextLength: number, final: boolean): Uint8Array {
  const info = new Uint8Array(frameInfoLength)
  new DataView(info.buffer).setUint32(0, (final ? finalFlagBit : 0) + plaintextLength)
  return info
}
