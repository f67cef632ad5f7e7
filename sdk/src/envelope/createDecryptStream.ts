import { type ChunkCipher, type EnvelopeCrypto, chunksInFlight, settle, webCryptoEnvelopeCrypto } from './crypto.ts'
import {
  EnvelopeArgumentError,
  EnvelopeReorderedError,
  EnvelopeTamperedError,
  EnvelopeTrailingDataError,
  EnvelopeTruncatedError,
} from './errors.ts'
import {
  type EnvelopeHeader,
  assertCommitment,
  assertDataKey,
  chunkNonce,
  decodeHeader,
  deriveEnvelopeKeys,
  finalFlagBit,
  frameInfoLength,
  headerLength,
  isBytes,
  maxChunkCount,
  tagLength,
} from './format.ts'
import { maxChunksInFlight, reorderWindow } from './tuning.ts'

export type CreateDecryptStreamParameters = {
  /** Where HKDF and AES-GCM run: WebCrypto by default; `nodeEnvelopeCrypto` from `@datavault/sdk/node` is faster on Node. */
  crypto?: EnvelopeCrypto | undefined
}

export type CreateDecryptStreamReturnType = TransformStream<Uint8Array, Uint8Array>

type Frame = {
  index: number
  final: boolean
  /** Ciphertext and tag; kept to tell a reordered chunk from a tampered one if it fails. */
  body: Uint8Array
  /** Whether `body` is one of our assembly buffers, to reuse once the chunk authenticated. */
  pooled: boolean
  plaintext: Promise<Uint8Array>
}

/**
 * A WHATWG transform stream that reads a datavault envelope and yields its plaintext.
 *
 * The key is checked against the header's key commitment before any chunk is tried
 * (`EnvelopeWrongKeyError`). Every chunk is authenticated; a failure ends the stream with an error
 * that names the chunk: `EnvelopeTamperedError`, `EnvelopeReorderedError`, `EnvelopeTruncatedError`,
 * `EnvelopeTrailingDataError` (and `EnvelopeHeaderError` / `EnvelopeVersionError` for the header).
 *
 * Plaintext of the chunks before a failure has already been emitted: treat the output as
 * untrusted until the stream closes without an error (write to a temporary place, then commit).
 * Memory stays constant: one frame being assembled plus up to {@link maxChunksInFlight} (or the
 * crypto's `chunksInFlight`) being decrypted.
 * A frame that arrives whole inside one written piece is decrypted in place, and that piece is kept
 * until the frame's result is out (to tell a reordered chunk from a tampered one if it fails), so do
 * not reuse a written buffer for new data.
 * Every plaintext chunk it hands out is the reader's own: a reader done with one may free it at once
 * with {@link freeBytes} (decryptFile does, once written).
 *
 * @example
 * const plaintext = await new Response(download.pipeThrough(createDecryptStream(key))).bytes()
 */
