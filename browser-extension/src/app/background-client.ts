// The page's client of the background: typed requests, errors rebuilt with their name and code.
import { BackgroundError } from '../errors.ts'
import type { BackgroundRequest, BackgroundRequestType, BackgroundResponse, BackgroundResults } from '../messages.ts'

/** Sends requests to the background service worker. */
export type BackgroundClient = {
  request<const request extends BackgroundRequest>(request: request): Promise<BackgroundResults[request['type']]>
}

/**
 * A client of the background; `send` is `chrome.runtime.sendMessage` in the extension.
 *
 * @example
 * const background = createBackgroundClient()
 * const status = await background.request({ type: 'wallet.status' })
 */
export function createBackgroundClient(send: (message: unknown) => Promise<unknown> = (message) => chrome.runtime.sendMessage(message)): BackgroundClient {
  return {
    async request<const request extends BackgroundRequest>(request: request) {
      const response = (await send(request)) as BackgroundResponse<BackgroundRequestType> | undefined
      if (!response) throw new BackgroundError({ name: 'BackgroundUnavailableError', code: 'BACKGROUND_UNAVAILABLE', message: 'The extension\'s background did not answer; reload the page.' })
      if (!response.ok) throw new BackgroundError(response.error)
      return response.value as BackgroundResults[request['type']]
    },
  }
}
