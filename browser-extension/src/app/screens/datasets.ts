// My datasets: what is in the vault (stored, being published, for sale, revoked), with the next
// thing to do for each.
import type { AppContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatPrice } from '../format.ts'
import { type OwnerDataset, ownerDatasets } from '../vault-actions.ts'
import { formatBytes } from '../../data/inspect.ts'
import { failed, loading } from './common.ts'

const title = 'My datasets'

/** The status of a dataset in words, and the action that goes with it. */
function status({ dataset, item }: OwnerDataset): { text: string; action?: { label: string; href: string } | undefined } {
  if (dataset?.revokedAt) return { text: 'Revoked', action: { label: 'Details', href: `#/dataset/${dataset.id}` } }
  if (dataset && dataset.available) return { text: `For sale · ${formatPrice(dataset.price)}`, action: { label: 'Jobs and earnings', href: `#/dataset/${dataset.id}` } }
  if (item?.publishAttempt)
    return { text: `${item.publishAttempt.reason.message}${/nothing was put up for sale/i.test(item.publishAttempt.reason.message) ? '' : ' Nothing is for sale.'}`, action: { label: 'Resume publishing', href: `#/publish/${item.id}` } }
  if (dataset) return { text: dataset.keyEscrowed ? 'Not for sale' : 'Not ready: its key is not escrowed', action: { label: 'Details', href: `#/dataset/${dataset.id}` } }
  if (item?.kind === 'file') return { text: 'Stored encrypted (files are kept, not sold for training)' }
  if (item) return { text: 'In your vault, not published', action: { label: 'Publish', href: `#/publish/${item.id}` } }
  return { text: '' }
}

/** The datasets screen. */
export async function datasetsScreen(context: AppContext, main: HTMLElement): Promise<void> {
  loading(main, title)
  let rows: OwnerDataset[]
  try {
    rows = await ownerDatasets({ session: await context.vault(), background: context.background })
  } catch (error) {
    return failed(context, main, title, error, () => void datasetsScreen(context, main))
  }
  const add = h('a', { href: '#/add', class: 'button primary' }, 'Add data')
  if (rows.length === 0) {
    replace(main, h('h1', { tabindex: '-1' }, title), h('p', {}, 'Nothing in your vault yet. Add a CSV, JSON or JSON Lines file, or capture a table from a web page (right-click it).'), add)
    return
  }
  const table = h(
    'table',
    { class: 'data' },
    h('caption', { class: 'visually-hidden' }, 'Your datasets and what each is doing'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Contents'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Action')))),
    h(
      'tbody',
      {},
      ...rows.map((row) => {
        const { text, action } = status(row)
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
          h('td', {}, contents),
          h('td', { class: 'status' }, text),
          h('td', {}, action ? h('a', { href: action.href, class: 'button secondary small', 'aria-label': `${action.label}: ${name}` }, action.label) : null),
        )
      }),
    ),
  )
  replace(main, h('div', { class: 'heading-row' }, h('h1', { tabindex: '-1' }, title), add), table)
}
