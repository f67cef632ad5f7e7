// The app's data worker: reads and describes what the owner adds, and encrypts it, off the page's
// thread so the page stays responsive (and shows progress) on a large file.
import { encryptToStream } from '../data/encrypt.ts'
import { inspectData, keepColumnsStream, keptColumnsBytes } from '../data/inspect.ts'
import { errorJson } from '../errors.ts'
import { cipherPool } from './cipher-pool.ts'
import type { DataWorkerRequest, DataWorkerResponse } from './data-worker-client.ts'

type WorkerScope = { onmessage: ((event: MessageEvent<DataWorkerRequest>) => void) | null; postMessage(message: DataWorkerResponse, transfer?: Transferable[]): void }
const scope = globalThis as unknown as WorkerScope

// Chunks are sealed on a pool of cipher workers, one per core, while this worker reads (and cuts
// the excluded columns out) and frames. The ciphertext stream goes to the page (transferred), which
// uploads it as it is read; the key is wiped and the pool closed when it ends, fails or is cancelled.
function encryptOnPool(plaintext: Blob, key: Uint8Array, cut: TransformStream<Uint8Array, Uint8Array> | undefined): ReadableStream<Uint8Array> {
  const pool = cipherPool()
  return encryptToStream({
    plaintext,
    key,
    cut,
    crypto: pool,
    onEnd: async () => {
      key.fill(0)
      await pool?.close()
    },
  })
}

scope.onmessage = ({ data: request }) => {
  let last = 0
  const progress = (bytes: number, total: number) => {
    // At most ~20 updates a second.
    const now = performance.now()
    if (bytes < total && now - last < 50) return
    last = now
    scope.postMessage({ id: request.id, type: 'progress', bytes, total })
  }
  if (request.type === 'encrypt') {
    const { plaintext, key, keep, name } = request
    // With columns left out, a first pass counts the cut CSV's bytes (the upload declares its size); nothing is kept.
    ;(keep ? keptColumnsBytes(plaintext, keep, name, progress) : Promise.resolve(plaintext.size)).then(
      (plaintextBytes) => {
        const ciphertext = encryptOnPool(plaintext, key, keep ? keepColumnsStream(keep, name) : undefined)
        scope.postMessage({ id: request.id, type: 'done', value: { ciphertext, plaintextBytes } }, [ciphertext as unknown as Transferable])
      },
      (error: unknown) => {
        key.fill(0)
        scope.postMessage({ id: request.id, type: 'error', error: errorJson(error) })
      },
    )
    return
  }
  inspectData({ data: request.data, name: request.name, maxBytes: request.maxBytes, onProgress: progress }).then(
    (value) => scope.postMessage({ id: request.id, type: 'done', value }),
    (error: unknown) => scope.postMessage({ id: request.id, type: 'error', error: errorJson(error) }),
  )
}
