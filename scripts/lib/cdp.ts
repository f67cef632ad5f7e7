// The bare DevTools protocol over Chromium's WebSocket, for the extension benches: no Playwright,
// which pauses every worker at its start to attach and, with its network capture, has Chromium
// copy every request body into the protocol.

/** A DevTools connection: commands (flattened sessions), events, close. */
export type Cdp = {
  /** Sends a command; rejects with the protocol's error, when the connection closes, or after `timeoutMs` (default: the connection's). */
  send<result = Record<string, unknown>>(method: string, params?: object, sessionId?: string, timeoutMs?: number): Promise<result>
  /** Calls `listener` for every event; returns the function that stops it. */
  on(listener: (message: { method: string; params: Record<string, unknown>; sessionId?: string }) => void): () => void
  close(): void
}

/**
 * Connects to Chromium's DevTools WebSocket at `url`. `timeoutMs` bounds each command unless the
 * command names its own (a target that went away may never answer); none by default.
 *
 * @example
 * const cdp = await connectCdp(browser.endpoint, { timeoutMs: 5000 })
 * const { targetInfos } = await cdp.send<{ targetInfos: { targetId: string }[] }>('Target.getTargets')
 */
export async function connectCdp(url: string, { timeoutMs: defaultTimeoutMs }: { timeoutMs?: number } = {}): Promise<Cdp> {
  const socket = new WebSocket(url)
  await new Promise((resolve, reject) => {
    socket.onopen = resolve
    socket.onerror = reject
  })
  let next = 1
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  const listeners = new Set<Parameters<Cdp['on']>[0]>()
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(String(data))
    if (message.id) {
      const entry = pending.get(message.id)
      pending.delete(message.id)
      if (message.error) entry?.reject(new Error(`${message.error.message}`))
      else entry?.resolve(message.result)
    } else for (const listener of listeners) listener(message)
  }
  socket.onclose = () => {
    for (const entry of pending.values()) entry.reject(new Error('the DevTools connection closed'))
    pending.clear()
  }
  return {
    send: <result>(method: string, params: object = {}, sessionId?: string, timeoutMs = defaultTimeoutMs) =>
      new Promise<result>((resolve, reject) => {
        const id = next++
        const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
          pending.delete(id)
          reject(new Error(`${method}: no answer in ${timeoutMs} ms`))
        }, timeoutMs)
        const settle = () => clearTimeout(timer)
        pending.set(id, {
          resolve: (value) => (settle(), resolve(value as result)),
          reject: (error) => (settle(), reject(error)),
        })
        socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }))
      }),
    on(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: () => socket.close(),
  }
}

/** Evaluates `expression` in a session's page or worker (awaited, by value); an exception there throws here. */
export async function evaluateOverCdp<value>(cdp: Cdp, sessionId: string, expression: string, timeoutMs?: number): Promise<value> {
  const { result, exceptionDetails } = await cdp.send<{ result: { value: value }; exceptionDetails?: { exception?: { description?: string }; text: string } }>(
    'Runtime.evaluate',
    { expression, awaitPromise: true, returnByValue: true },
    sessionId,
    timeoutMs,
  )
  if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`)
  return result.value
}
