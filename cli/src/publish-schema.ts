// What `datavault publish` makes public, and how the owner chooses it: per-column flags turned
// into the SDK's column choices, the preview of exactly what the public schema holds, and the
// questions asked on a terminal. Nothing here sends anything anywhere.
import { createInterface } from 'node:readline/promises'
import { type BlankCellPolicy, type ColumnChoice, type CsvColumnProfile, type CsvProfile, type DatasetSchema, blankCellPolicies } from '@datavault/sdk'
import { CliUsageError } from './errors.ts'
import type { CliIo } from './output.ts'

/** The per-column flags of `publish`, as parseArgs gives them. */
export type SchemaFlags = {
  exclude?: string[] | undefined
  type?: string[] | undefined
  blanks?: string[] | undefined
  'public-values'?: string[] | undefined
  bounds?: string[] | undefined
  /** The old flag: a category whose values the owner named to publish. */
  category?: string[] | undefined
}

const columnTypes = ['number', 'category', 'date', 'text'] as const

/** `a,b` and repeated flags, as one list of trimmed entries. */
const entries = (lists: string[] | undefined) => (lists ?? []).flatMap((list) => list.split(',')).map((entry) => entry.trim()).filter(Boolean)

/** `col=value` entries: the column is everything before the last `=` (a name may hold one). */
function pairs(lists: string[] | undefined, flag: string): [string, string][] {
  return entries(lists).map((entry) => {
    const at = entry.lastIndexOf('=')
    if (at <= 0 || at === entry.length - 1) throw new CliUsageError(`${flag} takes COLUMN=VALUE entries; got ${JSON.stringify(entry)}.`)
    return [entry.slice(0, at), entry.slice(at + 1)]
  })
}

/**
 * The SDK's column choices from the per-column flags: `--exclude a,b`, `--type col=TYPE`,
 * `--blanks col=POLICY`, `--public-values a,b`, `--bounds propose | col=propose | col=MIN:MAX`,
 * `--category a,b` (a category whose values are published). Columns the file does not have are
 * refused by the SDK, naming them. Throws {@link CliUsageError} for a malformed entry.
 *
 * @example
 * columnChoices({ exclude: ['notes'], 'public-values': ['risk'], bounds: ['propose'] }, profile)
 */
export function columnChoices(flags: SchemaFlags, profile: CsvProfile): Record<string, ColumnChoice> {
  const choices: Record<string, ColumnChoice> = {}
  const of = (name: string) => (choices[name] ??= {})
  for (const name of entries(flags.exclude)) of(name).exclude = true
  for (const [name, type] of pairs(flags.type, '--type')) {
    if (!(columnTypes as readonly string[]).includes(type)) throw new CliUsageError(`--type ${name}=${type}: the types are ${columnTypes.join(', ')}.`)
    of(name).type = type as (typeof columnTypes)[number]
  }
  for (const [name, policy] of pairs(flags.blanks, '--blanks')) {
    if (!(blankCellPolicies as readonly string[]).includes(policy)) throw new CliUsageError(`--blanks ${name}=${policy}: the choices are ${blankCellPolicies.join(', ')}.`)
    of(name).blanks = policy as BlankCellPolicy
  }
  for (const name of [...entries(flags['public-values']), ...entries(flags.category)]) of(name).publishValues = true
  for (const name of entries(flags.category)) of(name).type = 'category'
  for (const entry of entries(flags.bounds)) {
    if (entry === 'propose') {
      // Every number column (as chosen, or as proposed) not excluded gets its proposed bounds.
      for (const column of profile.columns) {
        const choice = choices[column.name]
        if (choice?.exclude !== true && (choice?.type ?? column.type) === 'number' && choice?.bounds === undefined) of(column.name).bounds = 'proposed'
      }
      continue
    }
    const [name, value] = pairs([entry], '--bounds')[0]!
    if (value === 'propose') {
      of(name).bounds = 'proposed'
      continue
    }
    const match = /^(-?[\d.]+(?:e-?\d+)?):(-?[\d.]+(?:e-?\d+)?)$/i.exec(value)
    const [min, max] = match ? [Number(match[1]), Number(match[2])] : [Number.NaN, Number.NaN]
    if (!(Number.isFinite(min) && Number.isFinite(max) && min < max)) throw new CliUsageError(`--bounds ${entry}: give MIN:MAX with MIN < MAX (e.g. ${name}=0:120), or ${name}=propose.`)
    of(name).bounds = { min, max }
  }
  return choices
}

/** A list of values for a person, shortened past `limit`. */
function valuesText(values: readonly string[], limit = 12): string {
  const shown = values.slice(0, limit).map((value) => (/^[\w.+-]+$/.test(value) ? value : JSON.stringify(value)))
  return values.length > limit ? `${shown.join(', ')}, … (${values.length} in all)` : shown.join(', ')
}

const blanksText: Record<BlankCellPolicy, string> = {
  'skip-row': 'rows with a blank here are skipped',
  'fill-mean': 'blanks filled with the mean (under DP, the bounds\' midpoint)',
  'fill-zero': 'blanks filled with 0',
}

/**
 * The preview: exactly what the public schema holds (row count, each column's name and type,
 * category values, bounds, how blanks are treated), what stays private, and hints computed here
 * (blank counts, proposed bounds) that are not published.
 *
 * @example
 * for (const line of previewLines({ schema, profile, excluded: ['notes'] })) output.note(line)
 */
