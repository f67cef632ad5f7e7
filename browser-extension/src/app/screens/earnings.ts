// What the owner's datasets earned, read from chain events: orders, buyers, base token earned and
// what the exchange holds for them.
import type { EarningsReturnType } from '@datavault/sdk'
import type { AppContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatAmount } from '../format.ts'
import { failed, loading } from './common.ts'

const title = 'Earnings'

/** `#/earnings` */
export async function earningsScreen(context: AppContext, main: HTMLElement): Promise<void> {
  loading(main, title)
  let earned: EarningsReturnType
  try {
    earned = await (await context.vault()).client.earnings()
  } catch (error) {
    return failed(context, main, title, error, () => void earningsScreen(context, main))
  }
  replace(
    main,
    h('h1', { tabindex: '-1' }, title),
    h(
      'ul',
      { class: 'totals' },
      ...(earned.totals.length
        ? earned.totals.map((total) =>
            h('li', { class: 'card' }, h('strong', {}, formatAmount(total.earned, total.baseTokenDecimals, total.baseTokenSymbol)), ' earned', h('br'), `${formatAmount(total.collectable, total.baseTokenDecimals, total.baseTokenSymbol)} waiting on the exchange, ${formatAmount(total.collected, total.baseTokenDecimals, total.baseTokenSymbol)} collected`),
          )
        : [h('li', { class: 'card' }, h('strong', {}, `${earned.orders} orders`), ' so far')]),
    ),
    earned.datasets.length === 0
      ? h('p', {}, 'No dataset of yours is on this node yet.')
      : h(
          'table',
          { class: 'data' },
          h('caption', {}, 'Per dataset'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Dataset'), h('th', { scope: 'col' }, 'Orders'), h('th', { scope: 'col' }, 'Buyers'), h('th', { scope: 'col' }, 'Earned'))),
          h(
            'tbody',
            {},
            ...earned.datasets.map((dataset) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, h('a', { href: `#/dataset/${dataset.dataset}` }, dataset.name)),
                h('td', {}, String(dataset.orders)),
                h('td', {}, String(dataset.consumers)),
                h('td', {}, dataset.sales.length ? dataset.sales.map((sale) => formatAmount(sale.earned, sale.baseTokenDecimals, sale.baseTokenSymbol)).join(', ') : 'Free'),
              ),
            ),
          ),
        ),
    h('p', { class: 'hint' }, 'Read from the chain: orders (OrderStarted), what buyers paid the exchange less fees (Swapped), and what was collected. Each order also pays you 0.97 datatoken.'),
  )
}
