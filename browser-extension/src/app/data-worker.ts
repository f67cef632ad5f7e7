// The app's data worker: reads and describes what the owner adds, and encrypts it, off the page's
// thread so the page stays responsive (and shows progress) on a large file.
import { encryptToStream } from '../data/encrypt.ts'
import { inspectData } from '../data/inspect.ts'
import { errorJson } from '../errors.ts'
import { cipherPool } from './cipher-pool.ts'
import type { DataWorkerRequest, DataWorkerResponse } from './data-worker-client.ts'

type WorkerScope = { onmessage: ((event: MessageEvent<DataWorkerRequest>) => void) | null; postMessage(message: DataWorkerResponse, transfer?: Transferable[]): void }
const scope = globalThis as unknown as WorkerScope

// Chunks are sealed on a pool of cipher workers, one per core, while this worker reads and frames.
// The ciphertext stream goes to the page (transferred), which uploads it as it is read; the key is
// wiped and the pool closed when it ends, fails or is cancelled.
function encryptOnPool(plaintext: Blob, key: Uint8Array): ReadableStream<Uint8Array> {
  const pool = cipherPool()
  return encryptToStream({
    plaintext,
    key,
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
    const stream = encryptOnPool(request.plaintext, request.key)
    scope.postMessage({ id: request.id, type: 'done', value: stream }, [stream as unknown as Transferable])
    return
  }
  inspectData({ data: request.data, name: request.name, maxBytes: request.maxBytes, onProgress: progress }).then(
    (value) => scope.postMessage({ id: request.id, type: 'done', value }),
    (error: unknown) => scope.postMessage({ id: request.id, type: 'error', error: errorJson(error) }),
  )
}