export function previewLines({ schema, profile, excluded }: { schema: DatasetSchema; profile: CsvProfile; excluded: readonly string[] }): string[] {
  const byName = new Map(profile.columns.map((column) => [column.name, column]))
  const width = Math.min(24, Math.max(...schema.columns.map((column) => column.name.length)))
  const lines = ['What becomes public (anyone can read it from the node):', `  rows: ${schema.rows ?? 'not declared'}`]
  const hints: string[] = []
  for (const column of schema.columns) {
    const profiled = byName.get(column.name)
    let detail: string
    if (column.type === 'number') {
      const parts = [column.min !== undefined ? `bounds ${column.min} to ${column.max}` : 'no bounds']
      if (column.blanks !== undefined) parts.push(blanksText[column.blanks])
      detail = parts.join('; ')
      if (profiled && profiled.blanks > 0 && column.blanks === undefined)
        hints.push(`${column.name}: ${profiled.blanks} blank cells: rows with them are skipped (--blanks ${column.name}=fill-mean or fill-zero to fill them instead)`)
      if (profiled?.bounds && column.min === undefined) hints.push(`${column.name}: bounds ${profiled.bounds.min} to ${profiled.bounds.max} would be proposed (--bounds propose)`)
    } else if (column.type === 'category') detail = `values: ${valuesText(column.values)}`
    else detail = 'name only (no values; not a feature)'
    lines.push(`  ${column.name.padEnd(width)}  ${column.type.padEnd(8)}  ${detail}`)
  }
  lines.push('Private: every cell, encrypted on this machine before upload.')
  if (excluded.length > 0) lines.push(`Excluded (removed from the file here, never uploaded): ${excluded.join(', ')}`)
  if (hints.length > 0) lines.push('Seen here, not published:', ...hints.map((hint) => `  ${hint}`))
  return lines
}

/** What a category column's values are, for the question and the refusal. */
const offered = (column: CsvColumnProfile) => `${column.values!.length} values of "${column.name}" (${valuesText(column.values!)})`

/**
 * The refusal off a terminal when category columns would publish values the owner did not choose
 * to publish: names each column with its values (on this machine only) and the flags to decide.
 */
export function valuesUnconfirmedError(columns: readonly CsvColumnProfile[]): CliUsageError {
  const names = columns.map((column) => column.name).join(',')
  return new CliUsageError(
    `Publishing would make the values of ${columns.length === 1 ? 'a category column' : `${columns.length} category columns`} public: ${columns.map(offered).join('; ')}. ` +
      `Nothing was sent. Choose for each: --public-values ${names} to publish them, --type COLUMN=text (or =number) to keep them private, or --exclude ${names}.`,
    { code: 'SCHEMA_VALUES_UNCONFIRMED' },
  )
}

/** Whether a person can answer questions: both stdin and stderr are terminals. */
export function canAsk(io: CliIo): boolean {
  return io.stdin.isTTY === true && io.stderr.isTTY === true
}

/** Yes/no questions on the terminal (stderr), read from stdin one line each. */
export type Asker = {
  /** Asks; resolves true for `y`/`yes` (any case), false for anything else or the end of input. */
  ask(question: string): Promise<boolean>
  /** Stops reading stdin. */
  close(): void
}

/**
 * Creates the asker of one command run: one reader of stdin for all its questions, so that
 * answers typed ahead are not lost between them.
 *
 * @example
 * const asker = createAsker(io)
 * try {
 *   if (!(await asker.ask('Publish this? [y/N] '))) throw new CliInterruptedError('Nothing was published.')
 * } finally {
 *   asker.close()
 * }
 */
export function createAsker(io: CliIo): Asker {
  const lines = createInterface({ input: io.stdin, terminal: false })
  // Lines read before their question is asked wait here; a question asked first waits for one.
  const queue: string[] = []
  let waiting: ((line: string | undefined) => void) | undefined
  let closed = false
  lines.on('line', (line) => {
    if (waiting === undefined) queue.push(line)
    else {
      const resolve = waiting
      waiting = undefined
      resolve(line)
    }
  })
  lines.once('close', () => {
    closed = true
    waiting?.(undefined)
  })
  // Ctrl-C while a question waits: no answer, so no.
  io.signal.addEventListener('abort', () => lines.close(), { once: true })
  const next = () =>
    queue.length > 0 ? Promise.resolve(queue.shift()) : closed ? Promise.resolve(undefined) : new Promise<string | undefined>((resolve) => (waiting = resolve))
  return {
    async ask(question) {
      io.stderr.write(question)
      const answer = await next()
      if (answer === undefined) io.stderr.write('\n')
      return answer !== undefined && /^\s*y(es)?\s*$/i.test(answer)
    },
    close: () => lines.close(),
  }
}

/**
 * Asks, for each category column whose values are not chosen yet, whether to publish them. A yes
 * publishes them; a no keeps the column private: a number column if every cell is a number,
 * otherwise text (name only).
 */
export async function askValues(asker: Asker, columns: readonly CsvColumnProfile[], choices: Record<string, ColumnChoice>): Promise<void> {
  for (const column of columns) {
    const yes = await asker.ask(`Publish the ${offered(column)} in the public schema? [y/N] `)
    const choice = (choices[column.name] ??= {})
    if (yes) choice.publishValues = true
    else choice.type = column.min !== undefined ? 'number' : 'text'
  }
}
