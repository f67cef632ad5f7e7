// The owner's first minutes in the extension, in Debian's Chromium against a real local stack,
// at a full window's width and at a popup's (400 px): the node chosen before the wallet is
// created, the backup prompt, the address with its copy button, the balance, the steps to get
// gas and test ETH on the dev chain; the lock screen's focus; a node that is down (nothing says
// "For sale", plain words); a no-ETH notice that is no longer true; plain words with the exact
// terms a click away; nothing cut off or scrolling sideways; the manifest's icons.
import { readFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { parseEther } from 'viem'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { type TestStack, startTestStack } from '../../test/fixtures/stack.ts'
import { buildExtension } from '../build.ts'
import { type ExtensionBrowser, launchExtension } from './chromium.ts'
import { audit, overflow } from './page-checks.ts'

const password = 'correct horse battery staple'
let t: TestStack
let dist: string

/** Polls what the page shows until it matches (key derivation and chain calls take seconds on a busy machine). */
const poll = <value>(read: () => Promise<value>) => expect.poll(read, { timeout: 30_000, interval: 100 })

/** Calls the chain's JSON-RPC. */
async function rpc(method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(t.stack.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  return ((await response.json()) as { result: unknown }).result
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dv-extension-first-'))
  dist = join(dir, 'extension')
  ;[t] = await Promise.all([startTestStack(), buildExtension({ outDir: dist, zipFile: false })])
}, 240_000)

afterAll(async () => {
  await t?.stop()
  if (dist) await rm(join(dist, '..'), { recursive: true, force: true })
})

describe.each([
  { width: 1200, height: 820, label: 'full width' },
  { width: 400, height: 600, label: 'popup width' },
])('the first minutes at $label ($width px)', ({ width, height, label }) => {
  let browser: ExtensionBrowser
  let page: Page
  let owner: `0x${string}`

  /** Opens a screen (again, when it is the current one) and waits until it has loaded. */
  async function go(hash: string): Promise<void> {
    await page.evaluate((target) => {
      if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'))
      else location.hash = target
    }, hash)
    await page.locator('main h1').first().waitFor()
    await page.locator('main', { hasNotText: 'Loading…' }).waitFor()
  }

  /** Nothing scrolls sideways and no control is cut off; the accessibility check passes. */
  async function fits(): Promise<void> {
    const { scrollWidth, width: shown, cutOff } = await overflow(page)
    expect(cutOff).toEqual([])
    expect(scrollWidth).toBeLessThanOrEqual(shown)
    expect(await audit(page)).toEqual({ unlabeled: [], lowContrast: [] })
  }

  /** Sends a request to the extension's background, as the app page does. */
  const background = (request: object) => page.evaluate(async (message) => chrome.runtime.sendMessage(message), request) as Promise<{ ok: boolean; value: { id: string } }>

  beforeAll(async () => {
    browser = await launchExtension(dist)
    page = await browser.openApp()
    await page.setViewportSize({ width, height })
  }, 60_000)

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(tmpdir(), `dv-first-minutes-${width}-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {})
  })

  afterAll(async () => {
    await browser?.close()
  })

  test('default: the node is chosen before the wallet; creating it opens a start screen with the backup prompt, the address to copy, the balance and test ETH', async () => {
    await page.locator('main h1', { hasText: 'Your datavault' }).waitFor()
    // Settings is in the header before any wallet exists.
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).isVisible()).toBe(true)
    await page.getByLabel('Vault node URL').fill(t.stack.vaultUrl)
    await page.getByLabel('Chain RPC URL').fill(t.stack.rpcUrl)
    await fits()
    const create = page.getByRole('form', { name: '2. Create a wallet' })
    await create.getByLabel('Password', { exact: true }).fill(password)
    await create.getByLabel('Repeat the password').fill(password)
    await create.getByRole('button', { name: 'Create wallet' }).click()
    await page.locator('main h1', { hasText: 'Your wallet is ready' }).waitFor({ timeout: 60_000 })
    // The node chosen on the welcome screen is the one saved, and the first screen reaches it: no error.
    const settings = await browser.serviceWorker.evaluate(async () => (await chrome.storage.local.get('settings')).settings as { nodeUrl: string; rpcUrl: string })
    expect(settings).toMatchObject({ nodeUrl: t.stack.vaultUrl, rpcUrl: t.stack.rpcUrl })
    await page.getByText(`Connected to the vault node at ${new URL(t.stack.vaultUrl).origin}.`).waitFor()
    expect(await page.getByRole('alert').count()).toBe(0)

    // The address, with a copy button that puts it on the clipboard.
    owner = (await page.locator('main [data-address]').innerText()) as `0x${string}`
    expect(owner).toMatch(/^0x[0-9a-fA-F]{40}$/)
    // (The clipboard cannot be read back from an extension page under test: what the button writes is recorded.)
    await page.evaluate(() => {
      const write = navigator.clipboard.writeText.bind(navigator.clipboard)
      navigator.clipboard.writeText = (text: string) => {
        ;(window as unknown as { copied: string }).copied = text
        return write(text)
      }
    })
    await page.getByRole('button', { name: 'Copy your address' }).click()
    await poll(() => page.evaluate(() => (window as unknown as { copied?: string }).copied)).toBe(owner)
    await poll(() => page.getByRole('button', { name: 'Copy your address' }).innerText()).toMatch(/^(Copied|Selected: press Ctrl\+C)$/)
    // 0 ETH: the steps to get some are open, and on this dev chain a button gives test ETH.
    await poll(() => page.locator('main [data-balance]').innerText()).toBe('0 ETH')
    expect(await page.locator('details.gas-steps').getAttribute('open')).toBe('')
    expect(await page.locator('details.gas-steps').innerText()).toMatch(/Copy your address[\s\S]*send a small amount[\s\S]*Check again/)
    await fits()

    // The backup prompt downloads the encrypted keystore, for this address.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the backup file' }).click()])
    const keystore = JSON.parse(await readFile((await download.path())!, 'utf8')) as { address: string; crypto: { kdf: string } }
    expect(`0x${keystore.address}`.toLowerCase()).toBe(owner.toLowerCase())
    expect(keystore.crypto.kdf).toBe('scrypt')
    await page.getByText('Backup downloaded.').waitFor()

    await page.getByRole('button', { name: 'Get 10 test ETH' }).click()
    await page.getByText('Added 10 test ETH. You have 10 ETH.').waitFor()
    expect(BigInt((await rpc('eth_getBalance', [owner, 'latest'])) as string)).toBe(parseEther('10'))
    await poll(() => page.locator('main [data-balance]').innerText()).toBe('10 ETH')
    await fits()
  })

  test('behavior: the lock screen focuses the password; Settings stays reachable while locked; Enter unlocks', async () => {
    await page.getByRole('button', { name: 'Lock' }).click()
    await page.locator('main h1', { hasText: 'Locked' }).waitFor()
    await poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password')
    await fits()
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click()
    await page.locator('main h1', { hasText: 'Settings' }).waitFor()
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Unlock' }).click()
    await page.locator('main h1', { hasText: 'Locked' }).waitFor()
    await poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password')
    await page.keyboard.type(password)
    await page.keyboard.press('Enter')
    await page.locator('main h1', { hasText: 'My datasets' }).waitFor({ timeout: 60_000 })
    // Backed up and funded: neither the backup prompt nor the no-ETH panel.
    await page.getByText('Nothing in your vault yet').waitFor()
    expect(await page.getByRole('heading', { name: 'Back up your wallet' }).count()).toBe(0)
    expect(await page.locator('.wallet-panel').isVisible()).toBe(false)
    await fits()
  })

  test('behavior: adding a table: each column included or not, typed, blanks handled, values published only where ticked; the confirmation lists exactly what becomes public', async () => {
    await go('#/add')
    const csv = [
      'age,smoker,visit,notes,risk,ssn',
      '31,1,2024-01-03,Called Dr. A about test results,high,111-22-3333',
      'NA,0,2024-02-11,No answer,low,222-33-4444',
      '52,1,2024-03-09,Asked for a new appointment,high,333-44-5555',
      '47,0,2024-04-21,Left a message,low,444-55-6666',
    ].join('\n')
    await page.getByLabel('Choose a file').setInputFiles({ name: 'clinic.csv', mimeType: 'text/csv', buffer: Buffer.from(`${csv}\n`) })
    const table = page.getByRole('table', { name: /Your columns/ })
    await table.waitFor()
    // Proposed: a number with its blank, a 0/1 label as a category, dates and free text private.
    expect(await page.getByLabel('Type of age').inputValue()).toBe('number')
    expect(await page.getByLabel('Type of smoker').inputValue()).toBe('category')
    expect(await page.getByLabel('Type of visit').inputValue()).toBe('date')
    expect(await page.getByLabel('Type of notes').inputValue()).toBe('text')
    expect(await table.locator('tr[data-column="notes"]').innerText()).toContain('Its name only: never the text.')
    expect(await table.locator('tr[data-column="age"]').innerText()).toMatch(/1 blank cell/)
    expect(await page.getByLabel('Lowest value of age').inputValue()).not.toBe('')
    await fits()
    // Without a tick, no category value is published: adding stops and names the columns.
    await page.getByRole('button', { name: 'Encrypt and add to my vault' }).click()
    await poll(() => page.getByRole('alert').innerText()).toMatch(/Choose for smoker, risk: tick “Publish these values”/)
    await page.getByLabel('Include ssn').uncheck()
    expect(await table.locator('tr[data-column="ssn"]').innerText()).toContain('never leaves this browser')
    await page.getByLabel('Blank cells of age').selectOption('fill-mean')
    await page.getByLabel('Publish the values of smoker').check()
    await page.getByLabel('Publish the values of risk').check()
    await page.getByRole('button', { name: 'Encrypt and add to my vault' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    expect(await dialog.locator('.public-list li').allInnerTexts()).toEqual([
      'age: number; blank cells filled with the average',
      'smoker: category, with its values: 0, 1',
      'visit: date, name only',
      'notes: text, name only',
      'risk: category, with its values: high, low',
    ])
    expect(await dialog.innerText()).toMatch(/4 rows[\s\S]*Left out, never leaving this browser: ssn\./)
    await fits()
    await dialog.getByRole('button', { name: 'Encrypt and add' }).click()
    const added = page.getByRole('status').filter({ hasText: 'Added “clinic” to your vault.' })
    await added.waitFor({ timeout: 30_000 })
    expect(await added.innerText()).not.toMatch(/AES|CID|\bb[a-z2-7]{40,}|Qm/)
    await added.locator('details.terms summary').click()
    expect(await added.locator('details.terms').innerText()).toMatch(/AES-256-GCM[\s\S]*CID[\s\S]*(b[a-z2-7]{20,}|Qm)/)
    await fits()
    // What was kept: the schema as chosen (no values for dates or notes), the bounds here only, and a file without ssn.
    const items = (await background({ type: 'library.list' })).value as unknown as { name: string; schema: { columns: object[] }; bounds: Record<string, object>; plaintextBytes: number }[]
    const item = items.find((entry) => entry.name === 'clinic')!
    expect(item.schema.columns).toEqual([
      { name: 'age', type: 'number', blanks: 'fill-mean' },
      { name: 'smoker', type: 'category', values: ['0', '1'] },
      { name: 'visit', type: 'date' },
      { name: 'notes', type: 'text' },
      { name: 'risk', type: 'category', values: ['high', 'low'] },
    ])
    expect(Object.keys(item.bounds)).toEqual(['age'])
    const withoutSsn = `${csv.split('\n').map((line) => line.split(',').slice(0, 5).join(',')).join('\n')}\n`
    expect(item.plaintextBytes).toBe(Buffer.byteLength(withoutSsn))
  })

  test('behavior: the publish form and its confirmation speak plainly, with the exact terms one click away; without private training the mean and spread are said', async () => {
    await go('#/datasets')
    await page.getByRole('link', { name: 'Publish: clinic' }).click()
    const form = page.getByRole('form', { name: 'Price and policy' })
    await form.waitFor()
    const plain = /ε|δ|epoch|ERC721|FixedRateExchange|Dispenser|escrow|datatoken|declared bounds/i
    expect(await form.innerText()).not.toMatch(plain)
    expect(await page.locator('[data-summaries]').innerText()).toContain("each number column's average and spread (its mean and standard deviation)")
    await form.locator('details.terms summary').click()
    expect(await form.locator('details.terms').innerText()).toMatch(/ε \(epsilon\)[\s\S]*δ \(delta\)[\s\S]*Declared bounds[\s\S]*Epoch[\s\S]*Mean and standard deviation/)
    // With private training, the bounds and budget fields speak plainly too, and the mean-and-spread note goes.
    await page.getByLabel(/Require private training/).check()
    expect(await page.locator('[data-summaries]').isVisible()).toBe(false)
    expect(await form.locator('.dp-settings').innerText()).toMatch(/Lowest and highest value of each number column \(public\)/)
    // The bounds proposed from the data when it was added, to confirm.
    expect(await page.getByLabel('Lowest value of age').inputValue()).not.toBe('')
    await page.getByLabel(/Require private training/).uncheck()
    await fits()
    await page.getByRole('button', { name: 'Review' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    expect(await dialog.innerText()).toMatch(/Create the tokens that prove the dataset is yours[\s\S]*Hand the data key to the node's key holders[\s\S]*You have 10 ETH\./)
    expect(await dialog.innerText()).not.toMatch(plain)
    expect(await dialog.innerText()).toMatch(/What becomes public[\s\S]*risk: category, with its values: high, low[\s\S]*Left out, never leaving this browser: ssn/)
    await dialog.locator('details.terms summary').click()
    expect(await dialog.locator('details.terms').innerText()).toMatch(/Data NFT[\s\S]*Datatoken[\s\S]*ERC721Factory[\s\S]*Key escrow[\s\S]*FixedRateExchange/)
    await fits()
    await dialog.getByRole('button', { name: 'Cancel' }).click()
  })

  test('behavior: a stopped publication for want of ETH is not said as if still true once the wallet has ETH', async () => {
    const [item] = (await background({ type: 'library.list' })).value as unknown as { id: string; name: string; schema: unknown }[]
    const attempt = {
      step: 'datatoken',
      state: { cid: 'bafkreidummydummydummydummydummydummydummydummy' },
      reason: { code: 'INSUFFICIENT_FUNDS', message: 'Publishing stopped while creating the datatoken; nothing was put up for sale. Your wallet has no ETH to pay the network fee (gas).' },
      request: { price: '3000000000000000000', free: false, policy: { trainers: ['logistic-regression'] }, schema: item!.schema },
      at: new Date().toISOString(),
    }
    expect((await background({ type: 'library.update', id: item!.id, patch: { publishAttempt: attempt } })).ok).toBe(true)
    await go('#/datasets')
    const row = page.locator(`tr[data-item="${item!.id}"]`)
    expect(await row.innerText()).toMatch(/stopped earlier because the wallet had no ETH[\s\S]*It has some now[\s\S]*Resume publishing/)
    expect(await row.innerText()).not.toContain('Your wallet has no ETH')
    await fits()
    // With 0 ETH again, the notice is true again, and the wallet panel shows how to get some.
    await rpc('hardhat_setBalance', [owner, '0x0'])
    await go('#/datasets')
    expect(await row.innerText()).toContain('Your wallet has no ETH to pay the network fee (gas).')
    await page.locator('.wallet-panel').waitFor()
    await poll(() => page.locator('main [data-balance]').innerText()).toBe('0 ETH')
    await fits()
    await rpc('hardhat_setBalance', [owner, `0x${parseEther('10').toString(16)}`])
    await background({ type: 'library.update', id: item!.id, patch: { publishAttempt: null } })
  })

  test('error: with the node down, no screen says "For sale"; the messages are plain words, with Settings one click away', async () => {
    const [item] = (await background({ type: 'library.list' })).value as unknown as { id: string }[]
    // As if it had been published (its datatoken recorded): the node is the one to say whether it is for sale.
    await background({ type: 'library.update', id: item!.id, patch: { dataset: '0x00000000000000000000000000000000000000d1' } })
    await go('#/settings')
    await page.getByLabel('Vault node URL').fill('http://127.0.0.1:9')
    await page.getByRole('button', { name: 'Save and check' }).click()
    await poll(() => page.getByRole('alert').innerText()).toContain('The vault node at http://127.0.0.1:9 does not answer.')
    for (const screen of ['#/datasets', '#/jobs', '#/start']) {
      await go(screen)
      await poll(() => page.locator('main').innerText()).toContain('Is it running?')
      const text = await page.locator('main').innerText()
      expect(text, screen).not.toMatch(/for sale ·|^For sale/im)
      expect(text, screen).not.toContain('`')
      expect(await page.getByRole('alert').first().getByRole('link', { name: 'Settings' }).count(), screen).toBe(1)
      await fits()
    }
    await go('#/datasets')
    expect(await page.locator(`tr[data-item="${item!.id}"]`).innerText()).toMatch(/whether it is for sale now is unknown until the vault node answers/)
    await go('#/settings')
    await page.getByLabel('Vault node URL').fill(t.stack.vaultUrl)
    await page.getByRole('button', { name: 'Save and check' }).click()
    await page.getByText(/Connected to vault node/).waitFor()
  })

  test(`default: the header is compact and the manifest's icons load (${label})`, async () => {
    await go('#/datasets')
    const header = await page.locator('header.top').boundingBox()
    // A third of a popup's height was the complaint: one line now.
    expect(header!.height).toBeLessThan(width <= 400 ? 60 : 80)
    const manifest = JSON.parse(await readFile(join(dist, 'manifest.json'), 'utf8')) as { icons: Record<string, string>; action: { default_icon: Record<string, string> } }
    expect(Object.keys(manifest.icons)).toEqual(['16', '32', '48', '128'])
    for (const [size, path] of Object.entries(manifest.icons)) {
      const loaded = await page.evaluate(async (src) => {
        const image = new Image()
        image.src = `/${src}`
        await image.decode()
        return [image.naturalWidth, image.naturalHeight]
      }, path)
      expect(loaded).toEqual([Number(size), Number(size)])
    }
    expect(manifest.action.default_icon).toEqual({ 16: 'icons/icon-16.png', 32: 'icons/icon-32.png' })
  })

  test.skipIf(width > 400)('behavior: the toolbar button opens the app as a 400 px popup; the full page stays one click away, and adding data opens in a tab (a popup is 400 px: skipped at full width)', async () => {
    const manifest = JSON.parse(await readFile(join(dist, 'manifest.json'), 'utf8')) as { action: { default_popup?: string } }
    expect(manifest.action.default_popup).toBe('app.html?popup')
    /** The popup's page, as Chrome opens it from the toolbar (a page cannot click the toolbar itself). */
    const openPopup = async (hash: string) => {
      const popup = await browser.context.newPage()
      await popup.setViewportSize({ width: 400, height: 600 })
      await popup.goto(`chrome-extension://${browser.extensionId}/${manifest.action.default_popup}${hash}`)
      return popup
    }
    const popup = await openPopup('#/jobs')
    await popup.locator('main h1', { hasText: 'Jobs' }).waitFor()
    await popup.locator('main', { hasNotText: 'Loading…' }).waitFor()
    // Chrome sizes a popup to its page: 400 px wide, and nothing in it scrolls sideways or is cut off.
    expect(await popup.evaluate(() => document.documentElement.getBoundingClientRect().width)).toBe(400)
    const { scrollWidth, width: shown, cutOff } = await overflow(popup)
    expect(cutOff).toEqual([])
    expect(scrollWidth).toBeLessThanOrEqual(shown)
    expect(await audit(popup)).toEqual({ unlabeled: [], lowContrast: [] })
    // The full page, at the same screen, in a tab.
    const [tab] = await Promise.all([browser.context.waitForEvent('page'), popup.getByRole('button', { name: 'Open in a tab' }).click()])
    await tab.waitForURL(`chrome-extension://${browser.extensionId}/app.html#/jobs`)
    await tab.locator('main h1', { hasText: 'Jobs' }).waitFor()
    expect(await tab.getByRole('button', { name: 'Open in a tab' }).count()).toBe(0)
    // Adding data (choose a file, encrypt, upload) outlives a popup only in a tab.
    const adding = await openPopup('#/datasets')
    await adding.locator('main h1').first().waitFor()
    const [addTab] = await Promise.all([browser.context.waitForEvent('page'), adding.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Add data' }).click()])
    await addTab.waitForURL(`chrome-extension://${browser.extensionId}/app.html#/add`)
    await addTab.locator('main h1').first().waitFor()
    expect(await addTab.locator('main h1').first().innerText()).not.toBe('Opening in a tab…')
    for (const opened of [popup, tab, adding, addTab]) if (!opened.isClosed()) await opened.close()
  })
})
