import { createHash } from 'node:crypto'
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { DataVaultError, approvalTermsHash, declaredOutputsSchema, safetensorsDtypes } from '@datavault/sdk'
import type { JobTrainer, TrainerCatalog, TrainerCatalogEntry, TrainerDefinition } from '@datavault/compute-to-data'
import type { Database } from './database.ts'
import { type ProgramQuota, programQuota } from './program-quota.ts'

/** No custom algorithm with that hash was uploaded to this node. */
export class AlgorithmNotFoundError extends DataVaultError {
  override name = 'AlgorithmNotFoundError'
  constructor(hash: string) {
    super(`No algorithm ${hash} was uploaded to this node.`, { code: 'ALGORITHM_NOT_FOUND', status: 404 })
  }
}

/** Custom algorithms (programs buyers upload) and the owners' approvals of them per dataset. */
export type AlgorithmStore = {
  /** Stores a program by its SHA-256 (idempotent) and returns the hash. */
  save(params: { code: Uint8Array; uploader: string; runtime: 'node' | 'python' }): Promise<`0x${string}`>
  /** Host path of a stored program, or `undefined`. */
  path(hash: string): string | undefined
  /** The runtime a stored program was uploaded for. */
  runtime(hash: string): 'node' | 'python' | undefined
  /** Approves a program for a dataset on exactly these terms (declared outputs and parameters). */
  approve(params: { datasetId: string; hash: string; terms: `0x${string}`; by: string }): void
  isApproved(params: { datasetId: string; hash: string; terms: `0x${string}` }): boolean
  /** Withdraws every approval of a program on a dataset; returns how many there were. */
  revoke(params: { datasetId: string; hash: string }): number
  approvals(datasetId: string): { hash: `0x${string}`; terms: `0x${string}`; approvedAt: string }[]
  /** The stored program's bytes (for the owner who decides on it). */
  code(hash: string): Promise<Uint8Array | undefined>
}

/** Migrations of the algorithm tables (the vault's migration list appends them). */
export const algorithmMigrations = [
  `CREATE TABLE algorithms (
     hash TEXT PRIMARY KEY,
     uploader TEXT NOT NULL,
     size INTEGER NOT NULL,
     created_at TEXT NOT NULL
   )`,
  `CREATE TABLE dataset_approvals (
     dataset_id TEXT NOT NULL,
     hash TEXT NOT NULL,
     approved_by TEXT NOT NULL,
     approved_at TEXT NOT NULL,
     PRIMARY KEY (dataset_id, hash)
   )`,
  `ALTER TABLE algorithms ADD COLUMN runtime TEXT NOT NULL DEFAULT 'node'`,
]

/** Later migrations of the algorithm tables (appended after the anchor table's). */
export const approvalTermsMigrations = [
  // An approval holds for one set of terms: the outputs a job declares and its parameters.
  `DROP TABLE dataset_approvals`,
  `CREATE TABLE dataset_approvals (
     dataset_id TEXT NOT NULL,
     hash TEXT NOT NULL,
     terms TEXT NOT NULL,
     approved_by TEXT NOT NULL,
     approved_at TEXT NOT NULL,
     PRIMARY KEY (dataset_id, hash, terms)
   )`,
]

/**
 * What an owner's approval of a custom algorithm covers besides its code: the outputs the job
 * declares and its parameters. A job with other outputs or other parameters waits for approval again.
 */
export function approvalTerms({ outputs, params }: { outputs: unknown; params: Record<string, unknown> }): `0x${string}` {
  return approvalTermsHash({ outputs, params })
}

/**
 * Algorithms as files under `dir` (named by hash, written whole then renamed) with rows in SQLite.
 * Uploads are held to `quota` (per wallet and node-wide, a per-wallet rate); a program no job names
 * is deleted once its time is up (checked at each upload).
 */
