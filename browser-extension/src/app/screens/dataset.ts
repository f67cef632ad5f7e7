// One dataset: what buyers see of it, its price, the privacy budget spent, what it earned, every
// job that ran or waits on it, and revoking it.
import type { EarningsReturnType, GetPrivacyUsageReturnType, PricedDataset } from '@datavault/sdk'
import type { AppContext } from '../context.ts'
import { alertBox, confirmDialog, h, replace } from '../dom.ts'
import { glossary, terms } from '../glossary.ts'
import { formatAmount, formatPrice, formatTime } from '../format.ts'
import { type OwnerJob, datasetJobs, revoke, revokesOnChain } from '../vault-actions.ts'
import type { VaultSession } from '../vault-session.ts'
import { failed, failureBox, loading } from './common.ts'
import { jobsTable } from './jobs-table.ts'
import { datasetSettingsSection } from './dataset-settings.ts'

/** `#/dataset/<id>` */
export async function datasetScreen(context: AppContext, main: HTMLElement, { path }: { path: string[] }): Promise<void> {
  const id = (path[0] ?? '').toLowerCase() as `0x${string}`
  const title = 'Dataset'
  loading(main, title)
  let session: VaultSession
  let dataset: PricedDataset
  let jobs: OwnerJob[]
  let privacy: GetPrivacyUsageReturnType
  let earned: EarningsReturnType
  try {
    session = await context.vault()
    dataset = await session.client.getDataset({ id })
    ;[jobs, privacy, earned] = await Promise.all([
      datasetJobs({ session, datasets: [{ id: dataset.id, name: dataset.name }] }),
      session.client.getPrivacyUsage({ dataset: dataset.id }),
      session.client.earnings(),
    ])
  } catch (error) {
    return failed(context, main, title, error, () => void datasetScreen(context, main, { path }))
  }
  const reload = () => datasetScreen(context, main, { path })
  const mine = dataset.owner.toLowerCase() === session.address.toLowerCase()
  const earnings = earned.datasets.find((entry) => entry.dataset.toLowerCase() === dataset.id.toLowerCase())
  const status = dataset.revokedAt ? `Revoked ${formatTime(dataset.revokedAt)}` : dataset.available ? 'For sale' : dataset.keyEscrowed ? 'Not for sale' : 'Not ready: its key is not escrowed'
  const notices = h('div', { 'aria-live': 'polite' })

  // The same words wherever revoking is described: what happens to those who already paid.
  const whatBuyersKeep =
    'Buyers are not refunded: what they paid stays yours (collect it under Earnings). Jobs already running finish and finished jobs keep their results and receipts; jobs not yet running fail, and datatokens bought but not used can no longer run a job.'
  const showWith = async (message: string) => {
    await datasetScreen(context, main, { path })
    main.querySelector('.notices')?.replaceChildren(alertBox('success', message))
  }
  const settingsSection = datasetSettingsSection({ context, session, dataset, done: showWith })

  const revokeSection = mine && !dataset.revokedAt
    ? h(
        'section',
        { class: 'card danger-zone', 'aria-labelledby': 'revoke-title' },
        h('h2', { id: 'revoke-title' }, 'Revoke'),
        h('p', {}, 'Stops the sale and deletes the data key, so nobody can buy this dataset and nothing can run on it again. ', whatBuyersKeep),
        h('button', {
          type: 'button',
          class: 'danger',
          onclick: async () => {
            const confirmed = await confirmDialog({
              title: `Revoke “${dataset.name}”?`,
              body: [
                h('p', {}, 'Nobody can buy this dataset or run a job on it again, and this cannot be undone. ', whatBuyersKeep),
                h(
                  'ol',
                  { class: 'steps' },
                  h('li', {}, 'The vault node stops listing it, deletes the data key it holds and refuses new jobs — a signed request, no fee'),
                  h('li', {}, 'The sale stops: its price listing (or free hand-out) on the chain is closed — a transaction, paid in network fees'),
                  revokesOnChain(session)
                    ? h('li', {}, 'The dataset is marked revoked on the chain: every key holder checks it and deletes its part of the key — a transaction, paid in network fees')
                    : null,
                ),
                terms('fixed-rate-exchange', 'dispenser', ...(revokesOnChain(session) ? (['key-holder-registry'] as const) : []), 'gas'),
              ],
              confirm: 'Revoke dataset',
              danger: true,
            })
            if (!confirmed) return
            try {
              const result = await revoke(session, dataset.id)
              context.announce('Dataset revoked.')
              await datasetScreen(context, main, { path })
              main
                .querySelector('.notices')
                ?.replaceChildren(
                  alertBox(
                    'success',
                    `Revoked${result.txHash || result.closedSales?.length ? ' on the node and on chain' : ' on the node'}. ${result.closedSales?.length ? 'The sale is closed. ' : ''}${result.failedJobs} waiting job${result.failedJobs === 1 ? '' : 's'} stopped.`,
                  ),
                )
            } catch (error) {
              replace(notices, failureBox(context, error))
            }
          },
        }, 'Revoke this dataset…'),
      )
    : null

  replace(
    main,
    h('h1', { tabindex: '-1' }, dataset.name),
    h('div', { class: 'notices', 'aria-live': 'polite' }),
    notices,
    h(
      'dl',
      { class: 'facts card' },
      h('dt', {}, 'Status'),
      h('dd', { 'data-status': dataset.revokedAt ? 'revoked' : dataset.available ? 'for-sale' : 'not-for-sale' }, status),
      h('dt', {}, 'Price'),
      h('dd', {}, formatPrice(dataset.price, { withFees: true })),
      h('dt', {}, 'Contents'),
      h('dd', {}, `${dataset.rows !== undefined ? `${dataset.rows.toLocaleString()} rows, ` : ''}${dataset.schema.columns.map((column) => column.name).join(', ')}`),
      h('dt', {}, 'Who may train'),
      h('dd', {}, `${dataset.trainers.join(', ')}; at most ${dataset.policy.maxEpochs} epochs; raw download off`),
      h('dt', {}, 'Privacy budget'),
      h(
        'dd',
        {},
        privacy.budget
          ? `ε ${privacy.spent.epsilon.toPrecision(3)} spent of ${privacy.budget.epsilon} (${privacy.reserved.epsilon > 0 ? `${privacy.reserved.epsilon.toPrecision(3)} reserved, ` : ''}${privacy.remaining?.epsilon.toPrecision(3)} left)`
          : 'None: jobs may train without differential privacy',
      ),
      h('dt', {}, 'Earned'),
      h(
        'dd',
        {},
        earnings
          ? `${earnings.orders} order${earnings.orders === 1 ? '' : 's'} by ${earnings.consumers} buyer${earnings.consumers === 1 ? '' : 's'}${earnings.sales.map((sale) => `; ${formatAmount(sale.earned, sale.baseTokenDecimals, sale.baseTokenSymbol)} earned, ${formatAmount(sale.collectable, sale.baseTokenDecimals, sale.baseTokenSymbol)} of it waiting on the exchange`).join('')}`
          : 'Nothing yet',
      ),
      h('dt', {}, 'Dataset address'),
      h('dd', {}, h('code', {}, dataset.datatoken)),
      h('dt', {}, 'Encrypted file'),
      h('dd', {}, `${dataset.size.toLocaleString('en')} bytes, stored on the vault node`),
    ),
    h(
      'details',
      { class: 'terms' },
      h('summary', {}, 'The exact terms'),
      h(
        'dl',
        {},
        h('dt', {}, 'Dataset address'),
        h('dd', {}, 'The address of its datatoken (an Ocean Protocol ERC-20 token): buyers name the dataset by it.'),
        h('dt', {}, 'CID'),
        h('dd', {}, h('code', {}, dataset.cid), ' — ', glossary.cid[1]),
      ),
    ),
    h('section', { 'aria-labelledby': 'jobs-title' }, h('div', { class: 'heading-row' }, h('h2', { id: 'jobs-title' }, 'Jobs'), h('button', { type: 'button', class: 'secondary small', onclick: () => void reload() }, 'Refresh')), jobsTable(context, session, jobs, { showDataset: false, onChange: reload })),
    settingsSection,
    revokeSection,
  )
}
