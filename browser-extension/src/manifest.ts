// The Manifest V3 document the build writes to the extension's root. Kept as code so the version
// comes from package.json and the permissions sit beside the reason for each.

/** What `extensionManifest` needs from the build. */
export type ExtensionManifestParameters = { version: string }

/**
 * The extension's `manifest.json`.
 *
 * @example
 * const manifest = extensionManifest({ version: '0.1.0' })
 */
export function extensionManifest({ version }: ExtensionManifestParameters) {
  return {
    manifest_version: 3,
    name: 'datavault',
    short_name: 'datavault',
    description: 'Your data vault: encrypt data in the browser, sell training on it, see every job, revoke.',
    version,
    minimum_chrome_version: '120',
    // Drawn by the build (src/icons.ts).
    icons: { 16: 'icons/icon-16.png', 32: 'icons/icon-32.png', 48: 'icons/icon-48.png', 128: 'icons/icon-128.png' },
    // The toolbar button opens the app as a 400 px popup; its header's "Open in a tab" (and adding
    // data, which must outlive the popup) opens the same page in a tab.
    action: { default_title: 'Open my datavault', default_icon: { 16: 'icons/icon-16.png', 32: 'icons/icon-32.png' }, default_popup: 'app.html?popup' },
    background: { service_worker: 'background.js', type: 'module' },
    permissions: [
      // The encrypted wallet and the library (local), the unlocked key (session: memory only).
      'storage',
      // Auto-lock.
      'alarms',
      // "Add this table / selection to my vault".
      'contextMenus',
      // Reading the tables of the page the menu was opened on (granted for that tab only, by activeTab).
      'scripting',
      'activeTab',
    ],
    // The local `datavault dev` node and chain; other nodes are asked for when their URL is saved.
    host_permissions: ['http://127.0.0.1/*', 'http://localhost/*'],
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    content_security_policy: { extension_pages: "script-src 'self'; object-src 'self'" },
  } as const
}
