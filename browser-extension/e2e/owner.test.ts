// The owner's extension end to end, in Debian's Chromium, against a real local stack (Hardhat
// chain with Ocean's contracts, Helia, the vault node, the bubblewrap sandbox): create a wallet,
// add a CSV (encrypted in the browser: only ciphertext reaches the node), publish it (a wallet
// without gas is stopped with nothing for sale, then resumes), see a buyer's job appear with its
// receipt verified, approve a buyer's own program, see earnings, revoke; and the failures a
// person meets: a wrong password, a file that is not a table or is too big, a node that is down.
// Each screen is saved by every run to browser-extension/.screenshots/ (ignored by git);
// `npm run screenshots -w browser-extension` runs the same test into browser-extension/screenshots/,
// the committed pictures the README shows.
import { createServer } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unzipSync } from 'fflate'
import type { Page } from 'playwright-core'
import { parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { type DataVaultClient, createDataVaultClient, createPool, registerPool } from '@datavault/sdk'
import { columnMeansProgram } from '../../test/fixtures/programs.ts'
import { type TestStack, startTestStack } from '../../test/fixtures/stack.ts'
import { buildExtension } from '../build.ts'
import { capturePage } from '../src/background/capture.ts'
import { type ExtensionBrowser, launchExtension } from './chromium.ts'
import { overflow } from './page-checks.ts'

const screenshots = new URL(process.env.DATAVAULT_UPDATE_SCREENSHOTS === '1' ? '../screenshots/' : '../.screenshots/', import.meta.url).pathname
const password = 'correct horse battery staple'
const maxUploadBytes = 256 * 1024
// A value that appears in one row of the data only: no request that leaves the browser may carry it.
const marker = '131.4159265'

/** A small heart-risk table: 600 people, seeded, with `marker` in one row. */
function heartCsv(rows = 600): string {
  let seed = 7
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
  const lines = ['age,bmi,systolic_bp,cholesterol,smoker,risk']
  for (let i = 0; i < rows; i++) {
    const age = 20 + Math.floor(random() * 60)
    const bmi = (18 + random() * 20).toFixed(1)
    const bp = i === 6 ? marker : String(100 + Math.floor(random() * 70))
    const cholesterol = 150 + Math.floor(random() * 120)
    const smoker = random() < 0.3 ? 1 : 0
    const risk = age / 80 + Number(bmi) / 60 + smoker * 0.4 + random() * 0.5 > 1.3 ? 'high' : 'low'
    lines.push([age, bmi, bp, cholesterol, smoker, risk].join(','))
  }
  return `${lines.join('\n')}\n`
}

let t: TestStack
let browser: ExtensionBrowser
let page: Page
let buyer: DataVaultClient
let dist: string
let zipFile: string | undefined
let owner: `0x${string}`
let dataset: `0x${string}`
const sent: { url: string; body: Buffer }[] = []
/** Set to cut the connection of the next upload chunk the extension sends (it is not delivered). */
let dropNextChunk = false

/** Saves the page (the visible part only while a dialog is open: its backdrop covers the viewport). */
async function shot(name: string, { fullPage = true }: { fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage, animations: 'disabled' })
}

/** Polls what the page shows until it matches (key derivation and chain transactions take seconds on a busy machine). */
const poll = <value>(read: () => Promise<value>) => expect.poll(read, { timeout: 30_000, interval: 100 })

/**
 * What an accessibility check finds on the current screen: controls without an accessible name,
 * and visible text whose contrast with its background is under WCAG AA's 4.5:1 (disabled
 * controls are exempt).
 */
