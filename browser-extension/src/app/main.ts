// The owner's app page: its composition root. Wires the background client, the data worker and
// the SDK session into the screens, routes by the URL's hash, and follows the wallet's lock.
import { WalletError } from '../errors.ts'
import { defaultSettings, type Settings } from '../settings.ts'
import type { WalletStatus } from '../wallet/wallet-keeper.ts'
import { createBackgroundClient } from './background-client.ts'
import type { AppContext, Screen } from './context.ts'
import { createDataWorker } from './data-worker-client.ts'
import { h, replace, shortAddress } from './dom.ts'
import { datasetsScreen } from './screens/datasets.ts'
import { unlockScreen, welcomeScreen } from './screens/wallet.ts'
import { type VaultSession, openVaultSession } from './vault-session.ts'

/** A screen loaded when first opened: the first screens load fast, the rest (pools' contracts, publishing) when needed. */
const later =
  <name extends string>(load: () => Promise<Record<name, Screen>>, name: name): Screen =>
  async (...parameters) =>
    (await load())[name](...parameters)

const screens: Record<string, Screen> = {
  welcome: welcomeScreen,
  unlock: unlockScreen,
  datasets: datasetsScreen,
  add: later(() => import('./screens/add.ts'), 'addScreen'),
  publish: later(() => import('./screens/publish.ts'), 'publishScreen'),
  dataset: later(() => import('./screens/dataset.ts'), 'datasetScreen'),
  jobs: later(() => import('./screens/jobs.ts'), 'jobsScreen'),
  earnings: later(() => import('./screens/earnings.ts'), 'earningsScreen'),
  pools: later(() => import('./screens/pools.ts'), 'poolsScreen'),
  settings: later(() => import('./screens/settings.ts'), 'settingsScreen'),
  start: later(() => import('./screens/start.ts'), 'startScreen'),
}
const sections = [
  ['datasets', 'My datasets'],
  ['add', 'Add data'],
  ['jobs', 'Jobs'],
  ['earnings', 'Earnings'],
  ['pools', 'Pools'],
  ['settings', 'Settings'],
] as const

/**
 * Opened as the toolbar button's popup (`app.html?popup`, 400 px wide): the header offers the
 * full page in a tab, and adding or publishing data (a file chosen, encrypted, uploaded: minutes
 * the popup would not live, as it closes when it loses focus) opens there.
 */
const inPopup = new URLSearchParams(location.search).has('popup')
if (inPopup) document.documentElement.classList.add('popup')
const tabOnly = new Set(['add', 'publish'])

/** Opens the app at `hash` in a tab and closes the popup. */
async function openInTab(hash: string): Promise<void> {
  await chrome.tabs.create({ url: `${chrome.runtime.getURL('app.html')}${hash}` })
  window.close()
}

const background = createBackgroundClient()
const worker = createDataWorker()
const main = document.querySelector<HTMLElement>('#main')!
const nav = document.querySelector<HTMLElement>('#sections')!
const walletChip = document.querySelector<HTMLElement>('#wallet')!
const live = document.querySelector<HTMLElement>('#announcer')!

let wallet: WalletStatus = { state: 'none' }
let settings: Settings = defaultSettings
let session: { key: string; value: Promise<VaultSession> } | undefined

const context: AppContext = {
  background,
  worker,
  wallet: () => wallet,
  settings: () => settings,
  vault() {
    if (wallet.state !== 'unlocked') return Promise.reject(new WalletError('The wallet is locked: unlock it with your password.', { code: 'WALLET_LOCKED' }))
    const key = `${wallet.address}|${settings.nodeUrl}|${settings.rpcUrl}`
    if (session?.key !== key) {
      const value = openVaultSession({ settings, address: wallet.address, background })
      session = { key, value }
      value.catch(() => {
        if (session?.value === value) session = undefined
      })
    }
    return session.value
  },
  navigate(hash) {
    if (location.hash === hash) void render()
    else location.hash = hash
  },
  announce(text) {
    live.textContent = ''
    setTimeout(() => (live.textContent = text), 50)
  },
  async refresh() {
    ;[wallet, settings] = await Promise.all([background.request({ type: 'wallet.status' }), background.request({ type: 'settings.get' })])
    renderChrome()
  },
}

