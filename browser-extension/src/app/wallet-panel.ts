// The wallet's address (with a copy button), its ETH balance, plain steps to get ETH for network
// fees, and on the local dev chain a button for test ETH. Read from the chain directly, so it
// shows even when the vault node is down.
import { ChainUnreachableError } from '../errors.ts'
import type { AppContext } from './context.ts'
import { describeError } from './describe-error.ts'
import { fundFromDevChain, isDevChain } from '@datavault/sdk'
import { chainClient, readBalance } from './chain-client.ts'
import { alertBox, copyButton, h, replace, uid } from './dom.ts'
import { formatAmount } from './format.ts'
import { terms } from './glossary.ts'

/** What the panel shows besides the address and balance. */
export type WalletPanelOptions = {
  /** Only when the balance is 0: nothing at all while the wallet holds ETH. */
  onlyWhenEmpty?: boolean | undefined
  /** Called with the new balance after test ETH arrived. */
  onFunded?: ((balance: bigint) => void) | undefined
}

/**
 * The wallet panel; it fills itself in (balance, dev chain) after it is shown.
 *
 * @example
 * main.append(walletPanel(context))
 */
export function walletPanel(context: AppContext, { onlyWhenEmpty = false, onFunded }: WalletPanelOptions = {}): HTMLElement {
  const wallet = context.wallet()
  const titleId = uid('wallet-panel')
  const panel = h('section', { class: 'card wallet-panel', 'aria-labelledby': titleId, hidden: onlyWhenEmpty })
  if (wallet.state === 'none') return panel
  const { rpcUrl } = context.settings()
  const balance = h('span', { 'data-balance': '' }, 'checking…')
  const note = h('span', { class: 'hint' })
  const funds = h('div', { 'aria-live': 'polite' })
  const steps = h(
    'details',
    { class: 'gas-steps' },
    h('summary', {}, 'How to get ETH for network fees'),
    h(
      'ol',
      {},
      h('li', {}, 'Copy your address with the Copy button above.'),
      h('li', {}, 'In another wallet or on an exchange where you have ETH, choose Send, paste your address, and send a small amount on the network this vault node uses. Publishing one dataset costs well under 0.01 ETH in fees on most networks.'),
      h('li', {}, 'Wait a minute, then press Check again: the balance here updates once the transfer is in a block.'),
    ),
    h('p', { class: 'hint' }, 'Network fees pay the computers that run the chain; the vault node never takes them.'),
    terms('gas', 'eth'),
  )
  const check = h('button', { type: 'button', class: 'secondary small' }, 'Check again')
  replace(
    panel,
    h('h2', { id: titleId }, 'Your wallet'),
    h('p', { class: 'address-line' }, 'Address ', h('code', { 'data-address': '' }, wallet.address), ' ', copyButton(wallet.address, 'Copy your address')),
    h('p', {}, 'Balance: ', balance, note, ' ', check),
    steps,
    funds,
  )
  const load = async () => {
    balance.textContent = 'checking…'
    try {
      const wei = await readBalance(rpcUrl, wallet.address)
      balance.textContent = formatAmount(wei, 18, 'ETH')
      balance.dataset.balance = wei.toString()
      if (onlyWhenEmpty) panel.hidden = wei > 0n
      note.textContent = wei === 0n ? ' — publishing needs a little ETH for network fees.' : ''
      if (wei === 0n) steps.open = true
    } catch (cause) {
      balance.textContent = 'unknown'
      replace(funds, alertBox('error', describeError(new ChainUnreachableError({ url: rpcUrl, cause }), { rpcUrl }).message, h('p', {}, 'Check the chain RPC URL in Settings.'), h('a', { href: '#/settings', class: 'button secondary small' }, 'Settings')))
      if (onlyWhenEmpty) panel.hidden = false
      return
    }
    if (funds.childElementCount === 0 && (await isDevChain(chainClient(rpcUrl)))) {
      const give = h('button', { type: 'button', class: 'primary' }, 'Get 10 test ETH')
      give.addEventListener('click', async () => {
        give.disabled = true
        try {
          const { balance: next } = await fundFromDevChain(chainClient(rpcUrl), { address: wallet.address })
          replace(funds, alertBox('success', `Added 10 test ETH. You have ${formatAmount(next, 18, 'ETH')}.`))
          context.announce('Added 10 test ETH.')
          onFunded?.(next)
          await load()
        } catch (error) {
          give.disabled = false
          const { message, hint } = describeError(error, { rpcUrl })
          replace(funds, alertBox('error', message, hint ? h('p', {}, hint) : null))
        }
      })
      replace(funds, h('div', { class: 'dev-funds' }, h('p', {}, 'This is a local test chain: its ETH is free and worth nothing.'), give))
    }
  }
  check.addEventListener('click', () => void load())
  void load()
  return panel
}