async function audit(): Promise<{ unlabeled: string[]; lowContrast: string[] }> {
  return page.evaluate(() => {
    const unlabeled: string[] = []
    for (const element of document.querySelectorAll<HTMLElement>('input, select, textarea, button, a[href]')) {
      if (element.closest('[hidden]') || (element as HTMLInputElement).type === 'hidden') continue
      const labelled = element.getAttribute('aria-labelledby')?.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ') ?? ''
      const labels = 'labels' in element ? [...((element as HTMLInputElement).labels ?? [])].map((label) => label.textContent).join(' ') : ''
      const name = [element.getAttribute('aria-label'), labelled, labels, element.textContent, element.getAttribute('title')].join('').trim()
      if (!name) unlabeled.push(element.outerHTML.slice(0, 120))
    }
    const rgb = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number)
    const luminance = ([r = 0, g = 0, b = 0]: number[]) => {
      const channel = (value: number) => ((value /= 255) <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4)
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }
    const background = (element: Element | null): number[] => {
      for (let node = element; node; node = node.parentElement) {
        const color = rgb(getComputedStyle(node).backgroundColor)
        if (color.length === 3 || (color[3] ?? 0) > 0) return color
      }
      return [255, 255, 255]
    }
    const lowContrast: string[] = []
    for (const element of document.querySelectorAll<HTMLElement>('p, li, td, th, label, a, button, h1, h2, dt, dd, legend, code, caption, span')) {
      if (!element.offsetParent || !element.textContent?.trim() || element.closest(':disabled, [aria-disabled=true]')) continue
      const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(background(element))]
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
      if (ratio < 4.5) lowContrast.push(`${element.tagName} “${element.textContent.trim().slice(0, 30)}” ${ratio.toFixed(2)}:1`)
    }
    return { unlabeled, lowContrast }
  })
}

/** Opens a screen (again, when it is the current one) and waits until it has loaded. */
async function go(hash: string): Promise<void> {
  await page.evaluate((target) => {
    if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'))
    else location.hash = target
  }, hash)
  await page.locator('main h1').first().waitFor()
  await page.locator('main', { hasNotText: 'Loading…' }).waitFor()
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dv-extension-'))
  dist = join(dir, 'extension')
  const [stack, built] = await Promise.all([startTestStack({ nodeConfig: { maxUploadBytes } }), buildExtension({ outDir: dist, zipFile: join(dir, 'extension.zip') })])
  t = stack
  zipFile = built.zipFile
  browser = await launchExtension(dist)
  // Every request the extension's pages send to the node or the chain, with its body.
  const record = async (route: import('playwright-core').Route) => {
    sent.push({ url: route.request().url(), body: route.request().postDataBuffer() ?? Buffer.alloc(0) })
    if (dropNextChunk && route.request().url().includes('/chunks/')) {
      dropNextChunk = false
      return await route.abort('connectionreset')
    }
    await route.continue()
  }
  const origins = new Set([new URL(t.stack.vaultUrl).origin, new URL(t.stack.rpcUrl).origin])
  await browser.context.route((url) => origins.has(url.origin), record)
  const key = t.stack.accounts.find((account) => account.role === 'buyer')!.privateKey
  buyer = createDataVaultClient({ node: t.stack.vaultUrl, chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId }, account: privateKeyToAccount(key), addresses: t.addresses, pollingInterval: 100 })
  page = await browser.openApp()
}, 180_000)

