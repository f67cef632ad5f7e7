import type { DatabaseSync } from 'node:sqlite'
import { DataVaultError } from '@datavault/sdk'

/** One component's ordered list of SQL statements; its version is how many have run. */
export type ComponentMigrations = {
  /** Stable name, recorded in the `migrations` table (e.g. `vault:datasets`). */
  component: string
  /** Statements in order. Only ever append: a statement's position is its version. */
  migrations: readonly string[]
}

/**
 * A component of an earlier release that recorded several lists under one version, as their
 * concatenation. `parts` are the lists as that release concatenated them, in order, with the
 * lengths they had then (frozen: later appends to a list must not change them).
 */
export type LegacyMigrations = {
  component: string
  parts: readonly { component: string; length: number }[]
}

/**
 * Brings one component's tables up to date inside a shared SQLite database. Each component keeps
 * its own ordered list of statements; the version reached is recorded per component, so parts of
 * the node can evolve their tables independently.
 */
export function migrate(db: DatabaseSync, component: string, migrations: readonly string[]): void {
  migrateComponents(db, [{ component, migrations }])
}

/**
 * Brings several components up to date in one transaction, in the order given (a component may
 * rely on tables of one before it). With `legacy`, a database made by a release that recorded the
 * concatenation of these lists under one version is first split into per-component versions, so
 * appending to any list later never shifts another list's statements.
 *
 * @example
 * migrateComponents(db, [
 *   { component: 'vault:datasets', migrations: datasetMigrations },
 *   { component: 'vault:algorithms', migrations: algorithmMigrations },
 * ])
 */
export function migrateComponents(
  db: DatabaseSync,
  components: readonly ComponentMigrations[],
  legacy?: LegacyMigrations,
): void {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL)')
  db.exec('BEGIN IMMEDIATE')
  try {
    if (legacy) splitLegacyVersion(db, legacy)
    for (const { component, migrations } of components) {
      const current = versionOf(db, component)
      if (current > migrations.length) throw tooNew(component, current, migrations.length)
      for (const sql of migrations.slice(current)) db.exec(sql)
      setVersion(db, component, migrations.length)
    }
    db.exec('COMMIT')
  } catch (error) {
    db.exec('ROLLBACK')
    throw error
  }
}

/** Replaces an earlier release's single version by one version per part it covered. */
function splitLegacyVersion(db: DatabaseSync, { component, parts }: LegacyMigrations): void {
  const row = db.prepare('SELECT version FROM migrations WHERE component = ?').get(component) as { version: number } | undefined
  if (!row) return
  const total = parts.reduce((sum, part) => sum + part.length, 0)
  if (row.version > total) throw tooNew(component, row.version, total)
  let remaining = row.version
  for (const part of parts) {
    const applied = Math.min(part.length, remaining)
    remaining -= applied
    if (versionOf(db, part.component) !== 0)
      throw new DataVaultError(`The database records both the combined ${component} version and ${part.component}'s own.`, {
        code: 'DATABASE_MIGRATIONS_INCONSISTENT',
      })
    setVersion(db, part.component, applied)
  }
  db.prepare('DELETE FROM migrations WHERE component = ?').run(component)
}

function versionOf(db: DatabaseSync, component: string): number {
  const row = db.prepare('SELECT version FROM migrations WHERE component = ?').get(component) as { version: number } | undefined
  return row?.version ?? 0
}

function setVersion(db: DatabaseSync, component: string, version: number): void {
  db.prepare('INSERT INTO migrations (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version').run(
    component,
    version,
  )
}

function tooNew(component: string, current: number, known: number): DataVaultError {
  return new DataVaultError(`The database's ${component} tables are newer (v${current}) than this program (v${known}).`, {
    code: 'DATABASE_TOO_NEW',
  })
}
