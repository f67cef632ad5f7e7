// The owner's choices for each column of a table before it is added: include it or not, its type
// (number, category, date, text), what trainers do with blank cells, whether a category's values
// are published, and the lowest and highest values proposed from the data (kept here; public only
// if the owner later requires private training). Built on the SDK's profile and
// `buildDatasetSchema`, which never publishes a value the owner did not tick.
import { type BlankCellPolicy, type ColumnChoice, type CsvColumnProfile, type CsvProfile, type DatasetSchema, buildDatasetSchema } from '@datavault/sdk'
import { h, replace } from '../dom.ts'

const typeLabels = { number: 'Number', category: 'Category', date: 'Date', text: 'Text' } as const
type ColumnType = keyof typeof typeLabels
const blankLabels: Record<BlankCellPolicy, string> = { 'skip-row': 'Skip rows with a blank here', 'fill-mean': 'Fill with the average', 'fill-zero': 'Fill with 0' }

/** What the owner chose: the public schema, the columns kept in the file and left out, and the bounds kept locally. */
export type ChosenColumns = { schema: DatasetSchema; keep: string[]; excluded: string[]; bounds: Record<string, { min: number; max: number }> }

/** The types a column can take, given what its cells hold. */
function typesFor(column: CsvColumnProfile): ColumnType[] {
  return (['number', 'category', 'date', 'text'] as const).filter((type) => (type === 'number' ? column.min !== undefined : type === 'category' ? column.values !== undefined : true))
}

function summarize(values: readonly string[]): string {
  const shown = values.slice(0, 8).join(', ')
  return values.length > 8 ? `${shown}, … (${values.length} values)` : shown
}

/** What the proposed type means, in a few words. */
function kindNote(column: CsvColumnProfile): string {
  if (column.kind === 'label') return 'Looks like a label (a few small numbers or yes/no).'
  if (column.kind === 'date') return 'Dates: kept private (name only).'
  if (column.kind === 'text') return 'Free text: kept private (name only).'
  return ''
}

/**
 * The column chooser: a table with one row per column, and `read` to get what the owner chose
 * (throws the SDK's `CsvSchemaError` naming the columns when a choice cannot be made, such as a
 * category whose values the owner did not agree to publish).
 *
 * @example
 * const chooser = columnChooser(inspection.profile)
 * form.append(chooser.element)
 * const { schema, keep } = chooser.read()
 */