export async function algorithmStore({
  db,
  dir,
  quota = programQuota()({ db }),
  now = Date.now,
}: {
  db: Database
  dir: string
  quota?: ProgramQuota
  /** The clock uploads are dated and expired by (tests pass their own). */
  now?: () => number
}): Promise<AlgorithmStore> {
  await mkdir(dir, { recursive: true, mode: 0o755 })
  // A process killed mid-save leaves its temp file; no save ever resumes one.
  for (const name of await readdir(dir)) if (name.endsWith('.tmp')) await rm(join(dir, name), { force: true })
  // Named by hash alone: the runtime is recorded in SQLite and the sandbox picks the file name it sees.
  const fileOf = (hash: string) => join(dir, hash.replace(/^0x/, ''))
  const expire = async () => {
    for (const hash of quota.expired(now())) {
      db.prepare('DELETE FROM algorithms WHERE hash = ?').run(hash)
      db.prepare('DELETE FROM dataset_approvals WHERE hash = ?').run(hash)
      await rm(fileOf(hash), { force: true })
    }
  }
  return {
    async save({ code, uploader, runtime }) {
      const hash = `0x${createHash('sha256').update(code).digest('hex')}` as const
      await expire()
      const known = db.prepare('SELECT runtime FROM algorithms WHERE hash = ?').get(hash) as { runtime: string } | undefined
      if (known && known.runtime !== runtime)
        throw new DataVaultError(`This program was uploaded before for the ${known.runtime} runtime.`, { code: 'ALGORITHM_RUNTIME_CONFLICT', status: 409 })
      // A program already stored costs nothing more; a new one counts against the uploader's quota.
      if (!known) quota.check(uploader, now())
      const file = fileOf(hash)
      const exists = await stat(file).then(
        () => true,
        () => false,
      )
      if (!exists) {
        const temp = `${file}.${process.pid}.${Date.now()}.tmp`
        const handle = await open(temp, 'wx', 0o644)
        try {
          await handle.writeFile(code)
          await handle.sync()
        } finally {
          await handle.close()
        }
        await rename(temp, file)
      }
      db.prepare('INSERT INTO algorithms (hash, uploader, size, created_at, runtime) VALUES (?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING').run(
        hash,
        uploader.toLowerCase(),
        code.byteLength,
        new Date(now()).toISOString(),
        runtime,
      )
      return hash
    },
    path(hash) {
      const row = db.prepare('SELECT hash FROM algorithms WHERE hash = ?').get(hash.toLowerCase())
      return row ? fileOf(hash.toLowerCase()) : undefined
    },
    runtime(hash) {
      const row = db.prepare('SELECT runtime FROM algorithms WHERE hash = ?').get(hash.toLowerCase()) as { runtime: 'node' | 'python' } | undefined
      return row?.runtime
    },
    approve({ datasetId, hash, terms, by }) {
      db.prepare(
        'INSERT INTO dataset_approvals (dataset_id, hash, terms, approved_by, approved_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ).run(datasetId.toLowerCase(), hash.toLowerCase(), terms, by.toLowerCase(), new Date().toISOString())
    },
    isApproved({ datasetId, hash, terms }) {
      return (
        db
          .prepare('SELECT 1 FROM dataset_approvals WHERE dataset_id = ? AND hash = ? AND terms = ?')
          .get(datasetId.toLowerCase(), hash.toLowerCase(), terms) !== undefined
      )
    },
    revoke({ datasetId, hash }) {
      return Number(db.prepare('DELETE FROM dataset_approvals WHERE dataset_id = ? AND hash = ?').run(datasetId.toLowerCase(), hash.toLowerCase()).changes)
    },
    approvals(datasetId) {
      return (
        db.prepare('SELECT hash, terms, approved_at FROM dataset_approvals WHERE dataset_id = ? ORDER BY approved_at').all(datasetId.toLowerCase()) as {
          hash: `0x${string}`
          terms: `0x${string}`
          approved_at: string
        }[]
      ).map((row) => ({ hash: row.hash, terms: row.terms, approvedAt: row.approved_at }))
    },
    async code(hash) {
      const known = db.prepare('SELECT hash FROM algorithms WHERE hash = ?').get(hash.toLowerCase())
      return known ? new Uint8Array(await readFile(fileOf(hash.toLowerCase()))) : undefined
    },
  }
}

/** Largest JSON size of a custom algorithm's parameters. */
const maxCustomParamsBytes = 16 * 1024

const customParameters = z.record(z.string(), z.unknown()).refine((params) => JSON.stringify(params).length <= maxCustomParamsBytes, {
  message: `parameters may take at most ${maxCustomParamsBytes} bytes of JSON`,
})

/** Bytes the declared tensors take: what the egress guard will let out at most, besides metrics. */
export function declaredOutputBytes(outputs: NonNullable<JobTrainer['outputs']>): number {
  return outputs.tensors.reduce(
    (total, tensor) =>
      total + tensor.shape.reduce((count, size) => count * size, 1) * safetensorsDtypes[tensor.dtype as keyof typeof safetensorsDtypes].bytes,
    0,
  )
}

/**
 * The trainer definition of a custom algorithm for one job: its parameters pass through (size
 * bounded) and its outputs are exactly what the buyer declared, with no safetensors metadata.
 */
export function customAlgorithmDefinition(outputs: NonNullable<JobTrainer['outputs']>, runtime: 'node' | 'python' = 'node'): TrainerDefinition {
  const declared = declaredOutputsSchema.parse(outputs)
  return {
    id: 'custom',
    version: runtime,
    description: 'A custom algorithm uploaded by a buyer and approved by the dataset owner.',
    parameters: customParameters,
    outputs: () => ({
      files: [
        { name: 'model.safetensors', kind: 'safetensors', tensors: declared.tensors, metadataKeys: [] },
        { name: 'metrics.json', kind: 'metrics', names: declared.metrics },
      ],
    }),
    entry: '',
    // /out gets room for the declared tensors, their safetensors header and the metrics file, no more.
    maxOutputBytes: () => customOutputBound(declared),
    // The program's metrics are numbers of its choosing: checked, never released. The node computes none for it.
    releasesMetrics: false,
  }
}

/**
 * The most bytes a custom program's outputs can need: its declared tensors with a safetensors
 * header of at most 8 + 1024 + 512 bytes per tensor, and a metrics file of at most 64 + 128 bytes
 * per declared name, each rounded up to whole 4 KiB pages (/out is a tmpfs, where a file takes
 * whole pages), and one page more: a /out left full reads as an output limit when the program then
 * fails. What the runner gives /out for it instead of the policy's 64 MiB default.
 */
export function customOutputBound(outputs: NonNullable<JobTrainer['outputs']>): number {
  const declared = declaredOutputsSchema.parse(outputs)
  const pages = (bytes: number) => Math.ceil(bytes / 4096) * 4096
  return pages(declaredOutputBytes(declared) + 8 + 1024 + 512 * declared.tensors.length) + pages(64 + 128 * declared.metrics.length) + 4096
}

/** Resolves a job's program: a built-in trainer from the catalog, or a stored custom algorithm. */
export function programResolver({ trainers, algorithms }: { trainers: TrainerCatalog; algorithms: Pick<AlgorithmStore, 'path' | 'runtime'> }) {
  return {
    resolve(trainer: JobTrainer): TrainerCatalogEntry | undefined {
      if (trainer.id !== 'custom') return trainers.get(trainer.id)
      const path = algorithms.path(trainer.hash)
      const runtime = algorithms.runtime(trainer.hash)
      if (!path || !runtime || !trainer.outputs) return undefined
      return { definition: customAlgorithmDefinition(trainer.outputs, runtime), bundle: { path, sha256: trainer.hash, runtime } }
    },
  }
}
