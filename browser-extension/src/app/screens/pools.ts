// Pools: the DAO data pools on this node (or one opened by its address), this wallet's shares,
// datasets and revenue in each; add a dataset, withdraw it, leave, claim revenue. Each action is a
// transaction from the wallet, confirmed first.
import type { DatasetView } from '@datavault/sdk'
import { type Address, formatUnits, isAddress } from 'viem'
import type { AppContext } from '../context.ts'
import { alertBox, confirmDialog, field, h, replace, shortAddress } from '../dom.ts'
import { formatAmount } from '../format.ts'
import { type OwnerPool, addToPool, claimRevenue, listedPools, ownerPool, withdrawFromPool } from '../pools.ts'
import { ownerDatasets } from '../vault-actions.ts'
import type { VaultSession } from '../vault-session.ts'
import { failed, failureBox, loading } from './common.ts'

const title = 'Pools'

/** `#/pools`, or `#/pools?pool=0x…` to open one by its address. */
export async function poolsScreen(context: AppContext, main: HTMLElement, { query }: { query: URLSearchParams }): Promise<void> {
  loading(main, title)
  const opened = query.get('pool')
  let session: VaultSession
  let pools: OwnerPool[]
  let mine: DatasetView[]
  try {
    session = await context.vault()
    const listed = await listedPools(session)
    const addresses = new Map(listed.map((entry) => [entry.pool!.toLowerCase(), entry]))
    if (opened && isAddress(opened) && !addresses.has(opened.toLowerCase())) addresses.set(opened.toLowerCase(), undefined as unknown as DatasetView)
    pools = await Promise.all([...addresses].map(([pool, entry]) => ownerPool(session, pool as Address, entry)))
    mine = (await ownerDatasets({ session, background: context.background })).flatMap(({ dataset }) => (dataset && !dataset.revokedAt && dataset.keyEscrowed && !dataset.pool ? [dataset] : []))
  } catch (error) {
    return failed(context, main, title, error, () => void poolsScreen(context, main, { query }))
  }
  const reload = () => poolsScreen(context, main, { query })
  const address = h('input', { type: 'text', name: 'pool', spellcheck: 'false', placeholder: '0x…', value: opened ?? '' })
  const open = h(
    'form',
    { class: 'card', 'aria-labelledby': 'open-pool-title' },
    h('h2', { id: 'open-pool-title' }, 'Open a pool by its address'),
    field('DataPool address', address, "A pool not listed on this node yet: its DAO gives its address."),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Open')),
  )
  open.addEventListener('submit', (event) => {
    event.preventDefault()
    context.navigate(`#/pools?pool=${encodeURIComponent(address.value.trim())}`)
  })
  replace(
    main,
    h('h1', { tabindex: '-1' }, title),
    h('p', { class: 'lead' }, "A pool sells training on many people's data together. Its members vote on who may train, and share what buyers pay in proportion to their shares."),
    opened && !isAddress(opened) ? alertBox('error', 'That is not an address (0x and 40 hexadecimal digits).') : null,
    pools.length === 0 ? h('p', {}, 'No pool is listed on this node yet.') : null,
    ...pools.map((pool) => poolCard(context, session, pool, mine, reload)),
    open,
  )
}

const plural = (count: bigint, word: string) => `${count} ${word}${count === 1n ? '' : 's'}`
const shares = (value: bigint) => Number(formatUnits(value, 18)).toLocaleString(undefined, { maximumFractionDigits: 2 })

