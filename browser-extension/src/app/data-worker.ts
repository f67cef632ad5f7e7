// The app's data worker: reads and describes what the owner adds, and encrypts it, off the page's
// thread so the page stays responsive (and shows progress) on a large file.
import { encryptToBlob } from '../data/encrypt.ts'
import { inspectData } from '../data/inspect.ts'
import { errorJson } from '../errors.ts'
import { cipherPool } from './cipher-pool.ts'
import type { DataWorkerRequest, DataWorkerResponse } from './data-worker-client.ts'

type WorkerScope = { onmessage: ((event: MessageEvent<DataWorkerRequest>) => void) | null; postMessage(message: DataWorkerResponse): void }
const scope = globalThis as unknown as WorkerScope

// Chunks are sealed on a pool of cipher workers, one per core, while this worker reads and frames.
async function encryptOnPool(plaintext: Blob, key: Uint8Array, onProgress: (bytes: number, total: number) => void): Promise<Blob> {
  const pool = cipherPool()
  try {
    return await encryptToBlob({ plaintext, key, onProgress, crypto: pool })
  } finally {
    await pool?.close()
  }
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
  const work =
    request.type === 'inspect'
      ? inspectData({ data: request.data, name: request.name, maxBytes: request.maxBytes, onProgress: progress })
      : encryptOnPool(request.plaintext, request.key, progress).finally(() => request.key.fill(0))
  work.then(
    (value) => scope.postMessage({ id: request.id, type: 'done', value } as DataWorkerResponse),
    (error: unknown) => scope.postMessage({ id: request.id, type: 'error', error: errorJson(error) }),
  )
}
