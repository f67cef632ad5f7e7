// The owner's market screens in Chromium, against a real local stack: Earnings collects what waits
// on the exchange (and its numbers follow), the dataset's Settings change the price and who may
// train, and revoking closes the sale, with the same words about buyers in the section and in its
// confirmation. Each at full width and at a popup's 400 px. The wallet is the stack's owner key,
// imported through the background (the onboarding screens are the owner test's).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { type DataVaultClient, createDataVaultClient, getDatatokenEarnings, getDatatokenPrice } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../../test/fixtures/stack.ts'
import { buildExtension } from '../build.ts'
import { type ExtensionBrowser, launchExtension } from './chromium.ts'

const screenshots = new URL(process.env.DATAVAULT_UPDATE_SCREENSHOTS === '1' ? '../screenshots/' : '../.screenshots/', import.meta.url).pathname
const password = 'correct horse battery staple'
const buyersKeep = 'Buyers are not refunded: what they paid stays yours'

let t: TestStack
let browser: ExtensionBrowser
let page: Page
let dir: string
let owner: DataVaultClient
let buyer: DataVaultClient
let dataset: `0x${string}`

function client(role: 'owner' | 'buyer') {
  const key = t.stack.accounts.find((account) => account.role === role)!.privateKey
  return createDataVaultClient({ node: t.stack.vaultUrl, chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId }, account: privateKeyToAccount(key), addresses: t.addresses, pollingInterval: 100 })
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

