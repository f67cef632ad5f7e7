import { type ChunkCipherPool, chunkCipherPool, webCryptoEnvelopeCrypto } from '@datavault/sdk'

/** At most this many cipher workers, whatever the machine reports. */
const maxWorkers = 8

/**
 * A pool of cipher workers (`cipher-worker.ts`, WebCrypto) for the envelope encryption of one file:
 * one worker per core the browser reports, at most {@link maxWorkers}. Undefined where this context
 * cannot start workers, and the caller then encrypts on its own thread. Close it when done.
 *
 * @example
 * const pool = cipherPool()
 * const ciphertext = encryptToStream({ plaintext, key, crypto: pool, onEnd: () => pool?.close() })
 */
export function cipherPool(): ChunkCipherPool | undefined {
  if (typeof Worker === 'undefined') return undefined
  const size = Math.max(1, Math.min(globalThis.navigator?.hardwareConcurrency ?? 2, maxWorkers))
  return chunkCipherPool({
    size,
    hkdf: webCryptoEnvelopeCrypto.hkdf,
    spawn({ message, fail }) {
      const worker = new Worker(new URL('./cipher-worker.ts', import.meta.url), { type: 'module' })
      worker.onmessage = (event) => message(event.data)
      worker.onerror = (event) => {
        event.preventDefault()
        fail(event.message || 'the cipher worker failed')
      }
      worker.onmessageerror = () => fail('the cipher worker sent a message that could not be read')
      return worker
    },
  })
}
