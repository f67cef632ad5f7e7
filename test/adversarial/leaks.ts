// Canary data and the search for it. Each dataset's CSV starts every row with a random 15-digit
// `record_id`, unique to this run: finding one of them anywhere (as text, hex, base64 or UTF-16)
// means data got there.
import { randomInt } from 'node:crypto'
import { readFile, readdir, lstat } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { DatasetSchema } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'

/** A dataset whose every row carries a canary. */
export type CanaryDataset = {
  label: string
  csv: string
  schema: DatasetSchema
  /** Every row's record id. */
  ids: Set<string>
  /** The first row's record id: what targeted attacks go for. */
  first: string
  /** The first data row, as the program sees it. */
  firstRow: string
}

/** A health CSV with a leading `record_id` column of random 15-digit numbers. */
export function canaryDataset(label: string, { rows = 300, seed = 1 }: { rows?: number; seed?: number } = {}): CanaryDataset {
  const [header, ...lines] = healthCsv({ rows, seed }).trimEnd().split('\n')
  const ids = new Set<string>()
  while (ids.size < lines.length) ids.add(`${randomInt(1, 10)}${String(randomInt(0, 1e7)).padStart(7, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}`)
  const list = [...ids]
  const rowsWithIds = lines.map((line, i) => `${list[i]},${line}`)
  const schema = healthSchema('binary')
  return {
    label,
    csv: `record_id,${header}\n${rowsWithIds.join('\n')}\n`,
    schema: { ...schema, columns: [{ name: 'record_id', type: 'number' }, ...schema.columns] },
    ids,
    first: list[0]!,
    firstRow: rowsWithIds[0]!,
  }
}

/** Where a canary was found. */
export type Finding = { where: string; dataset: string; as: string }

/** The first record id encoded the ways a program might write it; base64 at each of its three alignments. */
function encodings(id: string): { as: string; needle: string }[] {
  const ascii = Buffer.from(id, 'latin1')
  const base64 = (prefix: number) => {
    const text = Buffer.concat([Buffer.alloc(prefix, 0x2c), ascii]).toString('base64')
    return text.slice(prefix === 0 ? 0 : 4, -4)
  }
  return [
    { as: 'hex', needle: ascii.toString('hex') },
    { as: 'HEX', needle: ascii.toString('hex').toUpperCase() },
    { as: 'utf-16', needle: Buffer.from(id, 'utf16le').toString('latin1') },
    { as: 'base64', needle: base64(0) },
    { as: 'base64+1', needle: base64(1) },
    { as: 'base64+2', needle: base64(2) },
  ]
}

/** Searches `bytes` for any record id of `datasets` (as text), and for each first id in other encodings. */
export function findCanaries(where: string, bytes: Uint8Array | string, datasets: CanaryDataset[]): Finding[] {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  const findings: Finding[] = []
  for (const run of text.matchAll(/\d{15,}/g)) {
    const digits = run[0]
    for (let i = 0; i + 15 <= digits.length; i++) {
      const window = digits.slice(i, i + 15)
      for (const dataset of datasets) if (dataset.ids.has(window)) findings.push({ where, dataset: dataset.label, as: 'text' })
    }
  }
  for (const dataset of datasets)
    for (const { as, needle } of encodings(dataset.first)) if (text.includes(needle)) findings.push({ where, dataset: dataset.label, as })
  return findings
}

/** Every regular file under `dir`, except those `skip` names (by base name). */
export async function* filesUnder(dir: string, skip: (name: string) => boolean = () => false): AsyncGenerator<string> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name)
    const stats = await lstat(path)
    if (stats.isDirectory()) yield* filesUnder(path, skip)
    else if (stats.isFile() && !skip(name)) yield path
  }
}

/**
 * Searches every file under `dir`, SQLite databases and their write-ahead logs byte for byte too
 * (free pages included): the node keeps no plaintext log, so nothing of the data may be anywhere.
 */
export async function findInFiles(dir: string, datasets: CanaryDataset[]): Promise<{ findings: Finding[]; files: number; bytes: number }> {
  const findings: Finding[] = []
  let files = 0
  let bytes = 0
  for await (const path of filesUnder(dir)) {
    const content = await readFile(path)
    files++
    bytes += content.length
    findings.push(...findCanaries(path.slice(dir.length), content, datasets))
  }
  return { findings, files, bytes }
}

/**
 * Searches every value of every table of a SQLite database except the columns `ownerOnly` names.
 * Read through SQL, so pages still in the write-ahead log are seen as the node sees them.
 */
export function findInDatabase(path: string, datasets: CanaryDataset[], ownerOnly: (table: string, column: string) => boolean): Finding[] {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    const findings: Finding[] = []
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    for (const { name: table } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`).all() as Record<string, unknown>[]) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null || ownerOnly(table, column)) continue
          const bytes = value instanceof Uint8Array ? value : String(value)
          findings.push(...findCanaries(`${path.split('/').at(-1)}:${table}.${column}`, bytes, datasets))
        }
      }
    }
    return findings
  } finally {
    db.close()
  }
}
