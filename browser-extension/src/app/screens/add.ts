// Add data: pick a file (or take what the context menu captured from a page), see the schema
// buyers will see, then encrypt it here (in the data worker, with a progress bar) and upload the
// ciphertext. Nothing leaves the browser unencrypted.
import type { Capture } from '../../background/capture.ts'
import type { NewLibraryItem } from '../../background/library.ts'
import { type Inspection, formatBytes } from '../../data/inspect.ts'
import { describeError } from '../describe-error.ts'
import type { AppContext } from '../context.ts'
import { alertBox, confirmDialog, field, h, replace } from '../dom.ts'
import { type ChosenColumns, columnChooser, publicList } from './column-choices.ts'
import { glossary } from '../glossary.ts'
import { addToVault, plaintextLimit } from '../vault-actions.ts'
import { failureBox } from './common.ts'

type Candidate = { data: Blob; name: string; source: NewLibraryItem['source'] }

/** The Add data screen; `?capture` takes what the context menu captured. */
export async function addScreen(context: AppContext, main: HTMLElement, { query }: { query: URLSearchParams }): Promise<void> {
  const capture = query.has('capture') ? await context.background.request({ type: 'capture.take' }) : null
  const fileInput = h('input', { type: 'file', name: 'file' })
  const chooser = h('div', { class: 'card' }, field('Choose a file', fileInput, 'CSV, JSON (an array of records) or JSON Lines become a table buyers can train on. Any other file is kept as an encrypted file.'))
  const work = h('div', { class: 'work', 'aria-live': 'polite' })
  replace(main, h('h1', { tabindex: '-1' }, 'Add data'), capture ? captureBox(capture, (candidate) => void inspect(context, work, candidate)) : null, chooser, work)
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0]
    if (file) void inspect(context, work, { data: file, name: file.name, source: { type: 'file', fileName: file.name, mediaType: file.type } })
  })
}

/** What the context menu captured: its tables to choose from, or the selected text. */
function captureBox(capture: Capture, choose: (candidate: Candidate) => void): HTMLElement {
  if (capture.failure) return alertBox('error', capture.failure.message)
  const source = { type: 'page' as const, title: capture.title, origin: capture.origin }
  const base = (capture.title || 'page').replace(/[^\p{L}\p{N} _-]+/gu, ' ').trim().slice(0, 60) || 'page'
  const options = capture.tables.map((table, index) =>
    h(
      'li',
      {},
      h(
        'button',
        { type: 'button', class: 'secondary', onclick: () => choose({ data: new Blob([table.csv], { type: 'text/csv' }), name: `${table.caption || base}${capture.tables.length > 1 ? ` (table ${index + 1})` : ''}.csv`, source }) },
        `Use table ${index + 1}${table.caption ? `: ${table.caption}` : ''} — ${table.rows} rows, ${table.columns} columns`,
      ),
    ),
  )
  if (capture.text) options.push(h('li', {}, h('button', { type: 'button', class: 'secondary', onclick: () => choose({ data: new Blob([capture.text!], { type: 'text/plain' }), name: `${base} (selection).txt`, source }) }, `Use the selected text (${formatBytes(new Blob([capture.text]).size)})`)))
  return h('section', { class: 'card', 'aria-labelledby': 'capture-title' }, h('h2', { id: 'capture-title' }, `Captured from ${capture.origin || 'a page'}`), capture.title ? h('p', {}, capture.title) : null, h('ul', { class: 'choices' }, ...options))
}

async function inspect(context: AppContext, work: HTMLElement, candidate: Candidate): Promise<void> {
  const progress = h('progress', { max: 100, value: 0, id: 'inspect-progress' })
  replace(work, h('div', { class: 'card' }, h('label', { for: 'inspect-progress' }, `Reading ${candidate.name}…`), progress))
  let inspection: Inspection
  try {
    const session = await context.vault()
    inspection = await context.worker.inspect({
      data: candidate.data,
      name: candidate.name,
      maxBytes: plaintextLimit(session.node.maxUploadBytes),
      onProgress: (bytes, total) => (progress.value = total ? Math.round((bytes / total) * 100) : 100),
    })
  } catch (error) {
    replace(work, failureBox(context, error))
    return
  }
  review(context, work, candidate, inspection)
}

