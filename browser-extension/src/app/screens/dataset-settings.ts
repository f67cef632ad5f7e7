// The owner's settings of a published dataset, on its screen: the price of one job (on the
// exchange, a transaction) and who may train and for how long (the policy on the node, a signed
// request). The schema changes from the SDK or the CLI (`datavault schema`).
import type { PricedDataset } from '@datavault/sdk'
import { formatUnits, parseUnits } from 'viem'
import type { AppContext } from '../context.ts'
import { alertBox, field, h, replace } from '../dom.ts'
import { formatAmount } from '../format.ts'
import type { VaultSession } from '../vault-session.ts'
import { failureBox } from './common.ts'

/** What the section needs: the dataset as the screen read it, and how to show the screen again. */
export type DatasetSettingsParameters = {
  context: AppContext
  session: VaultSession
  dataset: PricedDataset
  /** Re-renders the screen, then shows `message` as a success notice. */
  done(message: string): Promise<void>
}

/** Runs `action` with the form's button disabled, showing a failure in `notices`. */
async function busy(form: HTMLFormElement, notices: HTMLElement, context: AppContext, action: () => Promise<void>): Promise<void> {
  const button = form.querySelector('button')
  if (button) button.disabled = true
  replace(notices)
  try {
    await action()
  } catch (error) {
    replace(notices, failureBox(context, error))
  } finally {
    if (button) button.disabled = false
  }
}

/**
 * The "Settings" card of an owner's dataset (nothing for someone else's, or a revoked one).
 *
 * @example
 * datasetSettingsSection({ context, session, dataset, done: (message) => reloadWith(message) })
 */
export function datasetSettingsSection({ context, session, dataset, done }: DatasetSettingsParameters): HTMLElement | null {
  if (dataset.owner.toLowerCase() !== session.address.toLowerCase() || dataset.revokedAt || dataset.pool) return null
  const notices = h('div', { 'aria-live': 'polite' })
  const price = dataset.price

  let priceForm: HTMLElement
  if (price.type === 'fixed-rate') {
    const input = h('input', { type: 'text', inputmode: 'decimal', name: 'price', required: true, autocomplete: 'off', value: formatUnits(price.rate, 18) })
    const form = h('form', { 'aria-labelledby': 'price-title' }) as HTMLFormElement
    form.append(
      h('h3', { id: 'price-title' }, 'Price'),
      field(`Price of one job, in ${price.baseTokenSymbol}`, input, 'Buyers pay it from their next purchase, plus Ocean\u2019s small fee. Changing it is a transaction, paid in network fees.'),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Change price')),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      void busy(form, notices, context, async () => {
        const text = input.value.trim()
        if (!/^\d+(\.\d+)?$/.test(text) || parseUnits(text, price.baseTokenDecimals) <= 0n) {
          replace(notices, alertBox('error', 'Give a price above 0, like 2 or 0.5.'))
          return
        }
        const units = parseUnits(text, price.baseTokenDecimals)
        await session.client.setDatasetPrice({ dataset: dataset.datatoken, price: units })
        context.announce('Price changed.')
        await done(`Price changed to ${formatAmount(units, price.baseTokenDecimals, price.baseTokenSymbol)} per job.`)
      })
    })
    priceForm = form
  } else {
    priceForm = h('p', {}, price.type === 'free' ? 'This dataset is free: it has no price to change.' : 'This dataset is not for sale, so it has no price to change.')
  }

  const offered = [...new Set(session.node.trainers.map((trainer) => trainer.id))]
  const allowed = new Set(dataset.trainers)
  const boxes = offered.map((id) => h('input', { type: 'checkbox', name: 'trainer', value: id, checked: allowed.has(id) }))
  const epochs = h('input', { type: 'number', name: 'maxEpochs', min: 1, max: 10000, step: 1, required: true, value: dataset.policy.maxEpochs })
  const policyForm = h('form', { 'aria-labelledby': 'policy-title' }) as HTMLFormElement
  policyForm.append(
    h('h3', { id: 'policy-title' }, 'Who may train'),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Training methods allowed'),
      ...offered.map((id, i) => h('div', {}, h('label', { class: 'check' }, boxes[i]!, ` ${id}`))),
    ),
    field('Most training rounds (epochs) per job', epochs, 'New jobs follow these settings; jobs already accepted keep theirs. Saving is a signed request, no fee.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Save who may train')),
  )
  policyForm.addEventListener('submit', (event) => {
    event.preventDefault()
    void busy(policyForm, notices, context, async () => {
      const chosen = boxes.filter((box) => box.checked).map((box) => box.value)
      // Pinned and custom entries of the policy the form does not show are kept as they are.
      const kept = dataset.policy.trainers.filter((entry) => !offered.includes(entry.split('@')[0]!) || (entry.includes('@') && chosen.includes(entry.split('@')[0]!)))
      const trainers = [...new Set([...kept, ...chosen.filter((id) => !kept.some((entry) => entry.split('@')[0] === id))])]
      const maxEpochs = Number(epochs.value)
      if (trainers.length === 0) {
        replace(notices, alertBox('error', 'Allow at least one training method.'))
        return
      }
      if (!Number.isInteger(maxEpochs) || maxEpochs < 1 || maxEpochs > 10_000) {
        replace(notices, alertBox('error', 'Give a whole number of training rounds between 1 and 10000.'))
        return
      }
      await session.client.updateDataset({ dataset: dataset.datatoken, policy: { ...dataset.policy, trainers, maxEpochs } })
      context.announce('Settings saved.')
      await done('Saved: new jobs follow these settings.')
    })
  })

  return h('section', { class: 'card dataset-settings', 'aria-labelledby': 'settings-title' }, h('h2', { id: 'settings-title' }, 'Settings'), notices, priceForm, policyForm)
}