export function columnChooser(profile: CsvProfile): { element: HTMLElement; read(): ChosenColumns } {
  const rows = profile.columns.map((column) => {
    const include = h('input', { type: 'checkbox', name: `include-${column.name}`, checked: true, 'aria-label': `Include ${column.name}` })
    const type = h('select', { name: `type-${column.name}`, 'aria-label': `Type of ${column.name}` }, ...typesFor(column).map((value) => h('option', { value, selected: value === column.type }, typeLabels[value])))
    const blanks = h('select', { name: `blanks-${column.name}`, 'aria-label': `Blank cells of ${column.name}` }, ...(Object.keys(blankLabels) as BlankCellPolicy[]).map((value) => h('option', { value }, blankLabels[value])))
    const publish = h('input', { type: 'checkbox', name: `publish-${column.name}`, 'aria-label': `Publish the values of ${column.name}` })
    const min = h('input', { type: 'number', step: 'any', name: `min-${column.name}`, value: column.bounds?.min ?? '', 'aria-label': `Lowest value of ${column.name}` })
    const max = h('input', { type: 'number', step: 'any', name: `max-${column.name}`, value: column.bounds?.max ?? '', 'aria-label': `Highest value of ${column.name}` })
    const details = h('td', { 'data-label': 'What buyers see' })
    const render = () => {
      const chosen = type.value as ColumnType
      type.disabled = !include.checked
      if (!include.checked) return replace(details, h('span', { class: 'muted' }, 'Left out: cut from the file before encryption, it never leaves this browser.'))
      if (chosen === 'number')
        return replace(
          details,
          h('p', {}, 'Its name; numbers buyers never see.'),
          column.blanks > 0 ? h('label', { class: 'stacked' }, `${column.blanks} blank cell${column.blanks === 1 ? '' : 's'}: `, blanks) : null,
          h(
            'div',
            { class: 'bounds' },
            h('span', {}, `Lowest and highest (your data: ${column.min} to ${column.max}; proposed, rounded outward):`),
            h('span', { class: 'bound-inputs' }, min, ' to ', max),
            h('p', { class: 'hint' }, 'Public only if you require private training when publishing.'),
          ),
        )
      if (chosen === 'category')
        return replace(details, h('p', {}, `Values: ${summarize(column.values ?? [])}`), h('label', { class: 'choice' }, publish, ' Publish these values (buyers see them)'))
      return replace(details, h('span', {}, chosen === 'date' ? 'Its name only: never the dates.' : 'Its name only: never the text.'))
    }
    include.addEventListener('change', render)
    type.addEventListener('change', render)
    render()
    const row = h(
      'tr',
      { 'data-column': column.name },
      h('th', { scope: 'row' }, h('label', { class: 'choice' }, include, ` ${column.name}`), kindNote(column) ? h('span', { class: 'hint' }, kindNote(column)) : null),
      h('td', { 'data-label': 'Type' }, type),
      details,
    )
    return { column, include, type, blanks, publish, min, max, row }
  })
  const element = h(
    'table',
    { class: 'data stack columns-choice' },
    h('caption', {}, 'Your columns: what buyers will see of each'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Column'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'What buyers see'))),
    h('tbody', {}, ...rows.map((entry) => entry.row)),
  )
  return {
    element,
    read() {
      const choices: Record<string, ColumnChoice> = {}
      const bounds: ChosenColumns['bounds'] = {}
      for (const { column, include, type, blanks, publish, min, max } of rows) {
        if (!include.checked) {
          choices[column.name] = { exclude: true }
          continue
        }
        const chosen = type.value as ColumnType
        const choice: ColumnChoice = { type: chosen }
        if (chosen === 'number') {
          if (column.blanks > 0) choice.blanks = blanks.value as BlankCellPolicy
          if (min.value.trim() !== '' && max.value.trim() !== '' && Number(min.value) < Number(max.value)) bounds[column.name] = { min: Number(min.value), max: Number(max.value) }
        }
        if (chosen === 'category') choice.publishValues = publish.checked
        choices[column.name] = choice
      }
      const { schema, keep, excluded } = buildDatasetSchema(profile, { columns: choices })
      return { schema, keep, excluded, bounds }
    },
  }
}

/**
 * Exactly what becomes public when the table is published: the row count, and for each column
 * its name, type and, where chosen, its values; what trainers do with blanks; the columns left out.
 *
 * @example
 * dialogBody.append(publicList(chosen))
 */
export function publicList({ schema, excluded }: Pick<ChosenColumns, 'schema' | 'excluded'>): HTMLElement {
  return h(
    'div',
    { class: 'public-list' },
    h('p', {}, `Buyers will see the name and description you give, ${schema.rows?.toLocaleString() ?? 'the number of'} rows, and these columns:`),
    h(
      'ul',
      {},
      ...schema.columns.map((column) =>
        h(
          'li',
          { 'data-public': column.name },
          `${column.name}: `,
          column.type === 'number'
            ? `number${column.blanks === 'fill-mean' ? '; blank cells filled with the average' : column.blanks === 'fill-zero' ? '; blank cells filled with 0' : column.blanks === 'skip-row' ? '; rows with a blank skipped' : ''}`
            : column.type === 'category'
              ? `category, with its values: ${column.values.join(', ')}`
              : `${column.type}, name only`,
        ),
      ),
    ),
    excluded.length ? h('p', {}, `Left out, never leaving this browser: ${excluded.join(', ')}.`) : null,
    h('p', { class: 'hint' }, 'None of your rows is ever shown to buyers.'),
  )
}
