import { type IncomingMessage, request as httpRequest } from 'node:http'
import { type RequestOptions, request as httpsRequest } from 'node:https'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KubeConfig } from '@kubernetes/client-node'

/** Parameters of `followContainerLog`. */
export type FollowContainerLogParameters = {
  kubeConfig: KubeConfig
  namespace: string
  pod: string
  container: string
  onChunk(chunk: Uint8Array): void
  /** Whether the container is known to have terminated (from the watch). */
  terminated(): boolean
  signal: AbortSignal
  retryMs: number
}

/**
 * Follows a container's log (`pods/log`, `follow=true`) until it ended with the container. A stream
 * that ends or drops before the watch saw the container terminate (an API-server restart) is
 * re-opened and the bytes already read are skipped, so nothing is delivered twice. Uses node:http(s)
 * with the KubeConfig's TLS and credentials, so a dropped stream is an error of this loop, never an
 * unhandled stream error.
 */
export async function followContainerLog(parameters: FollowContainerLogParameters): Promise<void> {
  const { kubeConfig, namespace, pod, container, onChunk, terminated, signal, retryMs } = parameters
  let consumed = 0
  while (!signal.aborted) {
    const wasTerminated = terminated()
    let skip = consumed
    try {
      const url = new URL(`${kubeConfig.getCurrentCluster()!.server}/api/v1/namespaces/${namespace}/pods/${pod}/log`)
      url.searchParams.set('container', container)
      url.searchParams.set('follow', 'true')
      const response = await openStream(kubeConfig, url, signal)
      if (response.statusCode === 200) {
        for await (const chunk of response as AsyncIterable<Buffer>) {
          const fresh = skip >= chunk.length ? undefined : chunk.subarray(skip)
          skip = Math.max(0, skip - chunk.length)
          if (fresh) {
            consumed += fresh.length
            onChunk(fresh)
          }
        }
        // The stream ended whole: the container ended (or the server dropped us; then look again).
        if (wasTerminated || terminated()) return
      } else response.resume()
    } catch {}
    if (wasTerminated) return
    await sleep(retryMs, undefined, { signal }).catch(() => {})
  }
}

async function openStream(kc: KubeConfig, url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  const options: RequestOptions & { headers?: Record<string, string> } = { method: 'GET', headers: {} }
  await kc.applyToHTTPSOptions(options)
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { ...options, signal }, resolve)
    request.on('error', reject)
    request.end()
  })
}
