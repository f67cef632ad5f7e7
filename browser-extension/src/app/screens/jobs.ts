// Every job on all of the owner's datasets, those waiting for approval first.
import type { AppContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { type OwnerJob, datasetJobs, ownerDatasets } from '../vault-actions.ts'
import type { VaultSession } from '../vault-session.ts'
import { failed, loading } from './common.ts'
import { jobsTable } from './jobs-table.ts'

const title = 'Jobs on my data'

/** `#/jobs` */
export async function jobsScreen(context: AppContext, main: HTMLElement): Promise<void> {
  loading(main, title)
  let session: VaultSession
  let jobs: OwnerJob[]
  try {
    session = await context.vault()
    const datasets = (await ownerDatasets({ session, background: context.background })).flatMap(({ dataset }) => (dataset ? [{ id: dataset.id, name: dataset.name }] : []))
    jobs = await datasetJobs({ session, datasets })
  } catch (error) {
    return failed(context, main, title, error, () => void jobsScreen(context, main))
  }
  const waiting = jobs.filter((row) => row.job.state === 'awaiting-approval')
  const ordered = [...waiting, ...jobs.filter((row) => row.job.state !== 'awaiting-approval')]
  replace(
    main,
    h('div', { class: 'heading-row' }, h('h1', { tabindex: '-1' }, title), h('button', { type: 'button', class: 'secondary small', onclick: () => void jobsScreen(context, main) }, 'Refresh')),
    h('div', { class: 'notices', 'aria-live': 'polite' }),
    h('p', {}, `${jobs.length} job${jobs.length === 1 ? '' : 's'}${waiting.length ? `, ${waiting.length} waiting for your approval` : ''}. Each finished job has a receipt signed by the node; it is checked here.`),
    jobsTable(context, session, ordered, { showDataset: true, onChange: () => jobsScreen(context, main) }),
  )
}
