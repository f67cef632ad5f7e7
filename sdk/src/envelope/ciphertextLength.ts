import { EnvelopeArgumentError } from './errors.ts'
import { assertChunkSize, frameOverhead, headerLength } from './format.ts'
import { defaultChunkSize } from './tuning.ts'

/**
 * The exact size of the envelope for `plaintextLength` bytes: header, plus one frame per full
 * chunk, plus the final (shorter, possibly empty) chunk, each frame adding 20 bytes.
 *
 * @example
 * ciphertextLength(0) // 69: header and one empty final chunk
 */
export function ciphertextLength(plaintextLength: number, chunkSize: number = defaultChunkSize): number {
  assertChunkSize(chunkSize)
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0)
    throw new EnvelopeArgumentError('Plaintext length must be a non-negative integer.', { details: `Got ${plaintextLength}.` })
  const chunks = Math.floor(plaintextLength / chunkSize) + 1
  return headerLength + plaintextLength + chunks * frameOverhead
}

/**
 * The plaintext size of a well-formed envelope of `envelopeLength` bytes, or `undefined` when no
 * plaintext gives that size (the envelope is truncated or has extra bytes).
 *
 * @example
 * plaintextLength(ciphertextLength(5000, 1024), 1024) // 5000
 */
export function plaintextLength(envelopeLength: number, chunkSize: number = defaultChunkSize): number | undefined {
  assertChunkSize(chunkSize)
  const body = envelopeLength - headerLength
  if (!Number.isSafeInteger(body) || body < frameOverhead) return undefined
  const fullFrames = Math.floor(body / (chunkSize + frameOverhead))
  const last = body - fullFrames * (chunkSize + frameOverhead) - frameOverhead
  if (last < 0) return undefined
  return fullFrames * chunkSize + last
}
