// Debian's Chromium with the built extension loaded, driven by playwright-core: the browser the
// owner's end-to-end test runs in. Headless (the new headless mode loads extensions), with a
// throwaway profile in /dev/shm (or the temp dir).
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, type Page, type Worker, chromium } from 'playwright-core'

/** Where Debian installs Chromium (`.ci/run` and scripts/setup.sh install it). */
export const chromiumPath = process.env.DATAVAULT_CHROMIUM ?? '/usr/bin/chromium'

/** A browser with the extension loaded. */
export type ExtensionBrowser = {
  context: BrowserContext
  /** The extension's id (from its service worker's URL). */
  extensionId: string
  serviceWorker: Worker
  /** Opens the app page at `hash`. */
  openApp(hash?: string): Promise<Page>
  close(): Promise<void>
}

/**
 * Launches Chromium with the unpacked extension at `dist`.
 *
 * @example
 * const browser = await launchExtension('/tmp/dv-extension')
 * const page = await browser.openApp('#/welcome')
 */
export async function launchExtension(dist: string): Promise<ExtensionBrowser> {
  const profile = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'dv-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: false,
    viewport: { width: 1200, height: 820 },
    deviceScaleFactor: 1,
    args: ['--headless=new', `--disable-extensions-except=${dist}`, `--load-extension=${dist}`, '--no-sandbox', '--no-first-run', '--disable-gpu'],
  })
  const serviceWorker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }))
  const extensionId = new URL(serviceWorker.url()).host
  return {
    context,
    extensionId,
    serviceWorker,
    async openApp(hash = '') {
      const page = await context.newPage()
      await page.goto(`chrome-extension://${extensionId}/app.html${hash}`)
      return page
    },
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
