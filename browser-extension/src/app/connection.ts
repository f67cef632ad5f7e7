// The vault node and chain to use, as fields the welcome screen and Settings share: the URLs,
// the host permission a node elsewhere needs, and saving them.
import type { AppContext } from './context.ts'
import { field, h } from './dom.ts'
import { defaultSettings, type Settings } from '../settings.ts'

/**
 * The origin pattern a URL needs as a host permission, unless the manifest grants it already (the
 * local `datavault dev` stack on 127.0.0.1 or localhost).
 *
 * @example
 * permissionFor('https://vault.example.org/api') // 'https://vault.example.org/*'
 */
export function permissionFor(url: string): string | undefined {
  const { protocol, hostname } = new URL(url)
  if (protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost')) return undefined
  return `${protocol}//${hostname}/*`
}

/** The node and chain URL fields, and what saving them takes. */
export type ConnectionFields = {
  fields: HTMLElement[]
  nodeUrl: HTMLInputElement
  rpcUrl: HTMLInputElement
  /**
   * Asks the browser for the permission the URLs need (call it in the click or submit handler
   * itself: the request needs the owner's gesture) and resolves whether it was granted.
   */
  requestPermission(): Promise<boolean>
  /** Saves the URLs as the settings (after {@link ConnectionFields.requestPermission}). */
  save(context: AppContext, extra?: Partial<Settings>): Promise<Settings>
}

/**
 * The vault node URL and chain RPC URL fields, filled with the current settings.
 *
 * @example
 * const connection = connectionFields(context.settings())
 * form.append(...connection.fields)
 */
export function connectionFields(settings: Settings): ConnectionFields {
  const nodeUrl = h('input', { type: 'url', name: 'nodeUrl', required: true, value: settings.nodeUrl, spellcheck: 'false' })
  const rpcUrl = h('input', { type: 'url', name: 'rpcUrl', required: true, value: settings.rpcUrl, spellcheck: 'false' })
  return {
    nodeUrl,
    rpcUrl,
    fields: [
      field('Vault node URL', nodeUrl, `The vault node that stores your encrypted data and runs the jobs. One started on this computer (with the command npx datavault dev) is at ${defaultSettings.nodeUrl}.`),
      field('Chain RPC URL', rpcUrl, `The address of the chain the node works on, where your wallet pays network fees. The one on this computer is at ${defaultSettings.rpcUrl}.`),
    ],
    requestPermission() {
      let origins: string[] = []
      try {
        origins = [nodeUrl.value, rpcUrl.value].map((url) => permissionFor(url.trim())).filter((origin): origin is string => origin !== undefined)
      } catch {}
      return origins.length ? chrome.permissions.request({ origins }) : Promise.resolve(true)
    },
    async save(context, extra = {}) {
      const saved = await context.background.request({ type: 'settings.set', settings: { nodeUrl: nodeUrl.value, rpcUrl: rpcUrl.value, ...extra } })
      await context.refresh()
      return saved
    },
  }
}