/** Saves the screen at full width and at 400 px, and checks that nothing runs off the side or lacks a name. */
async function both(name: string): Promise<void> {
  for (const width of [1200, 400]) {
    await page.setViewportSize({ width, height: 820 })
    const layout = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      unlabeled: [...document.querySelectorAll<HTMLElement>('main input, main button, main a[href]')]
        .filter((element) => !element.closest('[hidden]') && !((element as HTMLInputElement).labels?.length || element.textContent?.trim() || element.getAttribute('aria-label')))
        .map((element) => element.outerHTML.slice(0, 80)),
    }))
    expect(layout, `${name} at ${width} px`).toEqual({ overflow: 0, unlabeled: [] })
    await page.screenshot({ path: join(screenshots, `${name}-${width}.png`), fullPage: true, animations: 'disabled' })
  }
  await page.setViewportSize({ width: 1200, height: 820 })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dv-extension-market-'))
  const [stack] = await Promise.all([startTestStack(), buildExtension({ outDir: join(dir, 'extension'), zipFile: join(dir, 'extension.zip') })])
  t = stack
  browser = await launchExtension(join(dir, 'extension'))
  owner = client('owner')
  buyer = client('buyer')
  const published = await owner.publishDataset({ data: new Blob([healthCsv({ rows: 150, seed: 3 })]), name: 'Heart market', schema: healthSchema('binary'), policy: { trainers: ['logistic-regression'], maxEpochs: 50 }, price: parseEther('3') })
  dataset = published.datatoken.toLowerCase() as `0x${string}`
  await buyer.buyAccess({ dataset })
  page = await browser.openApp()
  const ownerKey = t.stack.accounts.find((account) => account.role === 'owner')!.privateKey
  const answers = await page.evaluate(
    async ({ nodeUrl, rpcUrl, privateKey, password }) => [
      await chrome.runtime.sendMessage({ type: 'settings.set', settings: { nodeUrl, rpcUrl } }),
      await chrome.runtime.sendMessage({ type: 'wallet.importKey', privateKey, password }),
    ],
    { nodeUrl: t.stack.vaultUrl, rpcUrl: t.stack.rpcUrl, privateKey: ownerKey, password },
  )
  expect(answers.map((answer) => (answer as { ok: boolean }).ok)).toEqual([true, true])
  await page.reload()
}, 300_000)

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(tmpdir(), `dv-extension-market-failure-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {})
})

afterAll(async () => {
  await browser?.close()
  await t?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the owner\'s market screens in Chromium', () => {
  test('default: Earnings collects what waits on the exchange, and its numbers follow', async () => {
    await go('#/earnings')
    const card = page.locator('[data-base-token="OCEAN"]')
    expect(await card.innerText()).toMatch(/3 OCEAN earned\s+3 OCEAN waiting on the exchange, 0 OCEAN collected/)
    // Plain words in the sentences; the contracts' and events' names one click away.
    const hint = await page.locator('p.hint', { hasText: 'Read from the chain' }).innerText()
    expect(hint).not.toMatch(/OrderStarted|Swapped|FixedRateExchange/)
    expect(await page.locator('details.terms dt[data-term="order-started"]').count()).toBe(1)
    await both('market-01-earnings')
    await card.getByRole('button', { name: 'Collect 3 OCEAN' }).click()
    await page.getByText('Collected 3 OCEAN to your wallet.').waitFor({ timeout: 60_000 })
    expect(await page.locator('[data-base-token="OCEAN"]').innerText()).toMatch(/3 OCEAN earned\s+0 OCEAN waiting on the exchange, 3 OCEAN collected/)
    expect(await page.locator('[data-collect]').count()).toBe(0)
    expect((await getDatatokenEarnings(owner.public, { datatoken: dataset })).sales[0]).toMatchObject({ collectable: 0n, collected: parseEther('3') })
    await both('market-02-earnings-collected')
  })

  test('default: the dataset\'s Settings change the price and who may train; a bad price is refused in words', async () => {
    await go(`#/dataset/${dataset}`)
    const settings = page.getByRole('region', { name: 'Settings' })
    await both('market-03-dataset-settings')
    await settings.getByLabel('Price of one job, in OCEAN').fill('0')
    await settings.getByRole('button', { name: 'Change price' }).click()
    await settings.getByText('Give a price above 0, like 2 or 0.5.').waitFor()
    await settings.getByLabel('Price of one job, in OCEAN').fill('2')
    await settings.getByRole('button', { name: 'Change price' }).click()
    await page.getByText('Price changed to 2 OCEAN per job.').waitFor({ timeout: 60_000 })
    expect(await getDatatokenPrice(owner.public, { datatoken: dataset })).toMatchObject({ type: 'fixed-rate', rate: parseEther('2') })

    await page.getByRole('region', { name: 'Settings' }).getByLabel('Most training rounds (epochs) per job').fill('7')
    await page.getByRole('region', { name: 'Settings' }).getByRole('button', { name: 'Save who may train' }).click()
    await page.getByText('Saved: new jobs follow these settings.').waitFor({ timeout: 30_000 })
    expect((await buyer.getDataset({ id: dataset })).policy).toMatchObject({ maxEpochs: 7, trainers: ['logistic-regression'] })
    expect(await page.locator('dl.facts').innerText()).toMatch(/at most 7 epochs/)
  })

  test('behavior: revoking: the section and its confirmation say the same about buyers; confirming closes the sale', async () => {
    await go(`#/dataset/${dataset}`)
    const section = page.getByRole('region', { name: 'Revoke' })
    expect(await section.innerText()).toContain(buyersKeep)
    await section.getByRole('button', { name: 'Revoke this dataset…' }).click()
    const dialog = page.getByRole('dialog')
    expect(await dialog.innerText()).toContain(buyersKeep)
    expect(await dialog.innerText()).toMatch(/The sale stops/)
    expect(await dialog.locator('ol.steps').innerText()).not.toMatch(/FixedRateExchange|KeyHolderRegistry/)
    expect(await dialog.locator('details.terms dt[data-term="fixed-rate-exchange"]').count()).toBe(1)
    for (const width of [1200, 400]) {
      await page.setViewportSize({ width, height: 820 })
      await page.screenshot({ path: join(screenshots, `market-04-revoke-confirm-${width}.png`), animations: 'disabled' })
    }
    await page.setViewportSize({ width: 1200, height: 820 })
    await dialog.getByRole('button', { name: 'Revoke dataset' }).click()
    await page.getByText(/^Revoked on the node and on chain\. The sale is closed\. 0 waiting jobs stopped\./).waitFor({ timeout: 60_000 })
    expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('revoked')
    expect(await page.locator('dl.facts').innerText()).toMatch(/Price\s+Not for sale/)
    expect(await page.getByRole('region', { name: 'Settings' }).count()).toBe(0)
    expect(await getDatatokenPrice(owner.public, { datatoken: dataset })).toEqual({ type: 'not-for-sale' })
    await expect(buyer.buyAccess({ dataset })).rejects.toMatchObject({ code: 'DATASET_REVOKED' })
    await both('market-05-revoked')
  })
})
