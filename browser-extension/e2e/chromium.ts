// Debian's Chromium with the built extension loaded, driven by playwright-core: the browser the
// owner's end-to-end test runs in. Headless (the new headless mode loads extensions), with a
// throwaway profile in /dev/shm (or the temp dir).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
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
  /** The throwaway profile directory (Chromium's `--user-data-dir`: its processes are found by it). */
  profile: string
  /** Opens the app page at `hash`. */
  openApp(hash?: string): Promise<Page>
  close(): Promise<void>
}

/**
 * Launches Chromium with the unpacked extension at `dist`; `args` are added to its command line
 * (a bench's `--remote-debugging-port=0`, for instance).
 *
 * @example
 * const browser = await launchExtension('/tmp/dv-extension')
 * const page = await browser.openApp('#/welcome')
 */
export async function launchExtension(dist: string, { args = [] }: { args?: readonly string[] } = {}): Promise<ExtensionBrowser> {
  const profile = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'dv-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: false,
    viewport: { width: 1200, height: 820 },
    deviceScaleFactor: 1,
    args: ['--headless=new', `--disable-extensions-except=${dist}`, `--load-extension=${dist}`, '--no-sandbox', '--no-first-run', '--disable-gpu', ...args],
  })
  return await extensionBrowser(context, profile, async () => {
    await context.close()
    await rm(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  })
}

/** The extension in `context`, once its service worker runs: its id and a way to open its app page. */
async function extensionBrowser(context: BrowserContext, profile: string, close: () => Promise<void>): Promise<ExtensionBrowser> {
  const serviceWorker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }))
  const extensionId = new URL(serviceWorker.url()).host
  return {
    context,
    extensionId,
    serviceWorker,
    profile,
    async openApp(hash = '') {
      const page = await context.newPage()
      await page.goto(`chrome-extension://${extensionId}/app.html${hash}`)
      return page
    },
    close,
  }
}

/** Chromium with the extension, started as a process of its own with a DevTools port. */
export type ExtensionChromium = {
  /** The throwaway profile directory (its processes are found by it). */
  profile: string
  /** The browser's DevTools WebSocket URL. */
  endpoint: string
  /**
   * Playwright, connected over the DevTools protocol; its `close()` only disconnects it and leaves
   * the browser running. Disconnect before measuring: Playwright's network capture has Chromium
   * copy every request body (base64) into the protocol, which a user's browser does not do.
   */
  connect(): Promise<ExtensionBrowser>
  /** Stops the browser and removes its profile. */
  close(): Promise<void>
}

/**
 * Starts Debian's Chromium with the unpacked extension at `dist` as a process of its own (headless,
 * a throwaway profile, `--remote-debugging-port=0`), for a bench that drives it with Playwright
 * first and then over the bare DevTools protocol.
 *
 * @example
 * const chromium = await spawnExtensionChromium('/tmp/dv-extension')
 * const browser = await chromium.connect()
 * await browser.close() // disconnects Playwright; the browser runs on
 */
export async function spawnExtensionChromium(dist: string, { args = [] }: { args?: readonly string[] } = {}): Promise<ExtensionChromium> {
  const profile = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'dv-chromium-'))
  const child = spawn(
    chromiumPath,
    [
      '--headless=new',
      `--user-data-dir=${profile}`,
      '--remote-debugging-port=0',
      `--disable-extensions-except=${dist}`,
      `--load-extension=${dist}`,
      '--no-sandbox',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-gpu',
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      '--window-size=1200,820',
      ...args,
      'about:blank',
    ],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))])
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    }
    // Chromium's helper processes may still be writing the profile as the browser exits (ENOTEMPTY): retried.
    await rm(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  }
  let endpoint: string | undefined
  for (let waited = 0; !endpoint; waited += 100) {
    const active = await readFile(join(profile, 'DevToolsActivePort'), 'utf8').catch(() => '')
    const [port, path] = active.split('\n')
    if (port && path) endpoint = `ws://127.0.0.1:${port}${path}`
    else if (waited > 60_000 || child.exitCode !== null) {
      await close()
      throw new Error(`Chromium did not open its DevTools port (${chromiumPath})`)
    } else await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const found = endpoint
  return {
    profile,
    endpoint: found,
    async connect() {
      const browser = await chromium.connectOverCDP(found)
      return await extensionBrowser(browser.contexts()[0]!, profile, () => browser.close())
    },
    close,
  }
}
