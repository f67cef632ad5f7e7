import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { type ChunkCipherPool, type ChunkCipherPoolInit, chunkCipherPool } from '../envelope/index.ts'
import { nodeEnvelopeCrypto } from './nodeEnvelopeCrypto.ts'

export type WorkerPoolEnvelopeCryptoParameters = {
  /** Worker threads; defaults to the number of cores (`os.availableParallelism()`). */
  threads?: number | undefined
  /**
   * What the workers encrypt with: `node` (node:crypto, the default) or `webcrypto` (`crypto.subtle`
   * in each worker, the path a browser has; for measuring it on Node).
   */
  engine?: 'node' | 'webcrypto' | undefined
}

export type WorkerPoolEnvelopeCryptoReturnType = ChunkCipherPool

// The sources run as .ts in the repository; the built package ships .js.
const workerUrl = new URL(`./envelopeCryptoWorker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

/**
 * Envelope crypto that seals and opens chunks on a pool of worker threads, so encryption uses every
 * core: pass it as `crypto` to `createEncryptStream`/`createDecryptStream`, `encryptFile` or
 * `decryptFile`. The output is the same envelope, byte for byte in format, as on one thread; chunk
 * order is kept by the stream, which awaits results in order. HKDF runs on the calling thread.
 *
 * Workers start on the first chunk and do not keep the process alive while idle; `close()` ends
 * them. A worker that fails fails the stream with `EnvelopeWorkerError`.
 *
 * @example
 * const crypto = workerPoolEnvelopeCrypto()
 * try {
 *   await encryptFile('big.csv', 'big.csv.dve', key, { crypto })
 * } finally {
 *   await crypto.close()
 * }
 */
export function workerPoolEnvelopeCrypto({
  threads = availableParallelism(),
  engine = 'node',
}: WorkerPoolEnvelopeCryptoParameters = {}): WorkerPoolEnvelopeCryptoReturnType {
  return chunkCipherPool({ size: threads, hkdf: nodeEnvelopeCrypto.hkdf, spawn: spawnNodeWorker(workerUrl, { engine }) })
}

/**
 * Starts a worker thread for {@link chunkCipherPool} from `script` and wires its events: a thrown
 * error, an unreadable message or an exit all fail the pool. Internal (not exported by the package).
 */
export function spawnNodeWorker(script: URL | string, workerData: unknown, options: { eval?: boolean } = {}): ChunkCipherPoolInit['spawn'] {
  return ({ message, fail }) => {
    const worker = new Worker(script, { workerData, ...options })
    worker.on('message', message)
    worker.on('error', (error) => fail(error.message))
    worker.on('messageerror', (error) => fail(error.message))
    worker.on('exit', (code) => fail(`worker exited with code ${code}`))
    return worker
  }
}