/** The schema preview, the name and description, and the button that encrypts and uploads. */
function review(context: AppContext, work: HTMLElement, candidate: Candidate, inspection: Inspection): void {
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 200, value: candidate.name.replace(/\.[a-z0-9]+$/i, '') })
  const description = h('textarea', { name: 'description', rows: 3, maxlength: 4000 })
  const errors = h('div', { class: 'errors' })
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Encrypt and add to my vault')
  const chooser = inspection.kind === 'table' ? columnChooser(inspection.profile) : undefined
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'review-title' },
    h('h2', { id: 'review-title' }, candidate.name),
    inspection.kind === 'table'
      ? h(
          'div',
          {},
          h('p', {}, `${inspection.rows.toLocaleString()} rows, ${inspection.profile.columns.length} columns${inspection.format === 'csv' ? '' : ` (read from ${inspection.format === 'json' ? 'JSON' : 'JSON Lines'}, stored as CSV)`}, ${formatBytes(inspection.plaintext.size)}.`),
          h('p', {}, 'Choose what buyers may see of each column. Nothing is public until you publish, and no value is shown to buyers unless you tick it.'),
          chooser!.element,
        )
      : h('p', {}, `${formatBytes(inspection.plaintext.size)}, ${inspection.mediaType}. Kept whole as an encrypted file: stored in your vault, not offered for training (vault nodes train on tables only).`),
    field('Name', name, inspection.kind === 'table' ? 'Buyers see the name and the description.' : undefined),
    field('Description', description),
    errors,
    h('div', { class: 'actions' }, submit),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void (async () => {
      let chosen: ChosenColumns | undefined
      if (chooser) {
        try {
          chosen = chooser.read()
        } catch (error) {
          const columns = (error as { columns?: string[] }).columns
          const unconfirmed = (error as { code?: string }).code === 'CSV_VALUES_UNCONFIRMED'
          replace(
            errors,
            alertBox(
              'error',
              unconfirmed
                ? `Choose for ${columns?.join(', ')}: tick “Publish these values”, make it Text (name only), or leave it out.`
                : describeError(error).message,
            ),
          )
          errors.querySelector<HTMLElement>('.alert')?.focus()
          return
        }
        const confirmed = await confirmDialog({ title: 'What will be public when you publish', body: [publicList(chosen)], confirm: 'Encrypt and add' })
        if (!confirmed) return
      }
      await encrypt(chosen)
    })()
  })
  replace(work, form)
  name.focus()

  async function encrypt(chosen: ChosenColumns | undefined) {
    submit.disabled = true
    const bar = h('progress', { max: 100, value: 0, id: 'encrypt-progress', 'aria-valuetext': '0%' })
    const label = h('label', { for: 'encrypt-progress' }, 'Encrypting in your browser and uploading…')
    const percent = h('span', { class: 'muted' }, '0%')
    replace(errors, h('div', { class: 'progress-box', role: 'group', 'aria-label': 'Progress' }, label, bar, percent))
    try {
      const session = await context.vault()
      // Excluded columns are cut out in the data worker as the file is encrypted: they never leave this browser.
      const table = chosen && inspection.kind === 'table' ? { schema: chosen.schema, bounds: chosen.bounds, keep: chosen.keep, excluded: chosen.excluded } : undefined
      const item = await addToVault({
        session,
        background: context.background,
        worker: context.worker,
        inspection,
        table,
        name: name.value.trim(),
        description: description.value,
        source: candidate.source,
        onProgress: (progress) => {
          if (progress.stage === 'cut') {
            label.textContent = 'Leaving out the columns you excluded…'
            const value = progress.total ? Math.round((progress.bytes / progress.total) * 100) : 100
            bar.value = value
            bar.setAttribute('aria-valuetext', `${value}%`)
            percent.textContent = `${value}% of ${formatBytes(progress.total)} read`
          } else if (progress.stage === 'upload') {
            label.textContent = 'Encrypting in your browser and uploading…'
            const value = progress.total ? Math.round((progress.bytes / progress.total) * 100) : 100
            bar.value = value
            bar.setAttribute('aria-valuetext', `${value}%`)
            percent.textContent = `${value}% of ${formatBytes(progress.total)} stored encrypted`
          } else label.textContent = 'Saving the key, sealed for your wallet…'
        },
      })
      context.announce(`${item.name} added to your vault.`)
      replace(
        work,
        alertBox(
          'success',
          `Added “${item.name}” to your vault.`,
          h('p', {}, `Encrypted in this browser with a new key of its own; the vault node holds only the encrypted copy (${formatBytes(item.ciphertextBytes)}).`),
          h('details', { class: 'terms' }, h('summary', {}, 'The exact terms'), h('dl', {}, h('dt', {}, glossary.aes[0]), h('dd', {}, glossary.aes[1]), h('dt', {}, glossary.cid[0]), h('dd', {}, h('code', {}, item.cid)))),
          h(
            'div',
            { class: 'actions' },
            item.kind === 'table' ? h('a', { href: `#/publish/${item.id}`, class: 'button primary' }, 'Publish it') : null,
            h('a', { href: '#/datasets', class: 'button secondary' }, 'My datasets'),
          ),
        ),
      )
      work.querySelector<HTMLElement>('.alert')?.focus()
    } catch (error) {
      submit.disabled = false
      replace(errors, failureBox(context, error))
    }
  }
}
