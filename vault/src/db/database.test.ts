import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { migrateComponents } from '@datavault/compute-to-data'
import { openKeyHolderDatabase } from '../keyholder/start-key-holder.ts'
import { openDatabase } from './database.ts'

const fixtures = join(import.meta.dirname, 'fixtures')
const dirs: string[] = []
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dv-migrate-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function versions(db: DatabaseSync): Record<string, number> {
  const rows = db.prepare('SELECT component, version FROM migrations ORDER BY component').all() as { component: string; version: number }[]
  return Object.fromEntries(rows.map((row) => [row.component, row.version]))
}

describe('openDatabase', () => {
  it('default: a fresh database gets one version per component', () => {
    const db = openDatabase(join(scratch(), 'vault.sqlite'))
    expect(versions(db)).toEqual({
      'vault:algorithms': 3,
      'vault:approval-terms': 2,
      'vault:dataset-fingerprints': 2,
      'vault:dataset-history': 4,
      'vault:datasets': 4,
      'vault:key-holder': 3,
      'vault:lit-escrow': 1,
      'vault:owner-log-keys': 1,
      'vault:receipt-anchors': 1,
      'vault:revocation': 1,
      'vault:threshold-keys': 2,
    })
    db.close()
  })

  it('behavior: upgrades a database made by release 0.1.0 (one combined version) without replaying or losing rows', () => {
    const path = join(scratch(), 'vault.sqlite')
    copyFileSync(join(fixtures, 'vault-0.1.0.sqlite'), path)
    const db = openDatabase(path)
    const upgraded = versions(db)
    expect(upgraded.vault).toBeUndefined()
    expect(upgraded['vault:datasets']).toBe(4)
    expect(upgraded['vault:dataset-history']).toBe(4)
    const row = db.prepare('SELECT name, revoked_at FROM datasets').get() as { name: string; revoked_at: string | null }
    expect(row).toEqual({ name: 'fixture', revoked_at: null })
    db.close()
    // Opening again is a no-op: nothing is replayed (a replayed CREATE TABLE would throw).
    const again = openDatabase(path)
    expect(versions(again)).toEqual(upgraded)
    again.close()
  })

  it('behavior: upgrades a key holder database made by release 0.1.0', () => {
    const path = join(scratch(), 'keyholder.sqlite')
    copyFileSync(join(fixtures, 'keyholder-0.1.0.sqlite'), path)
    const db = openKeyHolderDatabase(path)
    expect(versions(db)).toEqual({ 'keyholder:he': 1, 'keyholder:nonces': 1, 'keyholder:shares': 3 })
    db.close()
  })
})

describe('migrateComponents', () => {
  it('behavior: a statement appended to a list that is not the last runs once, and no other list replays', () => {
    const db = new DatabaseSync(':memory:')
    // The old scheme: lists a and b concatenated under one version.
    migrateComponents(db, [{ component: 'old', migrations: ['CREATE TABLE a1 (x)', 'CREATE TABLE b1 (x)'] }])
    const legacy = { component: 'old', parts: [{ component: 'a', length: 1 }, { component: 'b', length: 1 }] }
    migrateComponents(
      db,
      [
        { component: 'a', migrations: ['CREATE TABLE a1 (x)', 'CREATE TABLE a2 (x)'] },
        { component: 'b', migrations: ['CREATE TABLE b1 (x)'] },
      ],
      legacy,
    )
    expect(versions(db)).toEqual({ a: 2, b: 1 })
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'migrations' ORDER BY name").all()
    expect(tables.map((t) => (t as { name: string }).name)).toEqual(['a1', 'a2', 'b1'])
  })

  it('behavior: a legacy version part-way through splits into the lists it covered', () => {
    const db = new DatabaseSync(':memory:')
    migrateComponents(db, [{ component: 'old', migrations: ['CREATE TABLE a1 (x)', 'CREATE TABLE a2 (x)'] }])
    migrateComponents(
      db,
      [
        { component: 'a', migrations: ['CREATE TABLE a1 (x)', 'CREATE TABLE a2 (x)', 'CREATE TABLE a3 (x)'] },
        { component: 'b', migrations: ['CREATE TABLE b1 (x)'] },
      ],
      { component: 'old', parts: [{ component: 'a', length: 3 }, { component: 'b', length: 1 }] },
    )
    expect(versions(db)).toEqual({ a: 3, b: 1 })
  })

  it('error: a database newer than the program is refused and left as it was', () => {
    const db = new DatabaseSync(':memory:')
    migrateComponents(db, [{ component: 'a', migrations: ['CREATE TABLE a1 (x)', 'CREATE TABLE a2 (x)'] }])
    expect(() => migrateComponents(db, [{ component: 'a', migrations: ['CREATE TABLE a1 (x)'] }])).toThrow(
      expect.objectContaining({ code: 'DATABASE_TOO_NEW' }),
    )
    expect(versions(db)).toEqual({ a: 2 })
  })

  it('error: a failing statement rolls back every component of the call', () => {
    const db = new DatabaseSync(':memory:')
    expect(() =>
      migrateComponents(db, [
        { component: 'a', migrations: ['CREATE TABLE a1 (x)'] },
        { component: 'b', migrations: ['NOT SQL'] },
      ]),
    ).toThrow()
    expect(versions(db)).toEqual({})
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'a1'").get()).toBeUndefined()
  })
})
