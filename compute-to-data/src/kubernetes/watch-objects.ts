import { setTimeout as sleep } from 'node:timers/promises'
import type { Watch } from '@kubernetes/client-node'
import type { SandboxLogger } from '../sandbox/runner.ts'

/** What `watchObjects` needs: a list call, the Watch and the collection's path. */
export type WatchObjectsParameters<T> = {
  watcher: Watch
  /** The collection's API path, e.g. `/api/v1/namespaces/<ns>/pods`. */
  path: string
  labelSelector: string
  /** Lists the collection with the same selector (the starting state and its resourceVersion). */
  list(): Promise<{ items: T[]; metadata?: { resourceVersion?: string } | undefined }>
  /** Each object seen: `ADDED` for listed ones, then the watch's `ADDED`, `MODIFIED`, `DELETED`. */
  onObject(type: string, object: T): void
  signal: AbortSignal
  retryMs: number
  logger: SandboxLogger
}

/**
 * Keeps a view of a collection from a watch, not polling: lists, then watches from the list's
 * resourceVersion; a watch that ends or drops (an API-server restart, a timeout) is re-opened from
 * the last resourceVersion seen (bookmarks included), and `410 Gone` (the server no longer has
 * that version) relists. Runs until `signal` aborts.
 */
export async function watchObjects<T extends { metadata?: { resourceVersion?: string } | undefined }>(parameters: WatchObjectsParameters<T>): Promise<void> {
  const { watcher, path, labelSelector, list, onObject, signal, retryMs, logger } = parameters
  let resourceVersion: string | undefined
  let failures = 0
  while (!signal.aborted) {
    try {
      if (resourceVersion === undefined) {
        const listed = await list()
        for (const item of listed.items) onObject('ADDED', item)
        resourceVersion = listed.metadata?.resourceVersion
      }
      await new Promise<void>((resolve, reject) => {
        let controller: AbortController | undefined
        const onStop = () => controller?.abort()
        signal.addEventListener('abort', onStop, { once: true })
        void watcher
          .watch(
            path,
            { labelSelector, resourceVersion, allowWatchBookmarks: true },
            (type: string, object: T & { code?: number }) => {
              if (type === 'ERROR') {
                // `410 Gone`: our version is older than the server keeps; relist.
                if (object.code === 410) resourceVersion = undefined
                controller?.abort()
                return
              }
              failures = 0
              if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion
              if (type !== 'BOOKMARK') onObject(type, object)
            },
            (error: unknown) => {
              signal.removeEventListener('abort', onStop)
              // An abort (ours) and the client's inactivity timeout are ordinary ends: watch again.
              if (error && !(error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))) reject(error)
              else resolve()
            },
          )
          .then((c) => {
            controller = c
            if (signal.aborted) c.abort()
          })
      })
    } catch (error) {
      const code = (error as { statusCode?: number; code?: number }).statusCode ?? (error as { code?: number }).code
      if (code === 410) resourceVersion = undefined
      if (failures++ % 20 === 0) logger.warn({ path, err: (error as Error)?.name ?? typeof error, code }, 'Kubernetes watch dropped; resuming')
    }
    if (!signal.aborted) await sleep(retryMs, undefined, { signal }).catch(() => {})
  }
}
