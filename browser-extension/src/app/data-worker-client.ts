// The page's side of the data worker: one request at a time per call, with progress.
import { BackgroundError } from '../errors.ts'
import type { Inspection } from '../data/inspect.ts'
import type { BackgroundErrorJson } from '../messages.ts'

/** What the page asks the worker. */
export type DataWorkerRequest =
  | { id: number; type: 'inspect'; data: Blob; name: string; maxBytes: number }
  | { id: number; type: 'encrypt'; plaintext: Blob; key: Uint8Array; keep?: readonly string[] | undefined; name: string }

/** What the worker answers. */
export type DataWorkerResponse =
  | { id: number; type: 'progress'; bytes: number; total: number }
  | { id: number; type: 'done'; value: Inspection | Encrypted }
  | { id: number; type: 'error'; error: BackgroundErrorJson }

type Progress = ((bytes: number, total: number) => void) | undefined

/** The envelope of the plaintext (a table's kept columns only, when some are left out), as a stream, and the plaintext's size in bytes. */
export type Encrypted = { ciphertext: ReadableStream<Uint8Array>; plaintextBytes: number }

/** Reads and encrypts data in a worker. */
export type DataWorker = {
  inspect(parameters: { data: Blob; name: string; maxBytes: number; onProgress?: Progress }): Promise<Inspection>
  /**
   * Encrypts into the envelope format, as a stream that the worker fills only as fast as it is read
   * (transferred to the page); the worker wipes its copy of `key` when the stream ends or is cancelled.
   * With `keep` (a table's kept columns), the other columns are cut out as the file is read: the
   * worker first counts the cut CSV's bytes in a pass of its own (`onProgress`), holding neither
   * whole. `name` is the file's, for error messages.
   */
  encrypt(parameters: { plaintext: Blob; key: Uint8Array; keep?: readonly string[] | undefined; name: string; onProgress?: Progress }): Promise<Encrypted>
}

/**
 * Starts the data worker.
 *
 * @example
 * const worker = createDataWorker()
 * const inspection = await worker.inspect({ data: file, name: file.name, maxBytes })
 */
export function createDataWorker(worker = new Worker(new URL('./data-worker.ts', import.meta.url), { type: 'module' })): DataWorker {
  let next = 1
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void; onProgress: Progress }>()
  worker.onmessage = ({ data }: MessageEvent<DataWorkerResponse>) => {
    const entry = waiting.get(data.id)
    if (!entry) return
    if (data.type === 'progress') return entry.onProgress?.(data.bytes, data.total)
    waiting.delete(data.id)
    if (data.type === 'done') entry.resolve(data.value)
    else entry.reject(new BackgroundError(data.error))
  }
  worker.onerror = (event) => {
    for (const entry of waiting.values()) entry.reject(new BackgroundError({ name: 'DataWorkerError', code: 'DATA_WORKER_FAILED', message: `The data worker stopped: ${event.message}` }))
    waiting.clear()
  }
  const call = <value>(request: Omit<DataWorkerRequest, 'id'>, onProgress: Progress) =>
    new Promise<value>((resolve, reject) => {
      const id = next++
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, onProgress })
      worker.postMessage({ ...request, id })
    })
  return {
    inspect: ({ onProgress, ...request }) => call<Inspection>({ type: 'inspect', ...request }, onProgress),
    encrypt: ({ onProgress, ...request }) => call<Encrypted>({ type: 'encrypt', ...request }, onProgress),
  }
}
