// The table of jobs on the owner's data: when, which program, which buyer, its state, the privacy
// it spent and whether its receipt checks out; and, for a buyer's own program waiting for the
// owner, the program to read and the decision.
import type { AppContext } from '../context.ts'
import { alertBox, confirmDialog, field, h, replace, shortAddress } from '../dom.ts'
import { formatTime, jobStateLabel } from '../format.ts'
import { type OwnerJob, privacySpent } from '../vault-actions.ts'
import type { VaultSession } from '../vault-session.ts'
import { terms } from '../glossary.ts'
import { failureBox } from './common.ts'

function receiptCell(row: OwnerJob): HTMLElement {
  const { receipt } = row
  if (receipt.status === 'verified')
    return h('td', { class: 'receipt ok', 'data-receipt': 'verified', 'data-label': 'Receipt' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'Verified', h('span', { class: 'visually-hidden' }, `: signed by the node, for this job`))
  if (receipt.status === 'invalid') return h('td', { class: 'receipt bad', 'data-receipt': 'invalid', 'data-label': 'Receipt' }, h('span', { 'aria-hidden': 'true' }, '✗ '), `Does not check out: ${receipt.reason}`)
  // The node gives a pool job's receipt to its buyer and to the owners of the datasets it read; a
  // node that predates that answers it is not theirs to read.
  if (row.throughPool && row.job.state === 'finished') return h('td', { class: 'receipt', 'data-receipt': 'pool', 'data-label': 'Receipt' }, 'Not shared by this node')
  return h('td', { class: 'receipt', 'data-receipt': 'none', 'data-label': 'Receipt' }, row.job.state === 'finished' ? 'Missing' : '—')
}

function trainerLabel(row: OwnerJob): string {
  const { trainer } = row.job
  const program = trainer.id === 'custom' ? `Buyer's own program ${trainer.hash.slice(0, 10)}…` : `${trainer.id} ${trainer.version}`
  return row.throughPool ? `${program}, through pool ${shortAddress(row.throughPool)}` : program
}

/**
 * The jobs table. `onChange` runs after an approval or a denial, to reload the screen; what was
 * decided is then said in the screen's `.notices` box (the table itself is redrawn).
 *
 * @example
 * main.append(jobsTable(context, session, rows, { showDataset: true, onChange: reload }))
 */
export function jobsTable(context: AppContext, session: VaultSession, rows: OwnerJob[], { showDataset, onChange }: { showDataset: boolean; onChange: () => Promise<void> }): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'No job has run on this data yet.')
  const notices = h('div', { 'aria-live': 'polite' })
  const table = h(
    'table',
    { class: 'data jobs' },
    h('caption', { class: 'visually-hidden' }, 'Jobs on your data'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'When'),
        showDataset ? h('th', { scope: 'col' }, 'Dataset') : null,
        h('th', { scope: 'col' }, 'Program'),
        h('th', { scope: 'col' }, 'Buyer'),
        h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col' }, 'Privacy spent'),
        h('th', { scope: 'col' }, 'Receipt'),
      ),
    ),
    h(
      'tbody',
      {},
      ...rows.flatMap((row) => {
        const main = h(
          'tr',
          { 'data-job': row.job.id, 'data-state': row.job.state },
          // Each cell says its column (`data-label`): at a popup's width the rows become stacked cards.
          h('td', { 'data-label': 'When' }, h('time', { datetime: row.job.createdAt }, formatTime(row.job.createdAt))),
          showDataset ? h('td', { 'data-label': 'Dataset' }, row.datasetName) : null,
          h('td', { 'data-label': 'Program' }, trainerLabel(row)),
          h('td', { 'data-label': 'Buyer' }, h('code', { title: row.job.buyer }, shortAddress(row.job.buyer))),
          h('td', { 'data-label': 'State', 'data-column': 'state' }, jobStateLabel(row.job.state), row.job.failure ? h('span', { class: 'muted' }, ` — ${row.job.failure.message}`) : null),
          h('td', { 'data-label': 'Privacy spent' }, row.receipt.status === 'none' ? '—' : privacySpent(row.receipt.receipt)),
          receiptCell(row),
        )
        if (row.job.state !== 'awaiting-approval') return [main]
        const span = showDataset ? 7 : 6
        return [main, h('tr', { class: 'decision' }, h('td', { colspan: span }, decision(context, session, row, notices, onChange)))]
      }),
    ),
  )
  return h('div', {}, notices, h('div', { class: 'table-scroll' }, table), terms('dp', 'epsilon', 'delta'))
}

function decision(context: AppContext, session: VaultSession, row: OwnerJob, notices: HTMLElement, onChange: () => Promise<void>): HTMLElement {
  const { job } = row
  const program = h('pre', { class: 'program', hidden: true, tabindex: '0', 'aria-label': 'The program' })
  const outputs = job.trainer.outputs
  const read = h('button', {
    type: 'button',
    class: 'secondary small',
    'aria-expanded': 'false',
    onclick: async () => {
      if (!program.hidden) {
        program.hidden = true
        read.setAttribute('aria-expanded', 'false')
        return
      }
      try {
        const { code, runtime } = await session.client.getAlgorithm({ hash: job.trainer.hash })
        program.textContent = `// ${runtime} program, sha256 ${job.trainer.hash}\n${new TextDecoder().decode(code)}`
        program.hidden = false
        read.setAttribute('aria-expanded', 'true')
      } catch (error) {
        replace(notices, failureBox(context, error))
      }
    },
  }, 'Read the program')
  const decide = async (approve: boolean) => {
    const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 500, required: true })
    const confirmed = await confirmDialog(
      approve
        ? {
            title: 'Approve this program?',
            body: [
              h('p', {}, `It will run on “${row.datasetName}” in the sandbox, with no network. Your approval covers this exact program with these outputs and parameters, for later jobs too (you can withdraw it).`),
              h('p', {}, `Outputs: ${outputs ? outputs.tensors.map((tensor) => `${tensor.name} ${tensor.dtype}[${tensor.shape.join('×')}]`).join(', ') : 'as declared'}`),
              h('p', {}, `Parameters: ${JSON.stringify(job.params)}`),
            ],
            confirm: 'Approve',
          }
        : { title: 'Deny this job?', body: [h('p', {}, 'The buyer is told why; the program does not run.'), field('Reason', reason)], confirm: 'Deny', danger: true },
    )
    if (!confirmed) return
    try {
      if (approve) await session.client.approveAlgorithm({ job: job.id })
      else await session.client.denyJob({ id: job.id, reason: reason.value.trim() || 'Denied by the owner.' })
      const said = approve ? 'Approved: the job is queued.' : 'Denied: the job will not run.'
      context.announce(said)
      await onChange()
      document.querySelector('main .notices')?.replaceChildren(alertBox('success', said))
    } catch (error) {
      replace(notices, failureBox(context, error))
    }
  }
  return h(
    'div',
    { class: 'decision-box' },
    h('p', {}, h('strong', {}, 'A buyer sent their own program.'), ' It runs only if you approve it.'),
    h(
      'div',
      { class: 'actions' },
      read,
      h('button', { type: 'button', class: 'primary small', onclick: () => void decide(true) }, 'Approve'),
      h('button', { type: 'button', class: 'danger small', onclick: () => void decide(false) }, 'Deny'),
    ),
    program,
  )
}
