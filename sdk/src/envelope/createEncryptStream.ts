import { type ChunkCipher, type EnvelopeCrypto, chunksInFlight, settle, webCryptoEnvelopeCrypto } from './crypto.ts'
import { EnvelopeArgumentError } from './errors.ts'
import {
  assertChunkSize,
  assertDataKey,
  chunkNonce,
  deriveEnvelopeKeys,
  encodeFrameInfo,
  encodeHeader,
  isBytes,
  maxChunkCount,
  noncePrefixLength,
} from './format.ts'
import { defaultChunkSize, maxChunksInFlight } from './tuning.ts'

export type CreateEncryptStreamParameters = {
  /** Plaintext bytes per chunk (16 B to 16 MiB). Defaults to {@link defaultChunkSize} (1 MiB). */
  chunkSize?: number | undefined
  /** Where HKDF and AES-GCM run: WebCrypto by default; `nodeEnvelopeCrypto` from `@datavault/sdk/node` is faster on Node. */
  crypto?: EnvelopeCrypto | undefined
}

export type CreateEncryptStreamReturnType = TransformStream<Uint8Array, Uint8Array>

type Frame = { info: Uint8Array; sealed: Promise<Uint8Array[]> }

/**
 * A WHATWG transform stream that turns plaintext into a datavault envelope (FORMAT.md): a header,
 * then AES-256-GCM chunks of `chunkSize` plaintext bytes in a STREAM construction, the last one
 * shorter than `chunkSize` and flagged final (an empty input gives one empty final chunk).
 *
 * Input pieces may have any sizes. Memory stays constant: one staging chunk plus up to
 * {@link maxChunksInFlight} chunks (or the crypto's `chunksInFlight`) being encrypted while the next
 * are read, whatever the input size.
 * The stream keeps no reference to a piece once its `write()` has resolved, so a writer may reuse
 * its buffer then (encryptFile reads into two buffers in turn).
 * Every chunk it hands out (the header, frame words, ciphertexts, tags) is the reader's own: a
 * reader done with one may free it at once with {@link freeBytes} (encryptFile does, once written).
 *
 * @example
 * const key = generateDataKey()
 * await file.stream().pipeThrough(createEncryptStream(key)).pipeTo(upload)
 */
export function createEncryptStream(
  key: Uint8Array,
  { chunkSize = defaultChunkSize, crypto = webCryptoEnvelopeCrypto }: CreateEncryptStreamParameters = {},
): CreateEncryptStreamReturnType {
  assertDataKey(key)
  assertChunkSize(chunkSize)
  const dataKey = key.slice()
  const depth = chunksInFlight(crypto)

  let chunkCipher: ChunkCipher
  let header: Uint8Array<ArrayBuffer>
  let noncePrefix: Uint8Array
  let counter = 0
  let staging = new Uint8Array(chunkSize)
  let staged = 0
  const inFlight: Frame[] = []

  // seal() reads `plaintext` before it returns (WebCrypto copies it; node:crypto encrypts at once),
  // so the staging buffer may be reused as soon as it does.
  function startChunk(plaintext: Uint8Array, final: boolean): void {
    if (counter >= maxChunkCount)
      throw new EnvelopeArgumentError(`Input is too large: more than 2^32 chunks of ${chunkSize} bytes.`)
    const nonce = chunkNonce(noncePrefix, counter++, final)
    const sealed = settle(() => chunkCipher.seal(nonce, header, plaintext))
    sealed.catch(() => {}) // awaited in order by drain(); this only keeps an early failure from being "unhandled"
    inFlight.push({ info: encodeFrameInfo(plaintext.length, final), sealed })
  }

  async function drain(controller: TransformStreamDefaultController<Uint8Array>, keep: number): Promise<void> {
    while (inFlight.length > keep) {
      const frame = inFlight.shift()!
      const sealed = await frame.sealed
      controller.enqueue(frame.info)
      for (const part of sealed) controller.enqueue(part)
    }
  }

  return new TransformStream<Uint8Array, Uint8Array>({
    async start(controller) {
      noncePrefix = globalThis.crypto.getRandomValues(new Uint8Array(noncePrefixLength))
      const keys = await deriveEnvelopeKeys(crypto, dataKey, noncePrefix)
      dataKey.fill(0)
      chunkCipher = keys.chunkCipher
      header = encodeHeader({ chunkSize, noncePrefix, commitment: keys.commitment }) as Uint8Array<ArrayBuffer>
      controller.enqueue(header.slice())
    },

    async transform(input, controller) {
      if (!isBytes(input))
        throw new EnvelopeArgumentError('createEncryptStream takes Uint8Array chunks.', { details: `Got ${typeof input}.` })
      let offset = 0
      if (staged > 0) {
        const take = Math.min(chunkSize - staged, input.length)
        staging.set(input.subarray(0, take), staged)
        staged += take
        offset = take
        if (staged === chunkSize) {
          startChunk(staging, false)
          staged = 0
          await drain(controller, depth)
        }
      }
      // Whole chunks straight from the input, without a copy of ours.
      while (input.length - offset >= chunkSize) {
        startChunk(input.subarray(offset, offset + chunkSize), false)
        offset += chunkSize
        await drain(controller, depth)
      }
      if (offset < input.length) {
        staging.set(input.subarray(offset), 0)
        staged = input.length - offset
      }
    },

    async flush(controller) {
      // The final chunk is always shorter than chunkSize (possibly empty), so a full chunk never waits
      // to learn whether it is the last one.
      startChunk(staging.subarray(0, staged), true)
      staged = 0
      staging = new Uint8Array(0)
      try {
        await drain(controller, 0)
      } finally {
        chunkCipher.dispose?.()
      }
    },

  })
}
