import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { nodeEnvelopeCrypto } from '../node/nodeEnvelopeCrypto.ts'
import { createDecryptStream, createEncryptStream, generateDataKey, webCryptoEnvelopeCrypto } from './index.ts'

const mebibyte = 1024 * 1024
// 256 MiB by default; ENVELOPE_STREAM_TEST_MIB=2048 repeats the check at 2 GiB by hand.
const totalBytes = Number(process.env.ENVELOPE_STREAM_TEST_MIB ?? 256) * mebibyte
// An odd piece size, so chunks never line up with the input.
const pieceSize = 100_003

describe('streaming', () => {
  test.each([
    ['webcrypto', webCryptoEnvelopeCrypto],
    ['node:crypto', nodeEnvelopeCrypto],
  ] as const)(
    `behavior: ${totalBytes / mebibyte} MiB through encrypt → decrypt on %s in bounded memory, same SHA-256 out as in`,
    async (_, crypto) => {
      const key = generateDataKey()
      const inputHash = createHash('sha256')
      const outputHash = createHash('sha256')
      const baseline = process.memoryUsage()
      let peakArrayBuffers = 0
      let peakRss = 0
      const sample = () => {
        const { arrayBuffers, rss } = process.memoryUsage()
        peakArrayBuffers = Math.max(peakArrayBuffers, arrayBuffers - baseline.arrayBuffers)
        peakRss = Math.max(peakRss, rss - baseline.rss)
      }

      let produced = 0
      let pieces = 0
      const source = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (produced >= totalBytes) return controller.close()
          const piece = new Uint8Array(Math.min(pieceSize, totalBytes - produced))
          for (let i = 0; i < piece.length; i += 65536) globalThis.crypto.getRandomValues(piece.subarray(i, i + 65536))
          inputHash.update(piece)
          produced += piece.length
          if (++pieces % 32 === 0) sample()
          controller.enqueue(piece)
        },
      })
      let received = 0
      await source
        .pipeThrough(createEncryptStream(key, { crypto }))
        .pipeThrough(createDecryptStream(key, { crypto }))
        .pipeTo(
          new WritableStream({
            write(chunk) {
              outputHash.update(chunk)
              received += chunk.length
            },
          }),
        )
      sample()

      expect(received).toBe(totalBytes)
      expect(outputHash.digest('hex')).toBe(inputHash.digest('hex'))
      // Live data is a few chunks; the rest is garbage V8 has not collected yet (it lets external
      // memory reach tens of MiB before a full GC). Measured peaks do not grow with the input:
      // arrayBuffers ≈ 38 MiB (webcrypto) / 105 MiB (node:crypto) at 256 MiB, 39 / 125 MiB at 2 GiB.
      // Holding the input or the output would need at least `totalBytes`.
      expect(peakArrayBuffers).toBeLessThan(Math.min(192 * mebibyte, totalBytes * 0.75))
      expect(peakRss).toBeLessThan(256 * mebibyte)
    },
    600_000,
  )
})
