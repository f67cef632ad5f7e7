// The SHA-256 of a file on a thread of its own, so that `datavault publish` hashes the file on
// one core while it profiles it on the other (one thread did both, one after the other, piece by
// piece: about 0.6 s of the profile pass per GiB here).
import { Worker } from 'node:worker_threads'

// The worker's program: plain CommonJS given as text, so the thread starts without the CLI's
// modules (or TypeScript's type stripping): ~20 MiB of memory while it runs. It reads the file
// into one reused 1 MiB buffer and posts the digest.
const program = `
const { parentPort, workerData } = require('node:worker_threads')
const { openSync, readSync, closeSync } = require('node:fs')
const { createHash } = require('node:crypto')
const hash = createHash('sha256')
const buffer = new Uint8Array(1 << 20)
const file = openSync(workerData.path, 'r')
try {
  for (let read; (read = readSync(file, buffer, 0, buffer.length, null)) > 0; ) hash.update(read === buffer.length ? buffer : buffer.subarray(0, read))
} finally {
  closeSync(file)
}
parentPort.postMessage(hash.digest())
`

/** Options of {@link sha256OfFile}. */
export type Sha256OfFileParameters = {
  /** Aborting stops the thread; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined
}

/**
 * The SHA-256 of the file at `path`, computed on a worker thread (the caller's thread stays free).
 * Rejects with the file system's error for a file that cannot be read.
 *
 * @example
 * const hashing = sha256OfFile('big.csv', { signal })
 * const profile = await profileCsv(readFilePieces('big.csv'))
 * const sha256 = await hashing
 */
export function sha256OfFile(path: string, { signal }: Sha256OfFileParameters = {}): Promise<Uint8Array> {
  signal?.throwIfAborted()
  const worker = new Worker(program, { eval: true, workerData: { path } })
  return new Promise<Uint8Array>((resolve, reject) => {
    const onAbort = () => {
      reject(signal!.reason)
      void worker.terminate()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const settle = () => signal?.removeEventListener('abort', onAbort)
    worker.once('message', (digest: Uint8Array) => {
      settle()
      resolve(new Uint8Array(digest))
    })
    worker.once('error', (error) => {
      settle()
      reject(error)
    })
    worker.once('exit', (code) => {
      settle()
      // After a message or an error this changes nothing (a promise settles once).
      reject(new Error(`the hashing thread stopped (exit code ${code}) before its result`))
    })
  })
}
