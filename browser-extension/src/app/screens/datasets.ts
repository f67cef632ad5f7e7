// My datasets: what is in the vault (stored, being published, for sale, revoked), with the next
// thing to do for each. While the vault node is down, what this browser knows is listed with
// its sale status unknown (never "For sale"); a wallet without ETH shows how to get some.
import { isBackedUp } from '../backup.ts'
import type { AppContext } from '../context.ts'
import { readBalance } from '../chain-client.ts'
import { h, replace } from '../dom.ts'
import { formatPrice } from '../format.ts'
import { type OwnerDataset, ownerDatasets } from '../vault-actions.ts'
import type { LibraryItem } from '../../background/library.ts'
import { formatBytes } from '../../data/inspect.ts'
import { walletPanel } from '../wallet-panel.ts'
import { failureBox, loading } from './common.ts'
import { backupCard } from './start.ts'

const title = 'My datasets'

/**
 * Why a publication stopped, as it reads now: a stop for want of ETH is said in the past once
 * the wallet holds some (a notice that is no longer true is not repeated).
 */
export function stoppedBecause(attempt: NonNullable<LibraryItem['publishAttempt']>, balance: bigint | undefined): string {
  const nothing = /nothing was put up for sale/i.test(attempt.reason.message) ? '' : ' Nothing is for sale.'
  if (attempt.reason.code === 'INSUFFICIENT_FUNDS' && balance !== undefined && balance > 0n)
    return 'Publishing stopped earlier because the wallet had no ETH for network fees. It has some now: resume to finish. Nothing is for sale yet.'
  return `${attempt.reason.message}${nothing}`
}

/** The status of a dataset in words, and the action that goes with it. */
function status({ dataset, item }: OwnerDataset, balance: bigint | undefined): { text: string; action?: { label: string; href: string } | undefined } {
  if (dataset?.revokedAt) return { text: 'Revoked', action: { label: 'Details', href: `#/dataset/${dataset.id}` } }
  if (dataset && dataset.available) return { text: `For sale · ${formatPrice(dataset.price)}`, action: { label: 'Jobs and earnings', href: `#/dataset/${dataset.id}` } }
  if (item?.publishAttempt) return { text: stoppedBecause(item.publishAttempt, balance), action: { label: 'Resume publishing', href: `#/publish/${item.id}` } }
  if (dataset) return { text: dataset.keyEscrowed ? 'Not for sale' : 'Not ready: its key was not handed to the node', action: { label: 'Details', href: `#/dataset/${dataset.id}` } }
  if (item?.kind === 'file') return { text: 'Stored encrypted (files are kept, not sold for training)' }
  if (item) return { text: 'In your vault, not published', action: { label: 'Publish', href: `#/publish/${item.id}` } }
  return { text: '' }
}

/** The datasets screen. */
export async function datasetsScreen(context: AppContext, main: HTMLElement): Promise<void> {
  loading(main, title)
  const wallet = context.wallet()
  const retry = () => void datasetsScreen(context, main)
  let rows: OwnerDataset[]
  let problem: HTMLElement | null = null
  const [balance, backedUp] = await Promise.all([
    wallet.state === 'none' ? undefined : readBalance(context.settings().rpcUrl, wallet.address).catch(() => undefined),
    wallet.state === 'none' ? true : isBackedUp(wallet.address),
  ])
  try {
    rows = await ownerDatasets({ session: await context.vault(), background: context.background })
  } catch (error) {
    // What this browser knows (its library), with the node's side unknown.
    problem = failureBox(context, error, retry)
    let items: LibraryItem[] = []
    try {
      items = await context.background.request({ type: 'library.list' })
    } catch {}
    rows = items.map((item) => ({ dataset: undefined, item }))
    if (rows.length === 0) return replace(main, h('h1', { tabindex: '-1' }, title), problem)
  }
  const offline = problem !== null
  const notices = [problem, backedUp ? null : backupCard(context), walletPanel(context, { onlyWhenEmpty: true })]
  const add = h('a', { href: '#/add', class: 'button primary' }, 'Add data')
  if (rows.length === 0) {
    replace(main, h('h1', { tabindex: '-1' }, title), ...notices, h('p', {}, 'Nothing in your vault yet. Add a CSV, JSON or JSON Lines file, or capture a table from a web page (right-click it).'), add)
    return
  }
  const table = h(
    'table',
    { class: 'data stack' },
    h('caption', { class: 'visually-hidden' }, 'Your datasets and what each is doing'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Contents'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Action')))),
    h(
      'tbody',
      {},
      ...rows.map((row) => {
        const { text, action } = offline ? offlineStatus(row.item) : status(row, balance)
        const name = row.dataset?.name ?? row.item?.name ?? ''
        const rowsDeclared = row.dataset?.rows ?? row.item?.schema?.rows
        const contents =
          row.item?.kind === 'file'
            ? `File, ${formatBytes(row.item.plaintextBytes)}`
            : `${rowsDeclared !== undefined ? `${rowsDeclared.toLocaleString()} rows, ` : ''}${(row.dataset?.schema ?? row.item?.schema)?.columns.length ?? 0} columns`
        return h(
          'tr',
          { 'data-dataset': row.dataset?.id, 'data-item': row.item?.id },
          h('th', { scope: 'row' }, name, row.item ? null : h('span', { class: 'tag' }, 'published elsewhere')),
          h('td', { 'data-label': 'Contents' }, contents),
          h('td', { class: 'status', 'data-label': 'Status' }, text),
          h('td', { class: 'action' }, action ? h('a', { href: action.href, class: 'button secondary small', 'aria-label': `${action.label}: ${name}` }, action.label) : null),
        )
      }),
    ),
  )
  replace(main, h('div', { class: 'heading-row' }, h('h1', { tabindex: '-1' }, title), add), ...notices, table)
}

/** A library item's status while the node cannot be asked: what is known here, never "For sale". */
function offlineStatus(item: LibraryItem | undefined): { text: string; action?: undefined } {
  if (item?.kind === 'file') return { text: 'Stored encrypted (files are kept, not sold for training)' }
  if (item?.dataset || item?.publishAttempt?.state.datatoken) return { text: 'Published; whether it is for sale now is unknown until the vault node answers.' }
  return { text: 'In your vault, not published' }
}
