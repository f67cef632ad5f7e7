import type { DatabaseSync } from 'node:sqlite'
import { DataVaultError } from '@datavault/sdk'

/**
 * Brings one component's tables up to date inside a shared SQLite database. Each component keeps
 * its own ordered list of statements; the version reached is recorded per component, so parts of
 * the node can evolve their tables independently.
 */
export function migrate(db: DatabaseSync, component: string, migrations: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL)')
  db.exec('BEGIN IMMEDIATE')
  try {
    const row = db.prepare('SELECT version FROM migrations WHERE component = ?').get(component) as
      | { version: number }
      | undefined
    const current = row?.version ?? 0
    if (current > migrations.length)
      throw new DataVaultError(`The database's ${component} tables are newer (v${current}) than this program (v${migrations.length}).`, {
        code: 'DATABASE_TOO_NEW',
      })
    for (const sql of migrations.slice(current)) db.exec(sql)
    db.prepare('INSERT INTO migrations (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version').run(
      component,
      migrations.length,
    )
    db.exec('COMMIT')
  } catch (error) {
    db.exec('ROLLBACK')
    throw error
  }
}