/** The header: sections (once there is an unlocked wallet) and the wallet chip. */
function renderChrome(): void {
  const current = location.hash.slice(2).split(/[/?]/)[0] || 'datasets'
  // Settings is always there: before a wallet exists, and while it is locked, the node can be changed.
  const shown = wallet.state === 'unlocked' ? sections : ([[wallet.state === 'locked' ? 'unlock' : 'welcome', wallet.state === 'locked' ? 'Unlock' : 'Wallet'], ['settings', 'Settings']] as const)
  replace(
    nav,
    h('ul', {}, ...shown.map(([name, label]) => h('li', {}, h('a', { href: `#/${name}`, 'aria-current': name === current || (name === 'datasets' && (current === 'dataset' || current === 'publish')) ? 'page' : undefined }, label)))),
  )
  // An arrow, named for screen readers and on hover: the popup's header has room for little more.
  const openTab = inPopup
    ? h('button', { type: 'button', class: 'secondary small', 'aria-label': 'Open in a tab', title: 'Open in a tab', onclick: () => void openInTab(location.hash) }, '↗')
    : null
  replace(
    walletChip,
    wallet.state === 'none'
      ? openTab
      : h(
          'div',
          { class: 'chip' },
          h('span', { class: `lock-state ${wallet.state}` }, wallet.state === 'unlocked' ? 'Unlocked' : 'Locked'),
          ' ',
          h('code', { title: wallet.address }, shortAddress(wallet.address)),
          wallet.state === 'unlocked'
            ? h('button', { type: 'button', class: 'secondary small', onclick: async () => { await background.request({ type: 'wallet.lock' }); await context.refresh(); context.navigate('#/unlock') } }, 'Lock')
            : null,
          openTab,
        ),
  )
}

let rendering = 0
async function render(): Promise<void> {
  const turn = ++rendering
  const [route = '', queryText = ''] = location.hash.replace(/^#\/?/, '').split('?')
  const [name = 'datasets', ...path] = route.split('/')
  const query = new URLSearchParams(queryText)
  if (wallet.state === 'none' && name !== 'welcome' && name !== 'settings') return context.navigate('#/welcome')
  if (wallet.state === 'locked' && name !== 'unlock' && name !== 'settings') return context.navigate(`#/unlock?then=${encodeURIComponent(location.hash || '#/datasets')}`)
  if (wallet.state === 'unlocked' && (name === 'welcome' || name === 'unlock')) return context.navigate('#/datasets')
  if (inPopup && tabOnly.has(name)) {
    replace(main, h('div', { class: 'view' }, h('h1', { tabindex: '-1' }, 'Opening in a tab…'), h('p', {}, 'Adding data takes a few minutes: it continues in a tab, which stays open while you work.')))
    return openInTab(location.hash)
  }
  const screen = screens[name] ?? datasetsScreen
  renderChrome()
  document.title = `${nav.querySelector('[aria-current=page]')?.textContent ?? 'datavault'} — datavault`
  // Each screen draws into its own view: a screen still loading when the owner moves on draws into
  // a view no longer shown, never over the next screen.
  const view = h('div', { class: 'view' })
  replace(main, view)
  await screen(context, view, { path, query })
  // A screen that asks for one thing first (the lock screen's password) marks it; others focus their heading.
  if (turn === rendering) (main.querySelector<HTMLElement>('[data-autofocus]') ?? main.querySelector<HTMLElement>('h1'))?.focus()
}

window.addEventListener('hashchange', () => void render())
// The skip link moves the focus to the screen's heading; following its `#main` would change the route.
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault()
  main.querySelector<HTMLElement>('h1')?.focus()
})

// The wallet may lock itself (auto-lock) or be locked from another tab: follow it.
setInterval(async () => {
  const before = wallet.state
  try {
    wallet = await background.request({ type: 'wallet.status' })
  } catch {
    return
  }
  if (before !== wallet.state) {
    session = undefined
    void render()
  }
}, 10_000)

await context.refresh()
await render()
