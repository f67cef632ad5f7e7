// "Add to my vault" from a web page: the context menu runs `capturePage` in the page (granted by
// activeTab for that tab only), which reads its tables, or the tables and rows the selection
// covers, or the selected text; the background keeps the result in session storage (memory only)
// and opens the app's Add screen, which takes it.
import * as z from 'zod/v4'
import { CaptureError } from '../errors.ts'
import type { StorageArea } from '../storage.ts'

/** One table read from a page, as CSV (header first). */
export type CapturedTable = { caption: string; csv: string; rows: number; columns: number }

/** What the context menu captured, waiting for the Add screen. */
export type Capture = {
  title: string
  /** The page's origin (never its path or query). */
  origin: string
  capturedAt: string
  tables: CapturedTable[]
  /** Selected text that is not in a table. */
  text?: string | undefined
  /** Why nothing could be captured (shown on the Add screen). */
  failure?: { code: string; message: string } | undefined
}

/** What `capturePage` returns from the page. */
export type PageCapture = { title: string; tables: CapturedTable[]; text: string }

/** Most characters a capture may hold: session storage keeps 10 MB in all, the unlocked key included. */
export const maxCaptureChars = 4 * 1024 ** 2

/**
 * Runs in the web page (chrome.scripting.executeScript serializes it, so it uses nothing from
 * outside its body). `tables`: every table of two rows or more. `selection`: the rows of the
 * tables the selection touches (with their header row), or else the selected text.
 */
export function capturePage(mode: 'tables' | 'selection'): PageCapture {
  const quote = (field: string) => (/[",\r\n]|^\s|\s$/.test(field) ? `"${field.replaceAll('"', '""')}"` : field)
  const cellText = (cell: HTMLTableCellElement) => ((cell as HTMLElement).innerText ?? cell.textContent ?? '').replace(/\s+/g, ' ').trim()
  const read = (table: HTMLTableElement, keep?: (row: HTMLTableRowElement) => boolean) => {
    const all = Array.from(table.rows)
    const headerRow = table.tHead?.rows[table.tHead.rows.length - 1] ?? all[0]
    const rows = all.filter((row) => row === headerRow || !keep || keep(row))
    const grid = rows.map((row) => Array.from(row.cells).flatMap((cell) => Array.from({ length: Math.max(1, Math.min(cell.colSpan, 100)) }, () => cellText(cell))))
    const width = Math.max(0, ...grid.map((cells) => cells.length))
    const header = (grid[0] ?? []).map((name, index) => name || `column ${index + 1}`)
    const seen = new Map<string, number>()
    const names = Array.from({ length: width }, (_, index) => {
      const base = header[index] ?? `column ${index + 1}`
      const count = (seen.get(base) ?? 0) + 1
      seen.set(base, count)
      return count === 1 ? base : `${base} ${count}`
    })
    const body = grid.slice(1).filter((cells) => cells.some((cell) => cell !== ''))
    const csv = [names, ...body.map((cells) => Array.from({ length: width }, (_, index) => cells[index] ?? ''))].map((cells) => cells.map(quote).join(',')).join('\n') + '\n'
    const caption = table.caption ? cellText(table.caption as unknown as HTMLTableCellElement) : (table.getAttribute('aria-label') ?? '')
    return { caption, csv, rows: body.length, columns: width }
  }
  const tables = Array.from(document.querySelectorAll('table'))
  if (mode === 'tables') return { title: document.title, tables: tables.filter((table) => table.rows.length >= 2).map((table) => read(table)).filter((table) => table.rows > 0), text: '' }
  const selection = document.getSelection()
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return { title: document.title, tables: [], text: '' }
  const range = selection.getRangeAt(0)
  const touched = tables.filter((table) => range.intersectsNode(table))
  if (touched.length > 0) return { title: document.title, tables: touched.map((table) => read(table, (row) => range.intersectsNode(row))).filter((table) => table.rows > 0), text: '' }
  return { title: document.title, tables: [], text: selection.toString() }
}

const pageCaptureSchema = z.object({
  title: z.string().max(10_000),
  tables: z.array(z.object({ caption: z.string().max(10_000), csv: z.string(), rows: z.number().int().nonnegative(), columns: z.number().int().nonnegative() })).max(1000),
  text: z.string(),
})

/** Keeps the one capture waiting for the Add screen. */
export type CaptureStore = {
  /** Validates what the page returned and keeps it (throws `CaptureError` when there is nothing, or too much). */
  put(result: unknown, page: { url: string | undefined }): Promise<Capture>
  /** Keeps why a capture failed, for the Add screen to say. */
  fail(failure: { code: string; message: string }, page: { url: string | undefined }): Promise<void>
  /** Takes the waiting capture (removing it), or null. */
  take(): Promise<Capture | null>
}

const key = 'capture'

function originOf(url: string | undefined): string {
  try {
    return url ? new URL(url).origin : ''
  } catch {
    return ''
  }
}

/**
 * The capture store, in session storage (memory only: a capture holds the page's plaintext).
 *
 * @example
 * const captures = captureStore({ session })
 */
export function captureStore({ session, now = () => new Date() }: { session: StorageArea; now?: () => Date }): CaptureStore {
  return {
    async put(result, { url }) {
      const parsed = pageCaptureSchema.safeParse(result)
      if (!parsed.success) throw new CaptureError('The page could not be read.', { code: 'CAPTURE_NOT_ALLOWED' })
      const { title, tables, text } = parsed.data
      if (tables.length === 0 && text.trim() === '') throw new CaptureError('There is no table or selected text on this page to add.', { code: 'CAPTURE_EMPTY' })
      const size = tables.reduce((sum, table) => sum + table.csv.length, 0) + text.length
      if (size > maxCaptureChars) throw new CaptureError('This is too much to capture from a page: save it as a file and add the file.', { code: 'CAPTURE_EMPTY' })
      const capture: Capture = { title: title.slice(0, 500), origin: originOf(url), capturedAt: now().toISOString(), tables, ...(text.trim() ? { text } : {}) }
      await session.set(key, capture)
      return capture
    },
    async fail(failure, { url }) {
      await session.set(key, { title: '', origin: originOf(url), capturedAt: now().toISOString(), tables: [], failure } satisfies Capture)
    },
    async take() {
      const capture = (await session.get<Capture>(key)) ?? null
      await session.remove(key)
      return capture
    },
  }
}
