// The first screen after a wallet is created or imported: back up the wallet, see its address
// and balance and how to get ETH for network fees (test ETH on the dev chain), and whether the
// vault node answers. Every part works while the node is down; Settings is one click away.
import { downloadBackup, isBackedUp } from '../backup.ts'
import type { AppContext } from '../context.ts'
import { alertBox, h, replace, uid } from '../dom.ts'
import { safeOrigin } from '../../errors.ts'
import { walletPanel } from '../wallet-panel.ts'
import { failureBox } from './common.ts'

/**
 * The backup prompt: why, the download button, and once downloaded, that it is done.
 *
 * @example
 * main.append(backupCard(context))
 */
export function backupCard(context: AppContext): HTMLElement {
  const titleId = uid('backup')
  const state = h('div', { 'aria-live': 'polite' })
  const button = h('button', { type: 'button', class: 'primary' }, 'Download the backup file')
  const card = h(
    'section',
    { class: 'card backup', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, 'Back up your wallet'),
    h('p', {}, 'Your key exists only in this browser, encrypted with your password. Download the backup file and keep it somewhere safe: with it and your password you can restore the wallet, here or in the datavault command line. Without it, losing this browser loses the wallet and your datasets with it.'),
    state,
    h('div', { class: 'actions' }, button),
  )
  button.addEventListener('click', async () => {
    try {
      await downloadBackup(context)
      replace(state, alertBox('success', 'Backup downloaded. Keep the file and your password apart.'))
    } catch (error) {
      replace(state, failureBox(context, error))
    }
  })
  return card
}

/** `#/start` */
export async function startScreen(context: AppContext, main: HTMLElement): Promise<void> {
  const wallet = context.wallet()
  const node = h('section', { class: 'card', 'aria-labelledby': 'node-title' }, h('h2', { id: 'node-title' }, 'Your vault node'), h('p', { class: 'muted', role: 'status' }, 'Checking…'))
  replace(
    main,
    h('h1', { tabindex: '-1' }, 'Your wallet is ready'),
    wallet.state !== 'none' && (await isBackedUp(wallet.address)) ? null : backupCard(context),
    walletPanel(context),
    node,
    h('div', { class: 'actions' }, h('a', { href: '#/add', class: 'button primary' }, 'Add data'), h('a', { href: '#/datasets', class: 'button secondary' }, 'My datasets'), h('a', { href: '#/settings', class: 'button secondary' }, 'Settings')),
  )
  try {
    const session = await context.vault()
    replace(node, h('h2', { id: 'node-title' }, 'Your vault node'), alertBox('success', `Connected to the vault node at ${safeOrigin(session.settings.nodeUrl)}.`))
  } catch (error) {
    replace(node, h('h2', { id: 'node-title' }, 'Your vault node'), failureBox(context, error, () => void startScreen(context, main)))
  }
}
