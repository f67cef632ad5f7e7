import { siblingModule } from '../trainers/siblingModule.ts'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { DataVaultError } from '@datavault/sdk'
import type { HeWorkerRequest, HeWorkerResponse } from './protocol.ts'

/** An HE worker failed (a SEAL error, or the thread died). Carries no ciphertext or key bytes. */
export class HeWorkerError extends DataVaultError {
  override name = 'HeWorkerError'
  constructor(shortMessage: string, { cause }: { cause?: unknown } = {}) {
    super(shortMessage, { code: 'HE_WORKER_FAILED', status: 500, cause })
  }
}

type Request = HeWorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never
type Answer = Extract<HeWorkerResponse, { ok: true }>

/** Worker threads, each with its own node-seal instance and SEAL context: HE work on every core. */
export type HeWorkerPool = {
  readonly size: number
  /**
   * Sends `request` to worker `index`. Byte arrays are copied, with their whole underlying buffer
   * (a view into a large bundle copies the bundle): pass each object as its own array, and list
   * buffers the caller gives up in `transfer` to move them instead.
   */
  send(index: number, request: Request, transfer?: ArrayBuffer[]): Promise<Answer>
  /** Sends `request` to every worker. */
  broadcast(request: Request): Promise<Answer[]>
  /** Runs `work` when no other `exclusive` work holds the pool: the threads hold one job's keys at a time. */
  exclusive<T>(work: () => Promise<T>): Promise<T>
  /** Terminates the threads. */
  close(): Promise<void>
}

export type HeWorkerPoolInit = {
  /** Threads; one per core by default. */
  size?: number | undefined
}

/**
 * Starts the HE worker threads and waits until each has loaded node-seal. One job at a time uses
 * the pool (the engine serializes HE jobs); work is split across ciphertexts.
 *
 * @example
 * const pool = await heWorkerPool({ size: 2 })
 * try { await computeHeStatistics(pool, { bundle, columns }) } finally { await pool.close() }
 */
export async function heWorkerPool({ size = availableParallelism() }: HeWorkerPoolInit = {}): Promise<HeWorkerPool> {
  const workers: Worker[] = []
  const pending = new Map<number, { resolve(answer: Answer): void; reject(error: unknown): void }>()
  let nextId = 1
  let closed = false
  const failAll = (error: unknown) => {
    for (const entry of pending.values()) entry.reject(error)
    pending.clear()
  }
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, size) }, () => {
        const worker = new Worker(siblingModule(import.meta.url, 'he-worker'))
        workers.push(worker)
        return new Promise<void>((resolve, reject) => {
          worker.once('error', reject)
          worker.on('message', (message: HeWorkerResponse) => {
            if (message.id === 0) return resolve()
            const entry = pending.get(message.id)
            if (!entry) return
            pending.delete(message.id)
            if (message.ok) entry.resolve(message)
            else entry.reject(new HeWorkerError(`An HE worker failed: ${message.error.message}`))
          })
          worker.on('error', (error) => failAll(new HeWorkerError('An HE worker thread died.', { cause: error })))
          worker.on('exit', () => {
            if (!closed) failAll(new HeWorkerError('An HE worker thread exited.'))
          })
        })
      }),
    )
  } catch (error) {
    closed = true
    await Promise.all(workers.map((worker) => worker.terminate()))
    throw new HeWorkerError('The HE worker threads could not start.', { cause: error })
  }
  const send = (index: number, request: Request, transfer: ArrayBuffer[] = []) =>
    new Promise<Answer>((resolve, reject) => {
      if (closed) return reject(new HeWorkerError('The HE worker pool is closed.'))
      const id = nextId++
      pending.set(id, { resolve, reject })
      ;(workers[index % workers.length] as Worker).postMessage({ ...request, id }, transfer)
    })
  let turn: Promise<unknown> = Promise.resolve()
  return {
    size: workers.length,
    exclusive(work) {
      const run = turn.then(work, work)
      turn = run.catch(() => {})
      return run
    },
    send,
    broadcast: (request) => Promise.all(workers.map((_, index) => send(index, request))),
    async close() {
      closed = true
      failAll(new HeWorkerError('The HE worker pool is closed.'))
      await Promise.all(workers.map((worker) => worker.terminate()))
    },
  }
}
