// Settings: the vault node and chain to use, when the wallet locks itself, and the wallet's
// encrypted backup, lock and removal.
import { defaultSettings } from '../../settings.ts'
import type { AppContext } from '../context.ts'
import { alertBox, confirmDialog, field, h, replace, shortAddress } from '../dom.ts'
import { openVaultSession } from '../vault-session.ts'
import { failureBox } from './common.ts'

/** The origin pattern a URL needs as a host permission, unless the manifest grants it already. */
function permissionFor(url: string): string | undefined {
  const { protocol, hostname } = new URL(url)
  if (protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost')) return undefined
  return `${protocol}//${hostname}/*`
}

/** `#/settings` */
export async function settingsScreen(context: AppContext, main: HTMLElement): Promise<void> {
  const settings = context.settings()
  const wallet = context.wallet()
  const nodeUrl = h('input', { type: 'url', name: 'nodeUrl', required: true, value: settings.nodeUrl, spellcheck: 'false' })
  const rpcUrl = h('input', { type: 'url', name: 'rpcUrl', required: true, value: settings.rpcUrl, spellcheck: 'false' })
  const autoLock = h('input', { type: 'number', name: 'autoLockMinutes', min: 1, max: 240, required: true, value: settings.autoLockMinutes })
  const result = h('div', { 'aria-live': 'polite' })
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'connection-title' },
    h('h2', { id: 'connection-title' }, 'Vault node and chain'),
    field('Vault node URL', nodeUrl, `The local \`datavault dev\` node is ${defaultSettings.nodeUrl}.`),
    field('Chain RPC URL', rpcUrl, `The chain the node works on; \`datavault dev\`'s is ${defaultSettings.rpcUrl}.`),
    field('Lock the wallet after this many minutes without use', autoLock),
    result,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save and check')),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    // Asked first, while the click still counts as the owner's gesture.
    let origins: string[] = []
    try {
      origins = [nodeUrl.value, rpcUrl.value].map((url) => permissionFor(url.trim())).filter((origin): origin is string => origin !== undefined)
    } catch {}
    const granted = origins.length ? chrome.permissions.request({ origins }) : Promise.resolve(true)
    void (async () => {
      try {
        if (!(await granted)) {
          replace(result, alertBox('error', 'The extension needs your permission to reach that node and chain.'))
          return
        }
        const saved = await context.background.request({ type: 'settings.set', settings: { nodeUrl: nodeUrl.value, rpcUrl: rpcUrl.value, autoLockMinutes: Number(autoLock.value) } })
        await context.refresh()
        replace(result, h('p', { class: 'muted' }, 'Saved. Checking the connection…'))
        if (wallet.state === 'none') return replace(result, alertBox('success', 'Saved.'))
        const session = await openVaultSession({ settings: saved, address: wallet.address, background: context.background })
        replace(result, alertBox('success', `Saved. Connected to vault node ${session.node.version} (${shortAddress(session.node.address)}) on chain ${session.chainId}, with ${session.node.trainers.length} trainers.`))
      } catch (error) {
        replace(result, failureBox(context, error))
      }
    })()
  })

  const walletErrors = h('div', { 'aria-live': 'polite' })
  const walletSection =
    wallet.state === 'none'
      ? null
      : h(
          'section',
          { class: 'card', 'aria-labelledby': 'wallet-title' },
          h('h2', { id: 'wallet-title' }, 'Wallet'),
          h('p', {}, 'Address ', h('code', {}, wallet.address)),
          h('p', { class: 'hint' }, 'The key is stored encrypted (scrypt and AES, the Web3 keystore format). The backup file is that encrypted keystore: it opens with your password in the datavault CLI and other wallets.'),
          walletErrors,
          h(
            'div',
            { class: 'actions' },
            h('button', {
              type: 'button',
              class: 'secondary',
              onclick: async () => {
                try {
                  const keystore = await context.background.request({ type: 'wallet.exportKeystore' })
                  const link = h('a', { href: URL.createObjectURL(new Blob([JSON.stringify(keystore, null, 2)], { type: 'application/json' })), download: `datavault-wallet-${wallet.address.slice(2, 10)}.json` })
                  link.click()
                  setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
                } catch (error) {
                  replace(walletErrors, failureBox(context, error))
                }
              },
            }, 'Download encrypted backup'),
            h('button', { type: 'button', class: 'secondary', onclick: async () => { await context.background.request({ type: 'wallet.lock' }); await context.refresh(); context.navigate('#/unlock') } }, 'Lock now'),
            h('button', {
              type: 'button',
              class: 'danger',
              onclick: async () => {
                const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password' })
                const confirmed = await confirmDialog({
                  title: 'Remove the wallet from this browser?',
                  body: [h('p', {}, 'Without a backup the key is gone for good, and with it your datasets\' keys kept here. Your datasets stay on the node.'), field('Password', password)],
                  confirm: 'Remove wallet',
                  danger: true,
                })
                if (!confirmed) return
                try {
                  await context.background.request({ type: 'wallet.forget', password: password.value })
                  await context.refresh()
                  context.navigate('#/welcome')
                } catch (error) {
                  replace(walletErrors, failureBox(context, error))
                } finally {
                  password.value = ''
                }
              },
            }, 'Remove wallet…'),
          ),
        )
  replace(main, h('h1', { tabindex: '-1' }, 'Settings'), form, walletSection)
}
