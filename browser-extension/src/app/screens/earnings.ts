// What the owner's datasets earned, read from chain events: orders, buyers, base token earned and
// what the exchange holds for them, with a button that collects it.
import type { EarningsReturnType, EarningsTotal } from '@datavault/sdk'
import type { AppContext } from '../context.ts'
import { alertBox, h, replace, shortAddress } from '../dom.ts'
import { terms } from '../glossary.ts'
import type { VaultSession } from '../vault-session.ts'
import { formatAmount } from '../format.ts'
import { type OwnerPool, listedPools, ownerPool } from '../pools.ts'
import { failed, failureBox, loading } from './common.ts'

const title = 'Earnings'

/** `#/earnings` */
export async function earningsScreen(context: AppContext, main: HTMLElement): Promise<void> {
  loading(main, title)
  let earned: EarningsReturnType
  let pools: OwnerPool[]
  let session: VaultSession
  try {
    session = await context.vault()
    earned = await session.client.earnings()
    const listed = await listedPools(session)
    pools = (await Promise.all(listed.map((entry) => ownerPool(session, entry.pool!, entry)))).filter(
      (pool) => pool.mine.length > 0 || (pool.status.account?.shares ?? 0n) > 0n || (pool.status.account?.claimable.length ?? 0) > 0,
    )
  } catch (error) {
    return failed(context, main, title, error, () => void earningsScreen(context, main))
  }
  const notices = h('div', { class: 'notices', 'aria-live': 'polite' })
  // Collecting sends what waits on each exchange in this base token to the datatoken's payment
  // collector (the owner's wallet unless they chose another): one transaction per exchange.
  const collect = async (total: EarningsTotal, button: HTMLButtonElement) => {
    button.disabled = true
    button.textContent = 'Collecting…'
    replace(notices)
    try {
      const waiting = earned.datasets.filter((dataset) => dataset.sales.some((sale) => sale.collectable > 0n && sale.baseToken.toLowerCase() === total.baseToken.toLowerCase()))
      let sum = 0n
      const to = new Set<string>()
      for (const dataset of waiting) {
        const { paymentCollector, collected } = await session.client.collectEarnings({ dataset: dataset.dataset })
        for (const entry of collected) if (entry.baseToken.toLowerCase() === total.baseToken.toLowerCase()) sum += entry.amount
        to.add(paymentCollector.toLowerCase())
      }
      const where = [...to].every((address) => address === session.address.toLowerCase()) ? 'to your wallet' : `to ${[...to].map(shortAddress).join(', ')}`
      context.announce('Collected.')
      await earningsScreen(context, main)
      main.querySelector('.notices')?.replaceChildren(alertBox('success', `Collected ${formatAmount(sum, total.baseTokenDecimals, total.baseTokenSymbol)} ${where}.`))
    } catch (error) {
      button.disabled = false
      button.textContent = collectLabel(total)
      replace(notices, failureBox(context, error))
    }
  }
  const collectLabel = (total: EarningsTotal) => `Collect ${formatAmount(total.collectable, total.baseTokenDecimals, total.baseTokenSymbol)}`
  replace(
    main,
    h('h1', { tabindex: '-1' }, title),
    notices,
    h(
      'ul',
      { class: 'totals' },
      ...(earned.totals.length
        ? earned.totals.map((total) => {
            const button = h('button', { type: 'button', class: 'primary small', 'data-collect': total.baseTokenSymbol }, collectLabel(total)) as HTMLButtonElement
            button.addEventListener('click', () => void collect(total, button))
            return h(
              'li',
              { class: 'card', 'data-base-token': total.baseTokenSymbol },
              h('strong', {}, formatAmount(total.earned, total.baseTokenDecimals, total.baseTokenSymbol)),
              ' earned',
              h('br'),
              `${formatAmount(total.collectable, total.baseTokenDecimals, total.baseTokenSymbol)} waiting on the exchange, ${formatAmount(total.collected, total.baseTokenDecimals, total.baseTokenSymbol)} collected`,
              total.collectable > 0n ? h('div', { class: 'actions' }, button) : null,
            )
          })
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
    h('p', { class: 'hint' }, 'Read from the chain: each order, what buyers paid for your datasets less fees, and what was collected. What waits to be collected stays yours, also after a dataset is revoked; collecting it is a transaction, paid in network fees. Each order also pays you back most of the token the buyer spent on it (0.97 of 1).'),
    terms('order-started', 'swapped', 'fixed-rate-exchange', 'datatoken', 'gas'),
    h('h2', {}, 'Pools'),
    pools.length === 0
      ? h('p', {}, 'None of your datasets is in a pool listed on this node.')
      : h(
          'table',
          { class: 'data' },
          h('caption', { class: 'visually-hidden' }, 'Per pool'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Pool'), h('th', { scope: 'col' }, 'Your datasets'), h('th', { scope: 'col' }, 'Your shares'), h('th', { scope: 'col' }, 'To claim'))),
          h(
            'tbody',
            {},
            ...pools.map((pool) => {
              const account = pool.status.account
              const due = new Map<string, bigint>()
              for (const claim of account?.claimable ?? []) due.set(claim.token.toLowerCase(), (due.get(claim.token.toLowerCase()) ?? 0n) + claim.amount)
              const share = account && pool.status.shares.totalSupply > 0n ? `${((Number(account.shares) / Number(pool.status.shares.totalSupply)) * 100).toFixed(1)} %` : '0 %'
              return h(
                'tr',
                { 'data-pool': pool.pool.toLowerCase() },
                h('th', { scope: 'row' }, h('a', { href: `#/pools?pool=${pool.pool}` }, pool.status.name || pool.pool)),
                h('td', {}, String(pool.mine.filter((dataset) => dataset.status === 'active' || dataset.status === 'pending').length)),
                h('td', {}, share),
                h('td', {}, due.size ? [...due].map(([token, value]) => { const known = pool.symbols.get(token); return known ? formatAmount(value, known.decimals, known.symbol) : String(value) }).join(', ') : 'Nothing yet'),
              )
            }),
          ),
        ),
  )
}
