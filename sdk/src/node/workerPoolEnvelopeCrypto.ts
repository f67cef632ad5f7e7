import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { type ChunkCipher, type ChunkCipherPool, type ChunkCipherPoolInit, chunkCipherPool } from '../envelope/index.ts'
import { nodeEnvelopeCrypto } from './nodeEnvelopeCrypto.ts'

export type WorkerPoolEnvelopeCryptoParameters = {
  /** Worker threads; defaults to the number of cores (`os.availableParallelism()`). */
  threads?: number | undefined
  /**
   * What the workers encrypt with: `node` (node:crypto, the default) or `webcrypto` (`crypto.subtle`
   * in each worker, the path a browser has; for measuring it on Node).
   */
  engine?: 'node' | 'webcrypto' | undefined
  /**
   * Whether the calling thread takes its share of the chunks too (node:crypto, in place): one
   * chunk in `threads + 1`, the others going to the workers. On two cores, `{ threads: 1, caller:
   * true }` runs two ciphers (the caller's and one worker's) instead of two workers beside a
   * caller that only copies and waits. Default false.
   */
  caller?: boolean | undefined
}

export type WorkerPoolEnvelopeCryptoReturnType = ChunkCipherPool

// The sources run as .ts in the repository; the built package ships .js.
const workerUrl = new URL(`./envelopeCryptoWorker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

// The first worker started in this process raises glibc's malloc thresholds (raiseMallocTrimThreshold),
// so that chunks freed in bulk by the caller's GC stay mapped for the workers' next ones. They are
// the process's, so this flag is too; a worker's arena is fresh, where the caller's may already hold
// a free block large enough to defeat the raise (measured: 16-20 faults per MB instead of 0-5 when
// the caller had encrypted on its own thread first).
let allocatorTuned = false

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
  caller = false,
}: WorkerPoolEnvelopeCryptoParameters = {}): WorkerPoolEnvelopeCryptoReturnType {
  const plain = spawnNodeWorker(workerUrl, { engine })
  const tuning = spawnNodeWorker(workerUrl, { engine, raiseMallocTrimThreshold: true })
  const spawn: ChunkCipherPoolInit['spawn'] = (listeners) => {
    if (allocatorTuned) return plain(listeners)
    allocatorTuned = true
    return tuning(listeners)
  }
  const pool = chunkCipherPool({ size: threads, hkdf: nodeEnvelopeCrypto.hkdf, spawn })
  return caller ? sharedWithCaller(pool, threads) : pool
}

/** The pool, with the calling thread sealing and opening one chunk in `threads + 1` itself. */
function sharedWithCaller(pool: ChunkCipherPool, threads: number): ChunkCipherPool {
  return {
    hkdf: pool.hkdf,
    // No chunksInFlight: the caller's own chunks are sealed synchronously, so a deeper queue only
    // holds more memory (the default measured better).
    close: () => pool.close(),
    async hkdfChunkCipher(ikm, salt, info) {
      const workers = await pool.hkdfChunkCipher(ikm, salt, info)
      const here = (await nodeEnvelopeCrypto.hkdfChunkCipher(ikm, salt, info)) as ChunkCipher
      // The workers take the first chunk: it is posted before the caller's own blocks this thread.
      let turn = 0
      const mine = () => turn++ % (threads + 1) === threads
      return {
        seal: (nonce, aad, plaintext) => (mine() ? here.seal(nonce, aad, plaintext) : workers.seal(nonce, aad, plaintext)),
        open: (nonce, aad, sealed) => (mine() ? here.open(nonce, aad, sealed) : workers.open(nonce, aad, sealed)),
        dispose: () => workers.dispose?.(),
      }
    },
  }
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
