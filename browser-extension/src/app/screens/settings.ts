// Settings: the vault node and chain to use, when the wallet locks itself, and the wallet's
// encrypted backup, lock and removal.
import { downloadBackup } from '../backup.ts'
import { connectionFields } from '../connection.ts'
import type { AppContext } from '../context.ts'
import { alertBox, confirmDialog, copyButton, field, h, replace, shortAddress } from '../dom.ts'
import { openVaultSession } from '../vault-session.ts'
import { failureBox } from './common.ts'

/** `#/settings` */
export async function settingsScreen(context: AppContext, main: HTMLElement): Promise<void> {
  const settings = context.settings()
  const wallet = context.wallet()
  const connection = connectionFields(settings)
  const autoLock = h('input', { type: 'number', name: 'autoLockMinutes', min: 1, max: 240, required: true, value: settings.autoLockMinutes })
  const result = h('div', { 'aria-live': 'polite' })
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'connection-title' },
    h('h2', { id: 'connection-title' }, 'Vault node and chain'),
    ...connection.fields,
    field('Lock the wallet after this many minutes without use', autoLock),
    result,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save and check')),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    // Asked first, while the click still counts as the owner's gesture.
    const granted = connection.requestPermission()
    void (async () => {
      try {
        if (!(await granted)) {
          replace(result, alertBox('error', 'The extension needs your permission to reach that node and chain.'))
          return
        }
        const saved = await connection.save(context, { autoLockMinutes: Number(autoLock.value) })
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
          h('p', {}, 'Address ', h('code', {}, wallet.address), ' ', copyButton(wallet.address, 'Copy your address')),
          h('p', { class: 'hint' }, 'The key is stored encrypted with your password in this browser. The backup file is that encrypted key: it opens with your password in the datavault CLI and other wallets.'),
          h('details', { class: 'terms' }, h('summary', {}, 'The exact terms'), h('p', {}, 'A Web3 Secret Storage v3 keystore: scrypt derives a key from the password, AES-128-CTR encrypts the private key.')),
          walletErrors,
          h(
            'div',
            { class: 'actions' },
            h('button', {
              type: 'button',
              class: 'secondary',
              onclick: async () => {
                try {
                  await downloadBackup(context)
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