// A failed step leaves a picture of the page (in the temp dir, not among the README's screenshots).
afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(tmpdir(), `dv-extension-failure-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {})
})

afterAll(async () => {
  await browser?.close()
  await t?.stop()
  if (dist) await rm(join(dist, '..'), { recursive: true, force: true })
})

describe('the owner extension in Chromium', () => {
  test('default: the build is a loadable folder and a zip of the same files, with a Manifest V3 service worker', async () => {
    const manifest = JSON.parse(await readFile(join(dist, 'manifest.json'), 'utf8'))
    expect(manifest).toMatchObject({ manifest_version: 3, background: { service_worker: 'background.js', type: 'module' } })
    const zipped = unzipSync(new Uint8Array(await readFile(zipFile!)))
    expect(JSON.parse(new TextDecoder().decode(zipped['manifest.json']))).toEqual(manifest)
    expect(Object.keys(zipped)).toEqual(expect.arrayContaining(['app.html', 'app.js', 'background.js']))
    expect(browser.extensionId).toMatch(/^[a-p]{32}$/)
  })

  test('behavior: connects to the node in Settings, creates a wallet, locks; a wrong password is refused; unlocks', async () => {
    await page.locator('main h1', { hasText: 'Your datavault' }).waitFor()
    expect(await audit()).toEqual({ unlabeled: [], lowContrast: [] })
    await shot('01-welcome')
    await go('#/settings')
    await page.getByLabel('Vault node URL').fill(t.stack.vaultUrl)
    await page.getByLabel('Chain RPC URL').fill(t.stack.rpcUrl)
    await page.getByRole('button', { name: 'Save and check' }).click()
    await page.getByText('Saved.').waitFor()

    await go('#/welcome')
    // The node saved in Settings fills the welcome screen's node fields.
    expect(await page.getByLabel('Vault node URL').inputValue()).toBe(t.stack.vaultUrl)
    const create = page.getByRole('form', { name: 'Create a wallet' })
    await create.getByLabel('Password', { exact: true }).fill(password)
    await create.getByLabel('Repeat the password').fill(password)
    await create.getByRole('button', { name: 'Create wallet' }).click()
    // The first screen: the backup prompt, the address and balance, the node reached.
    await page.locator('main h1', { hasText: 'Your wallet is ready' }).waitFor()
    await page.getByText(/Connected to the vault node at/).waitFor()
    const [backup] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the backup file' }).click()])
    expect(backup.suggestedFilename()).toMatch(/^datavault-wallet-[0-9a-f]{8}\.json$/)
    await page.getByText('Backup downloaded.').waitFor()
    await go('#/datasets')
    await page.getByText('Nothing in your vault yet').waitFor()
    owner = (await browser.serviceWorker.evaluate(async () => ((await chrome.storage.local.get('wallet.keystore'))['wallet.keystore'] as { address: string }).address)) as `0x${string}`
    owner = `0x${owner}`
    expect(owner).toMatch(/^0x[0-9a-f]{40}$/)
    // At rest only the encrypted keystore: the key is in session storage (memory) while unlocked.
    const stored = await browser.serviceWorker.evaluate(async () => JSON.stringify(await chrome.storage.local.get(null)))
    const unlocked = await browser.serviceWorker.evaluate(async () => (await chrome.storage.session.get('wallet.unlocked'))['wallet.unlocked'] as { privateKey: string })
    expect(stored).not.toContain(unlocked.privateKey.slice(2))
    expect(await page.locator('body').innerText()).not.toContain(unlocked.privateKey.slice(2))

    await page.getByRole('button', { name: 'Lock' }).click()
    await page.locator('main h1', { hasText: 'Locked' }).waitFor()
    expect(await browser.serviceWorker.evaluate(async () => Object.keys(await chrome.storage.session.get(null)))).toEqual([])
    await page.getByLabel('Password').fill('not my password')
    await page.getByRole('button', { name: 'Unlock' }).click()
    await poll(() => page.getByRole('alert').innerText()).toContain('Wrong password.')
    await shot('02-unlock-wrong-password')
    expect(await audit()).toEqual({ unlabeled: [], lowContrast: [] })
    // The keyboard alone: after a wrong password the (emptied) field has the focus again; Enter unlocks.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password')
    await page.keyboard.type(password)
    await page.keyboard.press('Enter')
    await page.locator('main h1', { hasText: 'My datasets' }).waitFor()
  })

  test('error: a file that is not a table, or too big for the node, is refused with a clear message', async () => {
    await go('#/add')
    await page.getByLabel('Choose a file').setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('age,risk\n61,high\n34,low,extra\n') })
    await poll(() => page.getByRole('alert').innerText()).toContain('a record with 3 fields (the header has 2) on line 3')
    await shot('03-add-not-a-table')
    await page.getByLabel('Choose a file').setInputFiles({ name: 'huge.csv', mimeType: 'text/csv', buffer: Buffer.from(heartCsv(12_000)) })
    await poll(() => page.getByRole('alert').innerText()).toMatch(/^huge\.csv is too big: \d+ KiB, and the most this vault takes is 256 KiB\.$/m)
  })

  test('default: adds a CSV: the schema preview, then encryption in the browser; only ciphertext reaches the node', async () => {
    await go('#/add')
    await page.getByLabel('Choose a file').setInputFiles({ name: 'heart.csv', mimeType: 'text/csv', buffer: Buffer.from(heartCsv()) })
    await page.getByRole('table', { name: /Your columns/ }).waitFor()
    expect(await page.getByLabel('Type of age').inputValue()).toBe('number')
    expect(await page.getByRole('table', { name: /Your columns/ }).locator('tr[data-column="risk"]').innerText()).toMatch(/Values: \w+, \w+/)
    await page.getByText(/600 rows, 6 columns/).waitFor()
    // A 0/1 column is proposed as a category (a label); here the owner keeps it a number (a feature).
    expect(await page.getByLabel('Type of smoker').inputValue()).toBe('category')
    await page.getByLabel('Type of smoker').selectOption('number')
    // Category values are published only where the owner ticks them.
    await page.getByLabel('Publish the values of risk').check()
    await page.getByLabel('Name').fill('Heart health (browser)')
    await page.getByLabel('Description').fill('Vitals of 600 adults with a risk label.')
    expect(await audit()).toEqual({ unlabeled: [], lowContrast: [] })
    await shot('04-add-schema')
    const sentBefore = sent.length
    await page.getByRole('button', { name: 'Encrypt and add to my vault' }).click()
    expect(await page.getByRole('dialog').locator('.public-list li').allInnerTexts()).toEqual(['age: number', 'bmi: number', 'systolic_bp: number', 'cholesterol: number', 'smoker: number', 'risk: category, with its values: high, low'])
    await page.getByRole('dialog').getByRole('button', { name: 'Encrypt and add' }).click()
    await page.getByText('Added “Heart health (browser)” to your vault.').waitFor({ timeout: 30_000 })
    await shot('05-added')

    // Through an upload session: opened, one chunk (the file is small), completed; no whole-body upload.
    const requests = sent.slice(sentBefore).map((request) => new URL(request.url).pathname)
    expect(requests.filter((path) => path.startsWith('/v1/upload'))).toEqual([
      '/v1/upload-sessions',
      expect.stringMatching(/^\/v1\/upload-sessions\/[0-9a-f]{32}\/chunks\/0$/),
      expect.stringMatching(/^\/v1\/upload-sessions\/[0-9a-f]{32}\/complete$/),
    ])
    const chunk = sent.slice(sentBefore).find((request) => request.url.includes('/chunks/0'))!
    // The envelope's magic ("DVEN"), and nothing of the plaintext.
    expect(chunk.body.subarray(0, 4).toString('latin1')).toBe('DVEN')
    expect(chunk.body.includes('age,bmi')).toBe(false)
  })

  test('error: publishing from a wallet without gas stops with a clear message and nothing for sale; with gas, resuming publishes it', async () => {
    await page.getByRole('link', { name: 'Publish it' }).click()
    await page.getByRole('form', { name: 'Price and policy' }).waitFor()
    await page.getByLabel(/Price per job/).fill('3')
    await page.getByLabel('logistic-regression').check()
    // Where jobs may read it: the node's environments, all allowed until the owner narrows them.
    expect(await page.getByRole('group', { name: 'Where it may run' }).innerText()).toMatch(/cpu: Node programs in the vault node's sandbox[\s\S]*cpu-python: (PyTorch|Python) programs in the vault node's sandbox/)
    await page.getByLabel(/cpu-python:/).uncheck()
    expect(await audit()).toEqual({ unlabeled: [], lowContrast: [] })
    await shot('06-publish-form')
    await page.getByRole('button', { name: 'Review' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    expect(await dialog.innerText()).toMatch(/Create the tokens that prove the dataset is yours[\s\S]*Put it up for sale — a transaction: 3 OCEAN per job[\s\S]*Network fees for 2 transactions: at most about [\d.]+ ETH at today's gas price\. You have 0 ETH\./)
    expect(await dialog.innerText()).toMatch(/Where it may run\s+cpu\s*$/m)
    await shot('07-publish-confirm', { fullPage: false })
    await dialog.getByRole('button', { name: 'Publish and sign 2 transactions' }).click()
    await poll(() => page.getByRole('alert').innerText()).toContain('Your wallet has no ETH to pay the network fee (gas).')
    expect(await page.getByRole('alert').innerText()).toContain('Publishing stopped while creating the datatoken; nothing was put up for sale.')
    await shot('08-publish-no-gas')
    expect(await buyer.searchDatasets({ owner, includeUnavailable: true })).toEqual([])

    // The owner receives ETH (here from a funded test account) and resumes.
    const funder = t.party('spare', 1)
    await buyer.public.waitForTransactionReceipt({ hash: await funder.wallet.sendTransaction({ to: owner, value: parseEther('5') }) })
    // What was done is kept (in the background's library): My datasets says where it stopped and offers to resume.
    await go('#/datasets')
    // The stop for want of ETH is said in the past now that the wallet has some.
    expect(await page.locator('tr[data-item]').innerText()).toMatch(/stopped earlier because the wallet had no ETH for network fees\. It has some now[\s\S]*Resume publishing/)
    await page.getByRole('link', { name: 'Resume publishing: Heart health (browser)' }).click()
    await page.getByText('Publishing again resumes where it stopped').waitFor()
    await page.getByRole('button', { name: 'Review' }).click()
    await poll(() => page.getByRole('dialog').innerText()).toMatch(/You have 5 ETH\./)
    const estimate = Number(/at most about ([\d.]+) ETH/.exec(await page.getByRole('dialog').innerText())?.[1])
    await page.getByRole('dialog').getByRole('button', { name: /Publish and sign/ }).click()
    const done = page.getByText(/is for sale: 3 OCEAN per job\. Network fees paid: [\d.]+ ETH\./)
    await done.waitFor({ timeout: 60_000 })
    // The confirmation's "at most" holds: what the receipts say was paid is no more.
    expect(Number(/paid: ([\d.]+) ETH/.exec(await done.innerText())?.[1])).toBeLessThanOrEqual(estimate)
    await shot('09-published')
    const [listed] = await buyer.searchDatasets({ owner })
    expect(listed).toMatchObject({ name: 'Heart health (browser)', available: true, rows: 600, price: { type: 'fixed-rate', rate: parseEther('3') }, policy: { trainers: ['logistic-regression'], rawDownload: false, environments: ['cpu'] } })
    dataset = listed!.id
  })

  test("behavior: a buyer's job (trained with the SDK) appears with its receipt verified; a buyer's own program waits for approval and runs once approved", async () => {
    const { orderTx } = await buyer.orderDataset({ dataset, trainer: 'logistic-regression' })
    const trained = await buyer.submitJob({ dataset, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5 }, orderTx })
    const { hash } = await buyer.uploadAlgorithm({ code: columnMeansProgram })
    const custom = await buyer.orderDataset({ dataset })
    const outputs = { tensors: [{ name: 'means', dtype: 'F32' as const, shape: [5] }], metrics: ['rows'] }
    const waiting = await buyer.submitJob({ dataset, algorithm: { hash, outputs }, params: {}, orderTx: custom.orderTx })
    expect(await buyer.waitForJob({ id: trained.id })).toMatchObject({ state: 'finished' })

    await go('#/jobs')
    await page.getByText('2 jobs, 1 waiting for your approval').waitFor()
    const finished = page.locator(`tr[data-job="${trained.id}"]`)
    expect(await finished.innerText()).toMatch(/logistic-regression[\s\S]*Finished[\s\S]*None: not private training[\s\S]*Verified/)
    expect(await finished.locator('[data-receipt]').getAttribute('data-receipt')).toBe('verified')
    await page.getByRole('button', { name: 'Read the program' }).click()
    await poll(() => page.locator('pre.program').innerText()).toContain('column-means: processed')
    expect(await audit()).toEqual({ unlabeled: [], lowContrast: [] })
    await shot('10-jobs-approval')

    await page.getByRole('button', { name: 'Approve' }).click()
    expect(await page.getByRole('dialog').innerText()).toContain('Outputs: means F32[5]')
    await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click()
    await page.locator('main .notices').getByText('Approved: the job is queued.').waitFor()
    // A plain custom program's own metrics are never released (issue 14): the job finishes with none.
    const ran = await buyer.waitForJob({ id: waiting.id })
    expect(ran.state).toBe('finished')
    expect(ran.metrics?.rows).toBeUndefined()
    await go('#/jobs')
    await page.locator(`tr[data-job="${waiting.id}"] [data-receipt="verified"]`).waitFor()
    expect(await page.locator('[data-receipt="verified"]').count()).toBe(2)
    await shot('11-jobs')
    // At a popup's width the rows are stacked cards: State and Receipt in view, nothing scrolls sideways.
    await page.setViewportSize({ width: 400, height: 700 })
    const stacked = page.locator(`tr[data-job="${trained.id}"]`)
    for (const cell of [stacked.locator('[data-column="state"]'), stacked.locator('[data-receipt]')]) {
      const box = (await cell.boundingBox())!
      expect(box.x).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width).toBeLessThanOrEqual(400)
    }
    expect(await stacked.locator('[data-column="state"]').innerText()).toBe('Finished')
    expect(await stacked.locator('[data-receipt]').getAttribute('data-label')).toBe('Receipt')
    expect(await overflow(page)).toMatchObject({ cutOff: [] })
    expect((await overflow(page)).scrollWidth).toBeLessThanOrEqual(400)
    await shot('19-jobs-popup')
    await page.setViewportSize({ width: 1200, height: 820 })

    // Another program (another hash) waits again; the owner denies it, with a reason the buyer gets.
    const other = await buyer.uploadAlgorithm({ code: `${columnMeansProgram}\n// v2\n` })
    const second = await buyer.orderDataset({ dataset })
    const denied = await buyer.submitJob({ dataset, algorithm: { hash: other.hash, outputs }, params: {}, orderTx: second.orderTx })
    await go('#/jobs')
    await page.getByRole('button', { name: 'Deny' }).click()
    await page.getByRole('dialog').getByLabel('Reason').fill('It reads more than it needs.')
    await page.getByRole('dialog').getByRole('button', { name: 'Deny' }).click()
    await page.locator('main .notices').getByText('Denied: the job will not run.').waitFor()
    expect(await buyer.getJob({ id: denied.id })).toMatchObject({ state: 'failed', failure: { message: expect.stringContaining('It reads more than it needs.') } })
  })

  test("behavior: pools: the owner adds the dataset to a pool, a buyer trains on the pool, the owner claims its part of the revenue and leaves", async () => {
    // A pool with open admission, made by someone else (its DAO); the owner opens it by its address.
    const created = await createPool(t.party('spare', 3).wallet, {
      addresses: t.addresses,
      name: 'Heart pool',
      symbol: 'DV-HP',
      price: parseEther('2'),
      keyHolders: { addresses: [t.stack.nodeAddress], threshold: 1 },
      policy: { trainers: ['logistic-regression'] },
      contributionRules: { openAdmission: true },
    })
    const poolId = created.pool.toLowerCase()
    await go(`#/pools?pool=${created.pool}`)
    const card = page.locator(`[data-pool="${poolId}"]`)
    expect(await card.innerText()).toMatch(/Heart pool[\s\S]*not listed on this node[\s\S]*0 members, 0 datasets; admission open[\s\S]*Your shares\s+None/)
    await card.getByRole('button', { name: 'Add to this pool…' }).click()
    expect(await page.getByRole('dialog').innerText()).toMatch(/Contribute it to the pool[\s\S]*a transaction from your wallet[\s\S]*600 rows/)
    await page.getByRole('dialog').getByRole('button', { name: 'Add to the pool' }).click()
    await page.locator(`[data-pool="${poolId}"] .notices`).getByText(/“Heart health \(browser\)” joined Heart pool with [\d,.]+ shares\./).waitFor({ timeout: 30_000 })
    expect(await page.locator(`[data-pool="${poolId}"] [data-member-dataset="${dataset}"]`).innerText()).toMatch(/Heart health \(browser\): active/)

    // The pool is listed on the node, and a buyer trains one model on it.
    await registerPool(t.stranger.vault, { pool: created.pool, name: 'Heart pool' })
    const { orderTx } = await buyer.orderDataset({ dataset: created.datatoken, trainer: 'logistic-regression' })
    const job = await buyer.submitJob({ dataset: created.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5 }, orderTx })
    expect(await buyer.waitForJob({ id: job.id })).toMatchObject({ state: 'finished' })
    await go('#/jobs')
    // A member gets the receipt of a pool job that read their data, and checks it.
    await expect.poll(() => page.locator(`tr[data-job="${job.id}"]`).innerText(), { timeout: 30_000 }).toMatch(/through pool 0x[0-9a-f]{4}…[0-9a-f]{4}[\s\S]*Finished[\s\S]*✓ Verified/)

    await go('#/pools')
    const listedCard = page.locator(`[data-pool="${poolId}"]`)
    expect(await listedCard.innerText()).not.toContain('not listed on this node')
    await listedCard.getByRole('button', { name: 'Claim revenue…' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Claim' }).click()
    await page.locator(`[data-pool="${poolId}"] .notices`).getByText(/^Claimed [\d.]+ OCEAN from Heart pool\.$/).waitFor({ timeout: 30_000 })
    expect(await audit()).toEqual({ unlabeled: [], lowContrast: [] })
    await shot('12-pools')
    await go('#/earnings')
    expect(await page.locator(`tr[data-pool="${poolId}"]`).innerText()).toMatch(/Heart pool\s+1\s+100\.0 %/)

    await go('#/pools')
    await page.locator(`[data-pool="${poolId}"]`).getByRole('button', { name: 'Leave the pool…' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Leave the pool' }).click()
    await page.locator(`[data-pool="${poolId}"] .notices`).getByText('You left Heart pool.').waitFor({ timeout: 30_000 })
    expect(await page.locator(`[data-pool="${poolId}"] [data-shares]`).getAttribute('data-shares')).toBe('0')
  })

  test('behavior: the datasets list and earnings; revoking needs a confirmation, and then nothing runs on the data', async () => {
    await go('#/datasets')
    expect(await page.locator(`tr[data-dataset="${dataset}"]`).innerText()).toMatch(/Heart health \(browser\)[\s\S]*600 rows, 6 columns[\s\S]*For sale · 3 OCEAN per job/)
    await shot('13-datasets')
    await go('#/earnings')
    await expect.poll(() => page.locator('main').innerText(), { timeout: 30_000 }).toMatch(/Heart health \(browser\)\s+3\s+1\s+[\d.]+ OCEAN/)
    expect(await audit()).toEqual({ unlabeled: [], lowContrast: [] })
    await shot('14-earnings')

    await go(`#/dataset/${dataset}`)
    expect(await page.locator('dl.facts').innerText()).toMatch(/3 orders by 1 buyer/)
    await page.getByRole('button', { name: 'Revoke this dataset…' }).click()
    expect(await page.getByRole('dialog').innerText()).toMatch(/cannot be undone[\s\S]*marked revoked on the chain/)
    // The contract's name is one click away, not in the sentence.
    expect(await page.getByRole('dialog').locator('details.terms dt[data-term="key-holder-registry"]').count()).toBe(1)
    await shot('15-revoke-confirm', { fullPage: false })
    // Escape cancels, as the Cancel button does: nothing is revoked.
    await page.keyboard.press('Escape')
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    expect((await buyer.getDataset({ id: dataset })).revokedAt).toBeUndefined()
    await page.getByRole('button', { name: 'Revoke this dataset…' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke dataset' }).click()
    await page.getByText(/^Revoked on the node and on chain\. The sale is closed\. 0 waiting jobs stopped\./).waitFor()
    expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('revoked')
    expect(await audit()).toEqual({ unlabeled: [], lowContrast: [] })
    await shot('16-revoked')
    expect((await buyer.getDataset({ id: dataset })).revokedAt).toEqual(expect.any(String))
  })

  test('behavior: nothing the extension sent to the node or the chain carried the plaintext', () => {
    expect(sent.length).toBeGreaterThan(20)
    for (const request of sent) expect(request.body.includes(marker), request.url).toBe(false)
  })

  test('behavior: keyboard: before the screen come the sections, the wallet and the skip link, which takes the focus back to the screen', async () => {
    await go('#/settings')
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1')
    const passed: string[] = []
    for (let i = 0; i < 12 && passed.at(-1) !== 'Skip to content'; i++) {
      await page.keyboard.press('Shift+Tab')
      passed.push((await page.evaluate(() => document.activeElement?.textContent ?? '')).trim())
    }
    expect(passed).toEqual(['Lock', 'Settings', 'Pools', 'Earnings', 'Jobs', 'Add data', 'My datasets', 'Skip to content'])
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => [document.activeElement?.textContent, location.hash])).toEqual(['Settings', '#/settings'])
    expect(await page.getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page')
    expect(await audit()).toEqual({ unlabeled: [], lowContrast: [] })
  })

  test('error: a node that is down is a clear message naming it, with the way to fix it', async () => {
    await go('#/settings')
    await page.getByLabel('Vault node URL').fill('http://127.0.0.1:9')
    await page.getByRole('button', { name: 'Save and check' }).click()
    await poll(() => page.getByRole('alert').innerText()).toContain('The vault node at http://127.0.0.1:9 does not answer.')
    await go('#/datasets')
    await poll(() => page.getByRole('alert').innerText()).toContain('Is it running?')
    await shot('17-node-down')
    await go('#/settings')
    await page.getByLabel('Vault node URL').fill(t.stack.vaultUrl)
    await page.getByRole('button', { name: 'Save and check' }).click()
    await page.getByText(/Connected to vault node/).waitFor()
  })

  test("behavior: a page's table, read by the context menu's script, becomes a table to add", async () => {
    const server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html')
      response.end(`<!doctype html><title>Step counts</title><p>Intro</p><table><caption>My steps</caption><thead><tr><th>day</th><th>steps</th><th>mood</th></tr></thead>
        <tbody><tr><td>Mon</td><td>8012</td><td>good</td></tr><tr><td>Tue</td><td>10,5</td><td>"ok"</td></tr><tr><td>Wed</td><td>4000</td><td>good</td></tr></tbody></table>`)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const web = await browser.context.newPage()
    try {
      await web.goto(`http://127.0.0.1:${port}/`)
      const result = await web.evaluate(capturePage, 'tables' as const)
      expect(result).toEqual({ title: 'Step counts', text: '', tables: [{ caption: 'My steps', rows: 3, columns: 3, csv: 'day,steps,mood\nMon,8012,good\nTue,"10,5","""ok"""\nWed,4000,good\n' }] })
      // What the menu's click handler keeps for the Add screen (the click itself cannot be made headless).
      await browser.serviceWorker.evaluate(async (capture) => chrome.storage.session.set({ capture }), { ...result, origin: `http://127.0.0.1:${port}`, capturedAt: new Date().toISOString() })
      await go('#/add?capture')
      await page.getByRole('button', { name: 'Use table 1: My steps — 3 rows, 3 columns' }).click()
      await page.getByRole('table', { name: /Your columns/ }).waitFor()
      expect(await page.getByRole('table', { name: /Your columns/ }).locator('tr[data-column="day"]').innerText()).toMatch(/Mon, Tue, Wed|name only/)
      await shot('18-add-from-page')
    } finally {
      await web.close()
      server.close()
    }
  })

  test('args: any other file is kept whole as an encrypted file: stored in the vault, not offered for training; a dropped connection mid-upload resumes', async () => {
    await go('#/add')
    const scan = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from(`scan ${marker}`)])
    await page.getByLabel('Choose a file').setInputFiles({ name: 'scan.png', mimeType: 'image/png', buffer: scan })
    await page.getByText(/image\/png\. Kept whole as an encrypted file/).waitFor()
    const sentBefore = sent.length
    dropNextChunk = true
    await page.getByRole('button', { name: 'Encrypt and add to my vault' }).click()
    await page.getByText('Added “scan” to your vault.').waitFor()
    expect(await page.getByRole('link', { name: 'Publish it' }).count()).toBe(0)
    // The chunk's connection was cut: the extension asked the node which chunks it holds, and sent it again.
    const uploadRequests = sent.slice(sentBefore).map((request) => new URL(request.url).pathname.replace(/[0-9a-f]{32}/, ':id')).filter((path) => path.startsWith('/v1/upload'))
    expect(uploadRequests).toEqual(['/v1/upload-sessions', '/v1/upload-sessions/:id/chunks/0', '/v1/upload-sessions/:id', '/v1/upload-sessions/:id/chunks/0', '/v1/upload-sessions/:id/complete'])
    const [upload] = sent.slice(sentBefore).filter((request) => request.url.includes('/chunks/'))
    expect(upload!.body.subarray(0, 4).toString('latin1')).toBe('DVEN')
    expect(upload!.body.includes(marker)).toBe(false)
    await go('#/datasets')
    expect(await page.locator('tr', { hasText: 'scan' }).innerText()).toMatch(/File, 20 B[\s\S]*Stored encrypted \(files are kept, not sold for training\)/)
  })
})
