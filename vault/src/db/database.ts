import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { migrateComponents, type ComponentMigrations, type LegacyMigrations } from '@datavault/compute-to-data'
import { algorithmMigrations, approvalTermsMigrations } from './algorithms.ts'
import { receiptAnchorMigrations } from '../chain/receipt-anchorer.ts'
import { keyHolderMigrations } from '../keyholder/key-holder.ts'
import { thresholdKeyMigrations } from '../keys/threshold-key-service.ts'
import { litKeyEscrowMigrations } from '../keys/lit/lit-key-service.ts'
import { datasetHistoryMigrations } from './datasets.ts'
import { ownerLogKeyMigrations } from './owner-log-keys.ts'
import { datasetFingerprintMigrations } from './dataset-fingerprints.ts'

/** Revocation's column on the datasets table. */
const revocationMigrations = [`ALTER TABLE datasets ADD COLUMN revoked_at TEXT`]

/** The node's SQLite database. One per node; every component gets it through `init`. */
export type Database = DatabaseSync

/** The vault's own tables; compute-to-data migrates its job tables itself. */
const migrations: string[] = [
  `CREATE TABLE datasets (
     id TEXT PRIMARY KEY,               -- the datatoken address, lower-case
     cid TEXT NOT NULL,
     owner TEXT NOT NULL,
     name TEXT NOT NULL,
     description TEXT NOT NULL,
     schema_json TEXT NOT NULL,
     policy_json TEXT NOT NULL,
     size INTEGER NOT NULL,
     created_at TEXT NOT NULL
   )`,
  `CREATE TABLE key_escrows (
     dataset_id TEXT PRIMARY KEY REFERENCES datasets(id),
     sealed_key BLOB NOT NULL,          -- sealed to the node's X25519 key; never stored open
     created_at TEXT NOT NULL
   )`,
  `CREATE TABLE request_nonces (
     address TEXT NOT NULL,
     nonce TEXT NOT NULL,
     expiry INTEGER NOT NULL,
     PRIMARY KEY (address, nonce)
   )`,
  `CREATE TABLE uploads (
     cid TEXT PRIMARY KEY,
     uploader TEXT NOT NULL,
     size INTEGER NOT NULL,
     created_at TEXT NOT NULL
   )`,
]

/**
 * The vault's components, each with its own version, in the order they run on a fresh database.
 * Append a statement to its component's list (never insert): each list's position is its version.
 */
const vaultComponents: readonly ComponentMigrations[] = [
  { component: 'vault:datasets', migrations },
  { component: 'vault:algorithms', migrations: algorithmMigrations },
  { component: 'vault:receipt-anchors', migrations: receiptAnchorMigrations },
  { component: 'vault:approval-terms', migrations: approvalTermsMigrations },
  { component: 'vault:revocation', migrations: revocationMigrations },
  { component: 'vault:key-holder', migrations: keyHolderMigrations },
  { component: 'vault:threshold-keys', migrations: thresholdKeyMigrations },
  { component: 'vault:lit-escrow', migrations: litKeyEscrowMigrations },
  { component: 'vault:dataset-history', migrations: datasetHistoryMigrations },
  { component: 'vault:owner-log-keys', migrations: ownerLogKeyMigrations },
  { component: 'vault:dataset-fingerprints', migrations: datasetFingerprintMigrations },
]

/**
 * Release 0.1.0 recorded the concatenation of the lists above under one `vault` version; these are
 * the lengths they had then (frozen), so such a database is split into per-component versions.
 */
const vaultLegacy: LegacyMigrations = {
  component: 'vault',
  parts: [
    { component: 'vault:datasets', length: 4 },
    { component: 'vault:algorithms', length: 3 },
    { component: 'vault:receipt-anchors', length: 1 },
    { component: 'vault:approval-terms', length: 2 },
    { component: 'vault:revocation', length: 1 },
    { component: 'vault:key-holder', length: 3 },
    { component: 'vault:threshold-keys', length: 2 },
    { component: 'vault:lit-escrow', length: 1 },
    { component: 'vault:dataset-history', length: 4 },
  ],
}

/** Opens (creating if needed) the node's database and brings its schema up to date. */
export function openDatabase(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;')
  migrateComponents(db, vaultComponents, vaultLegacy)
  return db
}