function poolCard(context: AppContext, session: VaultSession, owner: OwnerPool, mine: DatasetView[], reload: () => Promise<void>): HTMLElement {
  const { status, pool } = owner
  const account = status.account
  const notices = h('div', { 'aria-live': 'polite' })
  const name = status.name || `Pool ${shortAddress(pool)}`
  const active = owner.mine.filter((dataset) => dataset.status === 'active' || dataset.status === 'pending')
  const claimable = account?.claimable ?? []
  const totals = new Map<string, bigint>()
  for (const claim of claimable) totals.set(claim.token.toLowerCase(), (totals.get(claim.token.toLowerCase()) ?? 0n) + claim.amount)
  const amount = (token: string, value: bigint) => {
    const known = owner.symbols.get(token)
    return known ? formatAmount(value, known.decimals, known.symbol) : `${value} of ${shortAddress(token)}`
  }
  const inPool = new Set(owner.mine.filter((dataset) => dataset.status !== 'withdrawn' && dataset.status !== 'removed').map((dataset) => dataset.datatoken.toLowerCase()))
  const candidates = mine.filter((dataset) => !inPool.has(dataset.datatoken.toLowerCase()))
  const datasetName = (datatoken: string) => mine.find((dataset) => dataset.datatoken.toLowerCase() === datatoken.toLowerCase())?.name ?? shortAddress(datatoken)

  /** Confirms, runs a pool transaction, reports, reloads. */
  const act = async (confirm: Parameters<typeof confirmDialog>[0], work: () => Promise<string>) => {
    if (!(await confirmDialog(confirm))) return
    replace(notices, h('p', { class: 'muted', role: 'status' }, 'Signing and waiting for the transaction…'))
    try {
      const done = await work()
      context.announce(done)
      await reload()
      document.querySelector(`[data-pool="${pool.toLowerCase()}"] .notices`)?.replaceChildren(alertBox('success', done))
    } catch (error) {
      replace(notices, failureBox(context, error))
    }
  }

  const select = h('select', { name: 'dataset' }, ...candidates.map((dataset) => h('option', { value: dataset.id }, `${dataset.name} (${dataset.schema.rows?.toLocaleString() ?? '?'} rows)`)))
  const join = candidates.length
    ? h(
        'div',
        { class: 'inline-fields' },
        field('Dataset to add', select),
        h(
          'div',
          { class: 'actions' },
          h('button', {
            type: 'button',
            class: 'primary',
            onclick: () => {
              const dataset = candidates.find((candidate) => candidate.id === select.value)!
              void act(
                {
                  title: `Add “${dataset.name}” to ${name}?`,
                  body: [
                    h('ol', { class: 'steps' }, h('li', {}, `Contribute it to the pool (DataPool ${shortAddress(pool)}) — a transaction from your wallet, paid in network fees`)),
                    h('p', {}, `${status.rules.openAdmission ? 'The pool admits datasets at once' : "The pool's members vote on admitting it"}; your shares follow the ${dataset.schema.rows?.toLocaleString()} rows it declares. The pool's trainers and limits then govern jobs on it through the pool, and you get your part of what buyers pay the pool. It stays for sale on its own too; you can withdraw it any time.`),
                  ],
                  confirm: 'Add to the pool',
                },
                async () => {
                  const joined = await addToPool(session, { pool, dataset })
                  return joined.status === 'active' ? `“${dataset.name}” joined ${name} with ${shares(joined.shares)} shares.` : `“${dataset.name}” waits for the members of ${name} to accept it.`
                },
              )
            },
          }, 'Add to this pool…'),
        ),
      )
    : h('p', { class: 'hint' }, 'None of your published datasets can be added (they are in it already, revoked, or not ready).')

  return h(
    'section',
    { class: 'card', 'aria-labelledby': `pool-${pool}`, 'data-pool': pool.toLowerCase() },
    h('h2', { id: `pool-${pool}` }, name, status.symbol ? h('span', { class: 'tag' }, status.symbol) : null, owner.listed ? null : h('span', { class: 'tag' }, 'not listed on this node')),
    h('div', { class: 'notices', 'aria-live': 'polite' }),
    notices,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Price per job'),
      h('dd', {}, status.sale ? `${formatAmount(status.sale.price, status.sale.baseTokenDecimals, status.sale.baseTokenSymbol)}${status.sale.active ? '' : ' (sales paused)'}` : 'Not for sale yet'),
      h('dt', {}, 'Members'),
      h('dd', {}, `${plural(status.memberCount, 'member')}, ${plural(status.datasetCount, 'dataset')}; admission ${status.rules.openAdmission ? 'open' : 'by vote'}`),
      h('dt', {}, 'Your shares'),
      h('dd', { 'data-shares': account ? account.shares.toString() : '0' }, account && status.shares.totalSupply > 0n ? `${shares(account.shares)} of ${shares(status.shares.totalSupply)} (${((Number(account.shares) / Number(status.shares.totalSupply)) * 100).toFixed(1)} %)` : 'None'),
      h('dt', {}, 'Revenue to claim'),
      h('dd', { 'data-claimable': claimable.length ? 'yes' : 'no' }, claimable.length ? [...totals].map(([token, value]) => amount(token, value)).join(', ') : 'Nothing distributed to you yet (claiming also collects new sales first)'),
      h('dt', {}, 'Contract'),
      h('dd', {}, h('code', {}, pool)),
    ),
    active.length
      ? h(
          'ul',
          { class: 'choices', 'aria-label': 'Your datasets in this pool' },
          ...active.map((dataset) =>
            h(
              'li',
              { 'data-member-dataset': dataset.datatoken.toLowerCase() },
              `${datasetName(dataset.datatoken)}: ${dataset.status}, ${shares(dataset.shares)} shares `,
              h('button', {
                type: 'button',
                class: 'secondary small',
                onclick: () =>
                  void act(
                    { title: `Withdraw “${datasetName(dataset.datatoken)}” from ${name}?`, body: [h('p', {}, 'New pool jobs stop reading it at once and its shares are burned; revenue already distributed to you stays claimable. A transaction from your wallet.')], confirm: 'Withdraw', danger: true },
                    async () => (await withdrawFromPool(session, { pool, datatoken: dataset.datatoken }), `Withdrawn from ${name}.`),
                  ),
              }, 'Withdraw'),
            ),
          ),
        )
      : null,
    join,
    h(
      'div',
      { class: 'actions' },
      h('button', {
        type: 'button',
        class: 'secondary',
        onclick: () =>
          void act(
            { title: `Claim your revenue from ${name}?`, body: [h('p', {}, "First what buyers paid the pool's exchange is collected into a new distribution (a transaction, when there is something to collect), then your part of every distribution is paid to your wallet (one more transaction).")], confirm: 'Claim' },
            async () => {
              const { claims } = await claimRevenue(session, { pool })
              if (claims.length === 0) return `Nothing to claim from ${name} yet.`
              const paid = new Map<string, bigint>()
              for (const claim of claims) paid.set(claim.token.toLowerCase(), (paid.get(claim.token.toLowerCase()) ?? 0n) + claim.amount)
              return `Claimed ${[...paid].map(([token, value]) => amount(token, value)).join(', ')} from ${name}.`
            },
          ),
      }, 'Claim revenue…'),
      account && account.shares > 0n
        ? h('button', {
            type: 'button',
            class: 'danger',
            onclick: () =>
              void act(
                { title: `Leave ${name}?`, body: [h('p', {}, 'All your shares are burned and new pool jobs stop reading all your datasets at once. Receipts of past jobs stay, and revenue distributed while you were a member stays claimable. A transaction from your wallet.')], confirm: 'Leave the pool', danger: true },
                async () => (await withdrawFromPool(session, { pool }), `You left ${name}.`),
              ),
          }, 'Leave the pool…')
        : null,
    ),
  )
}