export function createDecryptStream(
  key: Uint8Array,
  { crypto = webCryptoEnvelopeCrypto }: CreateDecryptStreamParameters = {},
): CreateDecryptStreamReturnType {
  assertDataKey(key)
  const dataKey = key.slice()

  const headerBuffer = new Uint8Array(headerLength)
  let headerFilled = 0
  let header: EnvelopeHeader | undefined
  let aad: Uint8Array
  let chunkCipher: ChunkCipher

  let index = 0 // position of the frame being read
  const word = new Uint8Array(frameInfoLength)
  let wordFilled = 0
  let body: Uint8Array | undefined // frame body being assembled when it spans input pieces
  let bodyFilled = 0
  let bodyFinal = false
  let finalIndex: number | undefined
  const inFlight: Frame[] = []
  const depth = chunksInFlight(crypto)
  // Frames that span input pieces are assembled in these; fresh 1 MiB allocations per chunk cost
  // more than the copy (measured), and at most the in-flight depth + 1 are ever taken at once.
  const pool: Uint8Array[] = []

  function decrypt(body: Uint8Array, counter: number, final: boolean): Promise<Uint8Array> {
    const nonce = chunkNonce(header!.noncePrefix, counter, final)
    return settle(() => chunkCipher.open(nonce, aad, body))
  }

  function startFrame(frameBody: Uint8Array, final: boolean, pooled: boolean): void {
    const plaintext = decrypt(frameBody, index, final)
    plaintext.catch(() => {}) // awaited in order by drain()
    inFlight.push({ index, final, body: frameBody, pooled, plaintext })
    if (final) finalIndex = index
    index++
  }

  // An authentication failure: is this a chunk from another position? Only this error path tries
  // other counters, and only within a bounded window. The frame word travels with its chunk, so the
  // declared final flag is the chunk's own (an altered flag fails the length rule or this search).
  async function diagnose(frame: Frame): Promise<EnvelopeTamperedError | EnvelopeReorderedError> {
    const counters: number[] = []
    for (let distance = 1; distance <= reorderWindow; distance++)
      for (const counter of [frame.index - distance, frame.index + distance])
        if (counter >= 0 && counter < maxChunkCount) counters.push(counter)
    const results = await Promise.allSettled(counters.map((counter) => decrypt(frame.body, counter, frame.final)))
    const found = counters.find((_, i) => results[i]!.status === 'fulfilled')
    if (found === undefined) return new EnvelopeTamperedError({ chunkIndex: frame.index })
    return new EnvelopeReorderedError({ chunkIndex: frame.index, foundIndex: found })
  }

  async function drain(controller: TransformStreamDefaultController<Uint8Array>, keep: number): Promise<void> {
    while (inFlight.length > keep) {
      const frame = inFlight.shift()!
      let plaintext: Uint8Array
      try {
        plaintext = await frame.plaintext
      } catch (error) {
        inFlight.length = 0
        // A worker that stopped says nothing about the chunk: report it as itself, not as tampering.
        if ((error as { code?: unknown } | undefined)?.code === 'ENVELOPE_WORKER_FAILED') throw error
        throw await diagnose(frame)
      }
      if (frame.pooled && frame.body.length === header!.chunkSize + tagLength) pool.push(frame.body)
      controller.enqueue(plaintext)
    }
  }

  function readFrameWord(chunkSize: number): { length: number; final: boolean } {
    const value = new DataView(word.buffer).getUint32(0)
    const final = value >= finalFlagBit
    const length = value & ~finalFlagBit
    if (final ? length >= chunkSize : length !== chunkSize)
      throw new EnvelopeTamperedError({
        chunkIndex: index,
        details: final
          ? `Its frame declares a final chunk of ${length} bytes; a final chunk is shorter than the chunk size, ${chunkSize}.`
          : `Its frame declares ${length} bytes; every chunk but the final one has exactly the chunk size, ${chunkSize} (or the header's chunk size was altered).`,
      })
    if (index >= maxChunkCount) throw new EnvelopeTamperedError({ chunkIndex: index, details: 'More than 2^32 chunks.' })
    return { length, final }
  }

  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(input, controller) {
      if (!isBytes(input))
        throw new EnvelopeArgumentError('createDecryptStream takes Uint8Array chunks.', { details: `Got ${typeof input}.` })
      let offset = 0

      if (!header) {
        const take = Math.min(headerLength - headerFilled, input.length)
        headerBuffer.set(input.subarray(0, take), headerFilled)
        headerFilled += take
        offset = take
        header = decodeHeader(headerBuffer.subarray(0, headerFilled), { complete: false })
        if (!header) return
        const keys = await deriveEnvelopeKeys(crypto, dataKey, header.noncePrefix)
        dataKey.fill(0)
        assertCommitment(keys.commitment, header.commitment)
        chunkCipher = keys.chunkCipher
        aad = header.bytes
      }
      const { chunkSize } = header

      while (offset < input.length) {
        if (finalIndex !== undefined) {
          await drain(controller, 0) // a tampered final chunk is reported as such, not as trailing data
          throw new EnvelopeTrailingDataError({ chunkIndex: finalIndex })
        }
        if (!body) {
          const take = Math.min(frameInfoLength - wordFilled, input.length - offset)
          word.set(input.subarray(offset, offset + take), wordFilled)
          wordFilled += take
          offset += take
          if (wordFilled < frameInfoLength) break
          wordFilled = 0
          const { length, final } = readFrameWord(chunkSize)
          const bodyLength = length + tagLength
          if (input.length - offset >= bodyLength) {
            // The whole frame is in this piece: decrypt it in place.
            startFrame(input.subarray(offset, offset + bodyLength), final, false)
            offset += bodyLength
            await drain(controller, depth)
            continue
          }
          body = bodyLength === chunkSize + tagLength ? (pool.pop() ?? new Uint8Array(bodyLength)) : new Uint8Array(bodyLength)
          bodyFilled = 0
          bodyFinal = final
        }
        const take = Math.min(body.length - bodyFilled, input.length - offset)
        body.set(input.subarray(offset, offset + take), bodyFilled)
        bodyFilled += take
        offset += take
        if (bodyFilled === body.length) {
          startFrame(body, bodyFinal, true)
          body = undefined
          await drain(controller, depth)
        }
      }
    },

    async flush(controller) {
      if (!header) {
        decodeHeader(headerBuffer.subarray(0, headerFilled), { complete: true })
        throw new Error('unreachable: an incomplete header always throws')
      }
      await drain(controller, 0) // earlier chunks' errors come first
      if (finalIndex !== undefined) {
        chunkCipher.dispose?.()
        return
      }

      if (body) {
        // Cut inside this chunk, unless what arrived authenticates as a shorter final chunk, in
        // which case the frame word was altered to claim more bytes.
        if (bodyFilled >= tagLength) {
          const shorter = body.subarray(0, bodyFilled)
          const authenticates = await decrypt(shorter, index, true).then(
            () => true,
            () => false,
          )
          if (authenticates)
            throw new EnvelopeTamperedError({
              chunkIndex: index,
              details: `Its frame declares ${body.length - tagLength} bytes, but the ${bodyFilled - tagLength} that arrived are an authentic final chunk.`,
            })
        }
        throw new EnvelopeTruncatedError({
          chunkIndex: index,
          details: `The input ended inside chunk ${index}: ${bodyFilled} of its ${body.length} ciphertext bytes arrived.`,
        })
      }
      if (wordFilled > 0)
        throw new EnvelopeTruncatedError({
          chunkIndex: index,
          details: `The input ended inside the frame word of chunk ${index}: ${wordFilled} of ${frameInfoLength} bytes arrived.`,
        })
      throw new EnvelopeTruncatedError({
        chunkIndex: index,
        details:
          index === 0
            ? 'The input ended after the header, before any chunk.'
            : `The input ended after chunk ${index - 1}, which is not flagged final; chunk ${index} or more are missing.`,
      })
    },
  })
}
